#pragma once
// Which targets can continue a partial assistant turn (an assistant "prefill"), and how: what
// mid-stream failover needs to continue a broken stream with the same model's own words.
#include <string>
#include <string_view>

#include "canonical/chat.h"
#include "config/config.h"

namespace switchyard::providers {

// The provider's `prefill` setting when given, else its kind's or preset's documented way:
//   anthropic                     trailing assistant turn (Anthropic's prefill)
//   bedrock, anthropic.* models   trailing assistant turn (Claude through Converse)
//   vllm                          continue_final_message + add_generation_prompt: false
//   llamacpp, ollama, groq,
//   openrouter                    trailing assistant turn (each documents continuing it)
//   mistral                       "prefix": true on the last assistant message
//   deepseek                      "prefix": true, on the beta endpoint only (base_url .../beta)
//   openai, azure, gemini, other presets, other Bedrock models: none (OpenAI and Azure answer a
//   trailing assistant message with a new message; the others do not document it)
// `prefill: true` on a kind without a documented way means the trailing assistant turn.
canonical::Prefill prefillFor(const config::Provider& provider, std::string_view model);

// True when an error message says the target refuses an assistant prefill (Anthropic's models
// without prefill, llama.cpp in thinking mode, Mistral/DeepSeek without the prefix flag...).
bool saysPrefillUnsupported(std::string_view message);

std::string_view toString(canonical::Prefill prefill);

}  // namespace switchyard::providers
