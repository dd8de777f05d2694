#pragma once
// Pieces of Anthropic's wire format that the renderer, the stream encoder and the error renderer
// share (internal to the surface).
#include <string>
#include <string_view>

#include "canonical/chat.h"

namespace switchyard::surfaces::anthropic {

// "end_turn", "stop_sequence", "max_tokens", "tool_use", "refusal".
std::string_view stopReasonName(canonical::FinishReason finish);

// Anthropic's error.type for an error: by category, "billing_error" when error.code says so.
std::string_view errorTypeName(const canonical::Error& error);

// `prefix` followed by 24 letters and digits starting "01", the shape of Anthropic's ids
// ("msg_013Zva2CMHLNnXjNJJKqJ2EF", "toolu_01...", "req_011C...").
std::string newId(std::string_view prefix);

// Appends `arguments` (a tool call's JSON text) as a JSON object: Anthropic's `input` must be an
// object, and an upstream may have produced a truncated or non-object text (an OpenAI call cut by
// max_tokens); those become {} rather than invalid output.
void appendInputObject(std::string& out, std::string_view arguments);

// Canonical input_tokens counts cache tokens; Anthropic's input_tokens does not.
std::int64_t uncachedInputTokens(const canonical::Usage& usage);

}  // namespace switchyard::surfaces::anthropic
