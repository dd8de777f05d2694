#include "config/provider_kinds.h"

namespace switchyard::config {

const std::vector<ProviderKind>& providerKinds() {
  static const std::vector<ProviderKind> kinds{
      {"openai", "openai", "https://api.openai.com/v1"},
      {"anthropic", "anthropic", "https://api.anthropic.com"},
      {"gemini", "gemini", "https://generativelanguage.googleapis.com"},
      {"bedrock", "bedrock", ""},
      {"azure", "azure", ""},
      // OpenAI-compatible servers: kind `openai` with their usual address.
      {"vllm", "openai", "http://localhost:8000/v1"},
      {"llamacpp", "openai", "http://localhost:8080/v1"},
      {"ollama", "openai", "http://localhost:11434/v1"},
      {"groq", "openai", "https://api.groq.com/openai/v1"},
      {"together", "openai", "https://api.together.xyz/v1"},
      {"mistral", "openai", "https://api.mistral.ai/v1"},
      {"deepseek", "openai", "https://api.deepseek.com/v1"},
      {"fireworks", "openai", "https://api.fireworks.ai/inference/v1"},
      {"openrouter", "openai", "https://openrouter.ai/api/v1"},
      {"cerebras", "openai", "https://api.cerebras.ai/v1"},
  };
  return kinds;
}

const ProviderKind* findProviderKind(std::string_view name) {
  for (const auto& kind : providerKinds()) {
    if (kind.name == name) return &kind;
  }
  return nullptr;
}

std::string providerKindNames() {
  std::string names;
  for (const auto& kind : providerKinds()) names += (names.empty() ? "" : ", ") + std::string(kind.name);
  return names;
}

std::string bedrockBaseUrl(std::string_view region) {
  return "https://bedrock-runtime." + std::string(region) + ".amazonaws.com";
}

}  // namespace switchyard::config
