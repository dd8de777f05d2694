#pragma once
// Reading GenerateContentResponse objects: the whole answer of generateContent, and the pieces the
// stream decoder shares with it (finish reasons, usage, generated call ids).
#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>

#include "canonical/arena.h"
#include "canonical/chat.h"

namespace switchyard::providers::gemini {

// Reads a generateContent body. False, with `why`, when it is not a GenerateContentResponse.
bool decodeGenerateContent(std::string_view body, canonical::Arena& arena, canonical::ChatResponse& out,
                           std::string& why);

// STOP and unknown reasons -> EndTurn (ToolUse when the answer called functions); MAX_TOKENS;
// SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_SAFETY... -> ContentFilter.
canonical::FinishReason finishReasonOf(std::string_view reason, bool called_functions);

// usageMetadata: prompt (+ tool-use prompt) tokens in, candidate + thought tokens out (thoughts kept
// apart as reasoning tokens too), cached content tokens as cache reads (already part of
// promptTokenCount).
canonical::Usage usageOf(const boost::json::object& usage_metadata);

// Gemini 2.x sends no function call ids; OpenAI and Anthropic clients need one to answer the call.
// "call_" + the response id + the call's index: unique per answer, the same on every decode.
std::string generatedCallId(std::string_view response_id, int index);

}  // namespace switchyard::providers::gemini
