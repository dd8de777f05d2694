#pragma once
// Server-Sent Events framing (the WHATWG event-stream format): finds event boundaries in a byte
// stream so a relay forwards whole events only, and reads the fields a gateway decides on.
#include <cstddef>
#include <string>
#include <string_view>

namespace switchyard::http {

inline constexpr std::size_t kSseNoEvent = std::string_view::npos;

// Index just past the blank line that ends the first complete event at or after `from`, or
// kSseNoEvent when no event is complete yet. Lines may end in "\n" or "\r\n".
std::size_t findSseEventEnd(std::string_view data, std::size_t from = 0);

struct SseEvent {
  std::string_view name;        // the "event:" field, empty when absent
  std::string_view first_data;  // the first "data:" line's value (one leading space removed)
  bool has_data = false;
};

// Reads the fields of one complete event (as delimited by findSseEventEnd).
SseEvent parseSseEvent(std::string_view raw_event);

// `data: [DONE]`, OpenAI's end-of-stream sentinel.
bool isOpenAiDone(const SseEvent& event);
// An OpenAI-style error event: data is a JSON object whose first key is "error".
bool isOpenAiError(const SseEvent& event);

// "data: <payload>\n\n"
std::string sseData(std::string_view payload);

}  // namespace switchyard::http
