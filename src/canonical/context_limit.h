#pragma once
// What a provider's "the prompt does not fit" error says, read from its wording. Every provider
// and OpenAI-compatible server phrases it its own way, and most state the model's context window
// in it: the gateway learns the real window of a target from the first such error instead of
// trusting the configured one.
#include <cstdint>
#include <optional>
#include <string_view>

namespace switchyard::canonical {

// True when `text` (an error message or a whole error body) says the prompt exceeds the model's
// context window, in any wording known to the codecs: OpenAI, vLLM, DeepSeek, OpenRouter
// ("maximum context length"), Anthropic ("prompt is too long", "exceed context limit"), Gemini
// ("exceeds the maximum number of tokens allowed"), Mistral ("too large for model with"),
// llama.cpp ("exceed_context_size_error", "available context size"), Ollama and LM Studio
// ("exceeds the context length", "exceeded max context length"), Bedrock ("input is too long").
// Case-insensitive. The codecs add their own structured signals (codes, error types) to it.
bool saysContextLengthExceeded(std::string_view text);

// The model's context window in tokens as `text` (an error message or a whole error body) states
// it, or nullopt when it states none:
//   OpenAI, vLLM     "This model's maximum context length is 8192 tokens. However, you requested ..."
//   Anthropic        "prompt is too long: 208310 tokens > 200000 maximum"
//                    "input length and `max_tokens` exceed context limit: 197626 + 8192 > 200000, ..."
//   Gemini           "The input token count (1234567) exceeds the maximum number of tokens allowed (1048576)."
//   Mistral          "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768
//                    maximum context length"
//   llama.cpp        a body holding "n_ctx": 4096, or "... exceeds the available context size (4096 tokens)"
//   others           a number right after "context length", "context window", "context size" or
//                    "maximum model length", joined only by "is", "of", "only", ":", "=", "(":
//                    "context length of only 32768 tokens", "context window is 128,000 tokens"
// A number joined by anything else is not a limit ("exceeded max context length by 4096 tokens"
// is how far over it went), and neither is Bedrock's "Input is too long for requested model.".
std::optional<std::int64_t> contextLimitFromError(std::string_view text);

}  // namespace switchyard::canonical
