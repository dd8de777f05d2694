#pragma once
// The Anthropic Messages surface (POST /v1/messages): requests read into canonical form, and
// canonical answers, streams and errors rendered exactly as api.anthropic.com renders them.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "canonical/chat.h"
#include "canonical/stream_codec.h"

namespace switchyard::surfaces::anthropic {

// Reads a Messages API body. Invalid input returns an invalid-request Error whose message says
// what is wrong where, in Anthropic's wording ("messages.1.content.0.type: ...").
std::optional<canonical::Error> parseMessagesRequest(std::string_view body, canonical::Arena& arena,
                                                     canonical::ChatRequest& out);
// The body of POST /v1/messages/count_tokens: the same fields, max_tokens not required.
std::optional<canonical::Error> parseCountTokensRequest(std::string_view body, canonical::Arena& arena,
                                                        canonical::ChatRequest& out);
// Appends the Message object ({"id","type":"message","role":"assistant","model","content",...}).
void renderMessage(const canonical::ChatResponse& response, std::string& out);
// Renders message_start, content_block_start/delta/stop, message_delta and message_stop events.
std::unique_ptr<canonical::StreamEncoder> makeStreamEncoder();
// {"type":"error","error":{"type","message"}} with Anthropic's type for the category.
std::string renderErrorBody(const canonical::Error& error);
// The HTTP status an Anthropic client gets for `error`, from Anthropic's error table: 400
// invalid_request_error, 401 authentication_error, 402 billing_error, 403 permission_error, 404
// not_found_error, 413 request_too_large, 429 rate_limit_error, 500 api_error, 504 timeout_error,
// 529 overloaded_error. Decided by the category (and code "billing_error"), not by error.status,
// which another dialect may have chosen.
int clientStatus(const canonical::Error& error);

}  // namespace switchyard::surfaces::anthropic
