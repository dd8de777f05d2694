#pragma once
// Helpers for the OpenAI translation tests: a stable text dump of canonical requests and stream
// events (what the parse and stream goldens compare), golden file access, and JSON comparison.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "canonical/chat.h"
#include "canonical/json_writer.h"
#include "canonical/stream_codec.h"

#include "../support/golden.h"

namespace switchyard::openai_translation_test {

using switchyard::unit_testing::readGolden;
using switchyard::unit_testing::finishName;

inline std::string goldenPath(const std::string& name) { return std::string(SY_GOLDEN_DIR) + "/" + name; }

// SY_UPDATE_GOLDENS=1 rewrites expected files from the actual output (review the diff after).
inline bool updatingGoldens() { return std::getenv("SY_UPDATE_GOLDENS") != nullptr; }

inline void writeGolden(const std::string& name, const std::string& text) {
  std::ofstream out(goldenPath(name), std::ios::binary);
  out << text;
}

// Whitespace-insensitive comparison of two JSON texts; prints both on mismatch.
inline void expectSameJson(const std::string& actual, const std::string& expected, const std::string& what) {
  boost::system::error_code ec_actual, ec_expected;
  const auto a = boost::json::parse(actual, ec_actual);
  const auto e = boost::json::parse(expected, ec_expected);
  ASSERT_FALSE(ec_actual) << what << ": output is not JSON: " << actual;
  ASSERT_FALSE(ec_expected) << what << ": golden is not JSON";
  EXPECT_EQ(a, e) << what << "\nactual:   " << boost::json::serialize(a) << "\nexpected: " << boost::json::serialize(e);
}

// Compares `actual` with golden `name`: as JSON when the name ends in .json, else as text.
inline void expectGolden(const std::string& name, const std::string& actual) {
  const bool is_json = name.ends_with(".json");
  if (updatingGoldens()) {
    writeGolden(name, is_json ? boost::json::serialize(boost::json::parse(actual)) + "\n" : actual);
    return;
  }
  const std::string expected = readGolden(name);
  if (is_json)
    expectSameJson(actual, expected, name);
  else
    EXPECT_EQ(actual, expected) << name;
}

inline std::string quoted(std::string_view text) {
  std::string out;
  canonical::appendQuoted(out, text);
  return out;
}

inline std::string dumpPart(const canonical::Part& part) {
  switch (part.type) {
    case canonical::PartType::Text:
      return "text " + quoted(part.text);
    case canonical::PartType::Image:
      if (!part.image.url.empty()) return "image url=" + quoted(part.image.url);
      return "image media_type=" + quoted(part.image.media_type) + " data=" + quoted(part.image.data);
    case canonical::PartType::ToolCall:
      return "tool_call id=" + quoted(part.id) + " name=" + quoted(part.name) + " arguments=" + quoted(part.arguments);
    case canonical::PartType::ToolResult:
      return "tool_result id=" + quoted(part.id) + " name=" + quoted(part.name) + (part.is_error ? " error" : "") +
             " text=" + quoted(part.text);
  }
  return "?";
}

// One line per fact, only the facts that are set; stable across runs.
inline std::string dumpRequest(const canonical::ChatRequest& request) {
  std::ostringstream out;
  out << "model " << quoted(request.model) << "\n";
  for (const auto block : request.system) out << "system " << quoted(block) << "\n";
  for (const auto& message : request.messages) {
    out << (message.role == canonical::Role::User ? "user" : "assistant") << "\n";
    for (std::uint32_t i = 0; i < message.count; ++i) out << "  " << dumpPart(request.parts[message.first + i]) << "\n";
  }
  if (request.max_tokens) out << "max_tokens " << *request.max_tokens << "\n";
  if (request.temperature) out << "temperature " << *request.temperature << "\n";
  if (request.top_p) out << "top_p " << *request.top_p << "\n";
  if (request.top_k) out << "top_k " << *request.top_k << "\n";
  for (const auto stop : request.stop) out << "stop " << quoted(stop) << "\n";
  for (const auto& tool : request.tools) {
    out << "tool " << quoted(tool.name) << " description=" << quoted(tool.description)
        << " parameters=" << tool.parameters << "\n";
  }
  switch (request.tool_choice.mode) {
    case canonical::ToolChoiceMode::Unset:
      break;
    case canonical::ToolChoiceMode::Auto:
      out << "tool_choice auto\n";
      break;
    case canonical::ToolChoiceMode::None:
      out << "tool_choice none\n";
      break;
    case canonical::ToolChoiceMode::Required:
      out << "tool_choice required\n";
      break;
    case canonical::ToolChoiceMode::Named:
      out << "tool_choice named " << quoted(request.tool_choice.name) << "\n";
      break;
  }
  if (request.parallel_tool_calls)
    out << "parallel_tool_calls " << (*request.parallel_tool_calls ? "true" : "false") << "\n";
  if (request.response_format == canonical::ResponseFormat::JsonObject) out << "response_format json_object\n";
  if (request.response_format == canonical::ResponseFormat::JsonSchema) {
    out << "response_format json_schema name=" << quoted(request.response_schema_name)
        << " schema=" << request.response_schema << "\n";
  }
  if (request.stream) out << "stream" << (request.include_usage ? " include_usage" : "") << "\n";
  if (!request.user.empty()) out << "user " << quoted(request.user) << "\n";
  return out.str();
}

inline std::string dumpEvent(const canonical::StreamEvent& event) {
  switch (event.type) {
    case canonical::EventType::Start:
      return "start id=" + quoted(event.id) + " model=" + quoted(event.name);
    case canonical::EventType::TextDelta:
      return "text " + quoted(event.text);
    case canonical::EventType::ToolCallStart:
      return "tool_call_start " + std::to_string(event.index) + " id=" + quoted(event.id) +
             " name=" + quoted(event.name);
    case canonical::EventType::ToolCallDelta:
      return "tool_call_delta " + std::to_string(event.index) + " " + quoted(event.text);
    case canonical::EventType::Finish:
      return "finish " + std::string(finishName(event.finish)) +
             (event.stop_sequence.empty() ? "" : " stop_sequence=" + quoted(event.stop_sequence));
    case canonical::EventType::Usage:
      return "usage input=" + std::to_string(event.usage.input_tokens) +
             " output=" + std::to_string(event.usage.output_tokens) +
             " cache_read=" + std::to_string(event.usage.cache_read_tokens);
  }
  return "?";
}

// Records events as dump lines, and copies them so they outlive onEvent.
class RecordingSink final : public canonical::EventSink {
 public:
  void onEvent(const canonical::StreamEvent& event) override {
    lines.push_back(dumpEvent(event));
    // Owned copies for re-encoding: the strings go to `storage` first.
    auto& copy = events.emplace_back(event);
    copy.text = keep(event.text);
    copy.id = keep(event.id);
    copy.name = keep(event.name);
    copy.stop_sequence = keep(event.stop_sequence);
  }
  std::string joined() const {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
  }
  std::vector<std::string> lines;
  std::vector<canonical::StreamEvent> events;

 private:
  std::string_view keep(std::string_view text) {
    return storage.emplace_back(std::make_unique<std::string>(text))->operator std::string_view();
  }
  std::vector<std::unique_ptr<std::string>> storage;
};

}  // namespace switchyard::openai_translation_test
