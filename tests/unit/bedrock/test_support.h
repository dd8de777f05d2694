#pragma once
// Shared by the Bedrock tests: golden files, JSON comparison, a codec with a fixed clock, and a
// sink that records canonical stream events as text.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "canonical/stream_codec.h"
#include "config/config.h"
#include "providers/bedrock/codec.h"

#include "../support/golden.h"

namespace switchyard::providers::bedrock::testing {

using switchyard::unit_testing::readGolden;
using switchyard::unit_testing::finishName;

// Parsed comparison (whitespace-free) that also holds key order: serialize() keeps it.
inline void expectSameJson(const std::string& expected, const std::string& actual) {
  boost::system::error_code ec;
  const auto want = boost::json::parse(expected, ec);
  ASSERT_FALSE(ec) << "expected is not JSON: " << expected;
  const auto got = boost::json::parse(actual, ec);
  ASSERT_FALSE(ec) << "actual is not JSON: " << actual;
  EXPECT_EQ(want, got) << "\nexpected: " << boost::json::serialize(want) << "\nactual:   " << actual;
  EXPECT_EQ(boost::json::serialize(want), boost::json::serialize(got)) << "key order differs";
}

// 2024-05-01T12:00:00Z
inline std::chrono::system_clock::time_point fixedTime() {
  return std::chrono::system_clock::from_time_t(1714564800);
}

inline config::Provider bedrockProvider(std::string session_token = "") {
  config::Provider provider;
  provider.name = "aws";
  provider.kind = "bedrock";
  provider.endpoint.tls = true;
  provider.endpoint.host = "bedrock-runtime.us-east-1.amazonaws.com";
  provider.endpoint.port = 443;
  provider.region = "us-east-1";
  provider.aws_access_key_id = "AKIDEXAMPLE";
  provider.aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  provider.aws_session_token = std::move(session_token);
  return provider;
}

inline constexpr const char* kHaiku = "anthropic.claude-3-haiku-20240307-v1:0";

inline std::unique_ptr<TargetCodec> haikuCodec(std::string session_token = "") {
  return makeBedrockCodec(bedrockProvider(std::move(session_token)), kHaiku, [] { return fixedTime(); });
}

// Each event as one line: "start model", "text Hello", "tool_start 0 id name", "tool_delta 0 {..",
// "finish tool_use", "usage in out cache_read cache_write".
class RecordingSink final : public canonical::EventSink {
 public:
  void onEvent(const canonical::StreamEvent& event) override {
    using canonical::EventType;
    std::ostringstream line;
    switch (event.type) {
      case EventType::Start:
        line << "start " << event.name;
        break;
      case EventType::TextDelta:
        line << "text " << event.text;
        break;
      case EventType::ToolCallStart:
        line << "tool_start " << event.index << " " << event.id << " " << event.name;
        break;
      case EventType::ToolCallDelta:
        line << "tool_delta " << event.index << " " << event.text;
        break;
      case EventType::Finish:
        line << "finish " << finishName(event.finish);
        break;
      case EventType::Usage:
        line << "usage " << event.usage.input_tokens << " " << event.usage.output_tokens << " "
             << event.usage.cache_read_tokens << " " << event.usage.cache_write_tokens;
        break;
    }
    lines.push_back(line.str());
  }
  std::vector<std::string> lines;
};

}  // namespace switchyard::providers::bedrock::testing
