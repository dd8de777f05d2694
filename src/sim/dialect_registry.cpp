#include "sim/dialect.h"

namespace switchyard::sim {

const SimDialect* dialectForPath(std::string_view path) {
  if (path == "/v1/chat/completions" || path == "/chat/completions") return &openAiDialect();
  if (path.starts_with("/openai/deployments/") && path.ends_with("/chat/completions")) return &openAiDialect();
  return nullptr;
}

}  // namespace switchyard::sim
