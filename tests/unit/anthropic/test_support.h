#pragma once
// Helpers shared by the Anthropic tests: golden files, JSON comparison, SSE splitting, and an
// EventSink that records canonical events as text.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "canonical/chat.h"
#include "canonical/stream_codec.h"

#include "../support/golden.h"

namespace switchyard::anthropic_test {

using switchyard::unit_testing::readGolden;

inline boost::json::value parseJson(std::string_view text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(boost::json::string_view(text.data(), text.size()), ec);
  EXPECT_FALSE(ec) << "not JSON: " << text;
  return value;
}

// Same JSON values (whitespace apart); on a difference prints both.
#define SY_EXPECT_SAME_JSON(actual, expected)                                                     \
  EXPECT_EQ(::switchyard::anthropic_test::parseJson(actual), ::switchyard::anthropic_test::parseJson(expected)) \
      << "actual:   " << (actual) << "\nexpected: " << (expected)

// Keys of a JSON object, in order.
inline std::vector<std::string> keysOf(const boost::json::value& value) {
  std::vector<std::string> keys;
  for (const auto& member : value.as_object()) keys.emplace_back(member.key());
  return keys;
}

struct SseEvent {
  std::string name;
  std::string data;
};

// Splits "event: X\ndata: Y\n\n" text into events.
inline std::vector<SseEvent> splitSse(std::string_view text) {
  std::vector<SseEvent> events;
  while (!text.empty()) {
    const auto end = text.find("\n\n");
    const std::string_view frame = text.substr(0, end);
    SseEvent event;
    std::size_t line_start = 0;
    while (line_start < frame.size()) {
      auto line_end = frame.find('\n', line_start);
      if (line_end == std::string_view::npos) line_end = frame.size();
      const auto line = frame.substr(line_start, line_end - line_start);
      if (line.starts_with("event: ")) event.name = std::string(line.substr(7));
      if (line.starts_with("data: ")) event.data = std::string(line.substr(6));
      line_start = line_end + 1;
    }
    events.push_back(std::move(event));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 2);
  }
  return events;
}

// Records every event as one line of text, with its views copied.
class RecordingSink final : public canonical::EventSink {
 public:
  void onEvent(const canonical::StreamEvent& event) override {
    using canonical::EventType;
    std::string line;
    switch (event.type) {
      case EventType::Start:
        line = "start id=" + std::string(event.id) + " model=" + std::string(event.name) +
               " in=" + std::to_string(event.usage.input_tokens);
        break;
      case EventType::TextDelta: line = "text " + std::string(event.text); break;
      case EventType::ToolCallStart:
        line = "call " + std::to_string(event.index) + " " + std::string(event.id) + " " + std::string(event.name);
        break;
      case EventType::ToolCallDelta: line = "args " + std::to_string(event.index) + " " + std::string(event.text); break;
      case EventType::Finish:
        line = "finish " + std::to_string(static_cast<int>(event.finish)) + " " + std::string(event.stop_sequence);
        break;
      case EventType::Usage:
        line = "usage in=" + std::to_string(event.usage.input_tokens) + " out=" +
               std::to_string(event.usage.output_tokens) + " read=" + std::to_string(event.usage.cache_read_tokens) +
               " write=" + std::to_string(event.usage.cache_write_tokens);
        break;
    }
    events.push_back(std::move(line));
  }
  std::vector<std::string> events;
};

}  // namespace switchyard::anthropic_test
