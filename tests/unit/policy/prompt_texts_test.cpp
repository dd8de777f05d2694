#include "policy/prompt_texts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

namespace switchyard::policy {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;

// Visits the body's prompt texts, upper-casing each one so the test can also see what changed.
std::vector<std::string> visit(json::object& body) {
  std::vector<std::string> seen;
  std::size_t n = forEachPromptText(body, [&](json::string& s) {
    seen.emplace_back(s.c_str(), s.size());
    std::string upper(s.c_str(), s.size());
    for (char& c : upper)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    s = upper;
  });
  EXPECT_EQ(n, seen.size());
  return seen;
}

TEST(PromptTexts, VisitsOpenAiChatContentPartsToolCallsAndToolResults) {
  json::object body = json::parse(R"({
    "model": "gpt-4o", "user": "u-1",
    "messages": [
      {"role": "system", "content": "be brief"},
      {"role": "user", "name": "ann", "content": [
        {"type": "text", "text": "hello"},
        {"type": "image_url", "image_url": {"url": "https://x/a.png", "detail": "low"}}]},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "lookup", "arguments": "{\"q\":\"ann\"}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "found ann"}
    ],
    "tools": [{"type": "function", "function": {"name": "lookup", "description": "finds"}}]
  })")
                          .as_object();
  EXPECT_THAT(visit(body), ElementsAre("be brief", "hello", R"({"q":"ann"})", "found ann"));
  json::array& messages = body["messages"].as_array();
  EXPECT_EQ(messages[1].at("content").at(0).at("text"), "HELLO");
  EXPECT_EQ(messages[1].at("name"), "ann");
  EXPECT_EQ(messages[1].at("content").at(1).at("image_url").at("url"), "https://x/a.png");
  EXPECT_EQ(messages[2].at("tool_calls").at(0).at("id"), "call_1");
  EXPECT_EQ(messages[2].at("tool_calls").at(0).at("function").at("name"), "lookup");
  EXPECT_EQ(messages[3].at("tool_call_id"), "call_1");
  EXPECT_EQ(messages[3].at("role"), "tool");
  EXPECT_EQ(body["model"], "gpt-4o");
  EXPECT_EQ(body["user"], "u-1");
  EXPECT_EQ(body["tools"].at(0).at("function").at("description"), "finds");
}

TEST(PromptTexts, VisitsAnthropicSystemToolUseInputAndToolResults) {
  json::object body = json::parse(R"({
    "model": "claude-x", "max_tokens": 10,
    "system": [{"type": "text", "text": "sys", "cache_control": {"type": "ephemeral"}}],
    "messages": [
      {"role": "user", "content": [
        {"type": "text", "text": "look up ann"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}},
        {"type": "document",
         "source": {"type": "text", "media_type": "text/plain", "data": "doc"}}]},
      {"role": "assistant", "content": [
        {"type": "thinking", "thinking": "hmm", "signature": "sig"},
        {"type": "tool_use", "id": "toolu_1", "name": "lookup",
         "input": {"who": "ann", "filters": [{"city": "Oslo"}, 3, true]}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ann lives"},
        {"type": "tool_result", "tool_use_id": "toolu_1", "is_error": false,
         "content": [{"type": "text", "text": "in Oslo"}]}]}
    ]
  })")
                          .as_object();
  EXPECT_THAT(visit(body),
              ElementsAre("sys", "look up ann", "doc", "ann", "Oslo", "ann lives", "in Oslo"));
  EXPECT_EQ(body["system"].at(0).at("cache_control").at("type"), "ephemeral");
  json::array& messages = body["messages"].as_array();
  EXPECT_EQ(messages[0].at("content").at(1).at("source").at("data"), "iVBOR");
  EXPECT_EQ(messages[0].at("content").at(1).at("source").at("media_type"), "image/png");
  EXPECT_EQ(messages[1].at("content").at(0).at("thinking"), "hmm");
  EXPECT_EQ(messages[1].at("content").at(0).at("signature"), "sig");
  const json::value& tool_use = messages[1].at("content").at(1);
  EXPECT_EQ(tool_use.at("id"), "toolu_1");
  EXPECT_EQ(tool_use.at("name"), "lookup");
  EXPECT_EQ(tool_use.at("input").at("who"), "ANN");
  EXPECT_TRUE(tool_use.at("input").as_object().contains("filters"));  // keys untouched
  EXPECT_EQ(messages[2].at("content").at(0).at("tool_use_id"), "toolu_1");
  EXPECT_EQ(messages[2].at("content").at(0).at("type"), "tool_result");
}

TEST(PromptTexts, VisitsAnthropicSystemString) {
  json::object body = json::parse(R"({"system": "you are kind",
    "messages": [{"role": "user", "content": "hi"}]})")
                          .as_object();
  EXPECT_THAT(visit(body), ElementsAre("you are kind", "hi"));
  EXPECT_EQ(body["system"], "YOU ARE KIND");
}

TEST(PromptTexts, VisitsTopLevelPromptInputAndInstructions) {
  json::object body = json::parse(R"({
    "model": "m", "prompt": ["one", "two"], "instructions": "inst",
    "input": [
      {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "q"}]},
      {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
      {"type": "function_call_output", "call_id": "c1", "output": "out"}
    ]
  })")
                          .as_object();
  EXPECT_THAT(visit(body), ElementsAre("one", "two", "q", "{}", "out", "inst"));
  EXPECT_EQ(body["input"].at(1).at("call_id"), "c1");
  EXPECT_EQ(body["input"].at(1).at("name"), "f");
}

TEST(PromptTexts, IgnoresBodiesWithoutContentAndOddShapes) {
  json::object body = json::parse(R"({"model": "m", "messages": [3, "x", {"role": "user"},
    {"role": "assistant", "tool_calls": [1, {"function": 2}]}], "system": 5})")
                          .as_object();
  EXPECT_THAT(visit(body), ElementsAre());
  json::object empty;
  EXPECT_EQ(forEachPromptText(empty, [](json::string&) {}), 0u);
}

}  // namespace
}  // namespace switchyard::policy
