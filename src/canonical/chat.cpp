#include "canonical/chat.h"

namespace switchyard::canonical {

std::string_view toString(Dialect dialect) {
  switch (dialect) {
    case Dialect::OpenAi: return "openai";
    case Dialect::Anthropic: return "anthropic";
    case Dialect::Gemini: return "gemini";
    case Dialect::Bedrock: return "bedrock";
  }
  return "unknown";
}

}  // namespace switchyard::canonical
