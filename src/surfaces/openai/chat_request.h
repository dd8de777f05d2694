#pragma once
// The OpenAI chat-completions surface: what the gateway must know of a client's request before
// routing it. The body itself is forwarded, so only these fields are read.
#include <string_view>
#include <variant>

#include <boost/json/monotonic_resource.hpp>

#include "canonical/json_scan.h"
#include "surfaces/openai/errors.h"

namespace switchyard::surfaces::openai {

struct ChatRequest {
  std::string_view model;          // the route name; points into the request's arena
  canonical::ByteSpan model_span;  // where the model's JSON string sits in the body
  bool stream = false;
};

// Validates the body (JSON object, string "model", boolean "stream" when present).
// `arena` owns whatever the parse allocates; it must outlive the returned view.
std::variant<ChatRequest, ClientError> parseChatRequest(std::string_view body,
                                                        boost::json::monotonic_resource& arena);

}  // namespace switchyard::surfaces::openai
