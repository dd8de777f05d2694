#include "providers/prefill_support.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace switchyard::providers {

using canonical::Prefill;

namespace {

Prefill kindDefault(const config::Provider& provider, std::string_view model) {
  const std::string_view kind = provider.preset.empty() ? std::string_view(provider.kind) : provider.preset;
  if (kind == "anthropic") return Prefill::TrailingAssistant;
  if (kind == "bedrock") {
    return model.find("anthropic.") != std::string_view::npos ? Prefill::TrailingAssistant : Prefill::None;
  }
  if (kind == "vllm") return Prefill::ContinueFinalMessage;
  if (kind == "llamacpp" || kind == "ollama" || kind == "groq" || kind == "openrouter") {
    return Prefill::TrailingAssistant;
  }
  if (kind == "mistral") return Prefill::PrefixFlag;
  if (kind == "deepseek") {
    // DeepSeek's chat prefix completion is a beta feature, served under /beta only.
    const std::string& path = provider.endpoint.base_path;
    return path.size() >= 5 && path.compare(path.size() - 5, 5, "/beta") == 0 ? Prefill::PrefixFlag : Prefill::None;
  }
  return Prefill::None;
}

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Prefill prefillFor(const config::Provider& provider, std::string_view model) {
  const std::string& setting = provider.prefill;
  if (setting == "false") return Prefill::None;
  if (setting == "trailing_assistant") return Prefill::TrailingAssistant;
  if (setting == "continue_final_message") return Prefill::ContinueFinalMessage;
  if (setting == "prefix") return Prefill::PrefixFlag;
  const Prefill documented = kindDefault(provider, model);
  if (setting == "true" && documented == Prefill::None) return Prefill::TrailingAssistant;
  return documented;
}

bool saysPrefillUnsupported(std::string_view message) {
  const std::string text = lowered(message);
  static constexpr std::array<std::string_view, 6> kWordings = {
      "prefill",                          // Anthropic, llama.cpp ("assistant response prefill ...")
      "must end with a user message",     // Anthropic
      "continue_final_message",           // vLLM
      "with prefix",                      // Mistral ("... or assistant with prefix true ...")
      "prefix",                           // DeepSeek ("prefix" needs the beta endpoint)
      "final assistant",
  };
  return std::any_of(kWordings.begin(), kWordings.end(),
                     [&](std::string_view wording) { return text.find(wording) != std::string::npos; });
}

std::string_view toString(Prefill prefill) {
  switch (prefill) {
    case Prefill::None: return "none";
    case Prefill::TrailingAssistant: return "trailing_assistant";
    case Prefill::ContinueFinalMessage: return "continue_final_message";
    case Prefill::PrefixFlag: return "prefix";
  }
  return "none";
}

}  // namespace switchyard::providers
