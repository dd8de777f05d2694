#pragma once
// Pieces of the simulator's Anthropic dialect (POST /v1/messages): request validation in the
// Messages API's words, and the Message object, SSE events and error bodies as api.anthropic.com
// writes them (compact JSON, the API's field order).
#include <boost/json/fwd.hpp>
#include <boost/system/result.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "sim/dialect.h"

namespace switchyard::sim::anthropic {

inline constexpr std::string_view kInvalidRequest = "invalid_request_error";

// Validates a Messages request (model, max_tokens >= 1, non-empty messages with user/assistant
// roles, content string or blocks, stream, temperature) and reads what the simulator acts on.
boost::system::result<SimChat, SimError> parseRequest(const boost::json::value& body);

// The error Anthropic answers a status with (529 and 503 overloaded_error, 504 timeout_error...).
SimError statusError(unsigned status, std::string_view model);

std::string completionJson(const SimReply& reply);
std::unique_ptr<SimStream> makeStream(const SimReply& reply);
// {"type":"error","error":{"type","message"},"request_id":"req_011C..."}
std::string errorJson(const SimError& error);

}  // namespace switchyard::sim::anthropic
