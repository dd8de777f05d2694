#pragma once
// Helpers shared by the Gemini tests: golden files, JSON comparison, a canonical answer as JSON.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "canonical/chat.h"
#include "canonical/stream_codec.h"
#include "config/config.h"

#include "../support/golden.h"

namespace switchyard::providers::gemini::testing {

using switchyard::unit_testing::readGolden;
using switchyard::unit_testing::finishName;

// Compares JSON values (whitespace-insensitive); on mismatch prints both.
inline void expectSameJson(std::string_view actual, std::string_view expected) {
  boost::json::error_code ec;
  const auto actual_value = boost::json::parse(actual, ec);
  ASSERT_FALSE(ec) << "not JSON: " << actual;
  const auto expected_value = boost::json::parse(expected, ec);
  ASSERT_FALSE(ec) << "golden is not JSON: " << expected;
  EXPECT_EQ(actual_value, expected_value) << "actual:   " << boost::json::serialize(actual_value)
                                          << "\nexpected: " << boost::json::serialize(expected_value);
}

inline std::vector<std::string> keysOf(const boost::json::object& object) {
  std::vector<std::string> keys;
  for (const auto& entry : object) keys.emplace_back(entry.key());
  return keys;
}

inline config::Provider geminiProvider(std::string base_path = "", std::string key = "KEY") {
  config::Provider provider;
  provider.name = "google";
  provider.kind = "gemini";
  provider.base_url = "https://generativelanguage.googleapis.com" + base_path;
  provider.endpoint.tls = true;
  provider.endpoint.host = "generativelanguage.googleapis.com";
  provider.endpoint.port = 443;
  provider.endpoint.base_path = std::move(base_path);
  provider.api_key = std::move(key);
  return provider;
}

inline boost::json::object usageJson(const canonical::Usage& usage) {
  return {{"input_tokens", usage.input_tokens},
          {"output_tokens", usage.output_tokens},
          {"cache_read_tokens", usage.cache_read_tokens},
          {"cache_write_tokens", usage.cache_write_tokens}};
}

// A canonical answer as JSON, the form the decode goldens are written in.
inline std::string responseJson(const canonical::ChatResponse& response) {
  boost::json::array content;
  for (const auto& part : response.content) {
    if (part.type == canonical::PartType::ToolCall) {
      content.push_back({{"type", "tool_call"},
                         {"id", part.id},
                         {"name", part.name},
                         {"arguments", boost::json::parse(part.arguments)}});
    } else {
      content.push_back({{"type", "text"}, {"text", part.text}});
    }
  }
  boost::json::object out{{"id", response.id},
                          {"model", response.model},
                          {"finish", finishName(response.finish)},
                          {"usage", usageJson(response.usage)},
                          {"content", std::move(content)}};
  return boost::json::serialize(out);
}

// Records stream events as JSON lines-in-an-array.
class RecordingSink final : public canonical::EventSink {
 public:
  void onEvent(const canonical::StreamEvent& event) override {
    boost::json::object e;
    switch (event.type) {
      case canonical::EventType::Start:
        e = {{"type", "start"}, {"id", event.id}, {"model", event.name}};
        break;
      case canonical::EventType::TextDelta:
        e = {{"type", "text"}, {"text", event.text}};
        break;
      case canonical::EventType::ToolCallStart:
        e = {{"type", "tool_call_start"}, {"index", event.index}, {"id", event.id}, {"name", event.name}};
        break;
      case canonical::EventType::ToolCallDelta:
        e = {{"type", "tool_call_delta"}, {"index", event.index}, {"arguments", event.text}};
        break;
      case canonical::EventType::Finish:
        e = {{"type", "finish"}, {"finish", finishName(event.finish)}};
        break;
      case canonical::EventType::Usage:
        e = {{"type", "usage"}, {"usage", usageJson(event.usage)}};
        break;
    }
    events.push_back(std::move(e));
  }
  // Adjacent text deltas joined, so that tests do not depend on how bytes were sliced.
  std::string text() const {
    std::string out;
    for (const auto& e : events) {
      if (e.at("type") == "text") out += std::string(e.at("text").as_string());
    }
    return out;
  }
  boost::json::array events;
};

}  // namespace switchyard::providers::gemini::testing
