#pragma once
// Anthropic's POST /v1/messages/count_tokens as the simulator answers it: {"input_tokens": N}, N the
// words of the system prompt and of every text in the messages (the simulator's token unit).
#include <string>
#include <string_view>

namespace switchyard::sim {

// The answer body, or nullopt-like empty string when the body is not a JSON object.
std::string countTokensAnswer(std::string_view body);

}  // namespace switchyard::sim
