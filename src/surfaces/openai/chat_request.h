#pragma once
// The OpenAI chat-completions surface: what the gateway must know of a client's request before
// routing it. The body itself is forwarded, so only these fields are read.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "canonical/json_scan.h"
#include "surfaces/openai/errors.h"

namespace switchyard::surfaces::openai {

struct ChatRequest {
  std::string model;               // the route name
  canonical::ByteSpan model_span;  // where the model's JSON string sits in the body
  bool stream = false;
  // `max_tokens` (Anthropic, older OpenAI) or `max_completion_tokens`, when an integer: what budget
  // reservations and rate limits take as the answer's bound without parsing the whole body.
  std::optional<std::int64_t> max_tokens;
};

// Validates the body (one JSON object, string "model", boolean "stream" when present) without
// building a document of it.
std::variant<ChatRequest, ClientError> parseChatRequest(std::string_view body);

}  // namespace switchyard::surfaces::openai
