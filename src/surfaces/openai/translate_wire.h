#pragma once
// Pieces of OpenAI's response wire format shared by the whole-answer renderer and the stream
// encoder (translate_render.cpp, translate_stream.cpp). Internal to the OpenAI surface.
#include <cstddef>
#include <string>
#include <string_view>

#include "canonical/chat.h"

namespace switchyard::surfaces::openai::wire {

// OpenAI's finish_reason for a canonical one (a matched stop sequence is "stop" too).
std::string_view finishReasonName(canonical::FinishReason finish);
// The usage object as api.openai.com writes it: cached and reasoning tokens from the canonical
// usage, the other details (audio and prediction tokens), which it has no figure for, zero.
void appendUsage(std::string& out, const canonical::Usage& usage);
// `prefix` + random alphanumerics, for ids the upstream did not give ("chatcmpl-...", "call_...").
std::string randomId(std::string_view prefix, std::size_t length);
inline constexpr std::size_t kCompletionIdLength = 29;  // as in OpenAI's chatcmpl-... ids
inline constexpr std::size_t kToolCallIdLength = 24;    // as in OpenAI's call_... ids
// Unix seconds now, for answers whose upstream gave no creation time.
std::int64_t nowSeconds();

}  // namespace switchyard::surfaces::openai::wire
