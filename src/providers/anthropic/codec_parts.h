#pragma once
// The pieces of the `anthropic` codec, one file each (internal to providers/anthropic).
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "canonical/chat.h"
#include "canonical/stream_codec.h"

namespace switchyard::providers::anthropic {

// Canonical request -> Messages API body for `model`. An Error names what cannot be carried.
std::optional<canonical::Error> encodeMessagesBody(const canonical::ChatRequest& request, std::string_view model,
                                                   canonical::Arena& arena, std::string& body);

// Message object -> canonical response.
bool decodeMessage(std::string_view body, canonical::Arena& arena, canonical::ChatResponse& out,
                   std::string& why);

// Anthropic's SSE stream -> canonical events.
std::unique_ptr<canonical::StreamDecoder> makeMessagesStreamDecoder();

// Canonical category for an Anthropic error.type ("overloaded_error"...); false when unknown.
bool categoryForErrorType(std::string_view type, std::string_view message, canonical::ErrorCategory& out);
// Categories and statuses by default: canonical::categoryForStatus / statusForCategory (Overloaded
// is 503 there; the Anthropic surface turns it back into 529 for its clients).
using canonical::categoryForStatus;
using canonical::statusForCategory;

canonical::Error decodeErrorBody(int status, std::string_view body, canonical::Arena& arena);

}  // namespace switchyard::providers::anthropic
