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
// Appends the Message object ({"id","type":"message","role":"assistant","model","content",...}).
void renderMessage(const canonical::ChatResponse& response, std::string& out);
// Renders message_start, content_block_start/delta/stop, message_delta and message_stop events.
std::unique_ptr<canonical::StreamEncoder> makeStreamEncoder();
// {"type":"error","error":{"type","message"}} with Anthropic's type for the category.
std::string renderErrorBody(const canonical::Error& error);

}  // namespace switchyard::surfaces::anthropic
