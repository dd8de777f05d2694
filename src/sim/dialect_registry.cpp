#include "sim/dialect.h"

namespace switchyard::sim {

const SimDialect* dialectForPath(std::string_view path) {
  if (path == "/v1/chat/completions" || path == "/chat/completions") return &openAiDialect();
  if (path.starts_with("/openai/deployments/") && path.ends_with("/chat/completions")) return &openAiDialect();
  if (path == "/v1/messages") return &anthropicDialect();
  if (path.starts_with("/v1beta/models/") &&
      (path.ends_with(":generateContent") || path.ends_with(":streamGenerateContent"))) {
    return &geminiDialect();
  }
  if (path.starts_with("/model/") && (path.ends_with("/converse") || path.ends_with("/converse-stream"))) {
    return &bedrockDialect();
  }
  return nullptr;
}

}  // namespace switchyard::sim
