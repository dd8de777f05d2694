// The Anthropic client surface reading Messages API bodies into canonical requests.
#include <gtest/gtest.h>

#include "surfaces/anthropic/messages.h"
#include "test_support.h"

namespace switchyard::surfaces::anthropic {
namespace {

using canonical::Arena;
using canonical::ChatRequest;
using canonical::PartType;
using canonical::Role;
using canonical::ToolChoiceMode;

struct Parsed {
  Arena arena;
  ChatRequest request{arena};
  std::optional<canonical::Error> error;
};

std::unique_ptr<Parsed> parse(std::string_view body) {
  auto parsed = std::make_unique<Parsed>();
  parsed->error = parseMessagesRequest(body, parsed->arena, parsed->request);
  return parsed;
}

std::string errorOf(std::string_view body) {
  auto parsed = parse(body);
  if (!parsed->error) return "(no error)";
  EXPECT_EQ(parsed->error->status, 400);
  EXPECT_EQ(parsed->error->category, canonical::ErrorCategory::InvalidRequest);
  return std::string(parsed->error->message);
}

TEST(AnthropicSurfaceParse, ReadsTextSystemAndSamplingFields) {
  auto parsed = parse(R"({"model":"claude","max_tokens":256,"system":"Be brief.",
    "messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},
                {"role":"user","content":[{"type":"text","text":"Again","cache_control":{"type":"ephemeral"}}]}],
    "stop_sequences":["END","STOP"],"temperature":0.5,"top_p":0.9,"top_k":40,"stream":true,
    "metadata":{"user_id":"u-1"},"service_tier":"auto"})");
  ASSERT_FALSE(parsed->error) << parsed->error->message;
  const auto& request = parsed->request;
  EXPECT_EQ(request.model, "claude");
  EXPECT_EQ(request.max_tokens, 256);
  ASSERT_EQ(request.system.size(), 1u);
  EXPECT_EQ(request.system[0], "Be brief.");
  ASSERT_EQ(request.messages.size(), 3u);
  EXPECT_EQ(request.messages[1].role, Role::Assistant);
  EXPECT_EQ(request.parts[request.messages[2].first].text, "Again");
  ASSERT_EQ(request.stop.size(), 2u);
  EXPECT_EQ(request.stop[1], "STOP");
  EXPECT_EQ(request.temperature, 0.5);
  EXPECT_EQ(request.top_p, 0.9);
  EXPECT_EQ(request.top_k, 40);
  EXPECT_TRUE(request.stream);
  EXPECT_EQ(request.user, "u-1");
}

TEST(AnthropicSurfaceParse, SystemBlocksBecomeSeparateSystemTexts) {
  auto parsed = parse(R"({"model":"m","max_tokens":1,"system":[{"type":"text","text":"A"},
    {"type":"text","text":"B","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"x"}]})");
  ASSERT_FALSE(parsed->error);
  ASSERT_EQ(parsed->request.system.size(), 2u);
  EXPECT_EQ(parsed->request.system[1], "B");
}

TEST(AnthropicSurfaceParse, ReadsImagesFromBase64AndUrlSources) {
  auto parsed = parse(R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":[
    {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}},
    {"type":"image","source":{"type":"url","url":"https://x/y.jpg"}},{"type":"text","text":"What?"}]}]})");
  ASSERT_FALSE(parsed->error) << parsed->error->message;
  const auto& parts = parsed->request.parts;
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].type, PartType::Image);
  EXPECT_EQ(parts[0].image.media_type, "image/png");
  EXPECT_EQ(parts[0].image.data, "iVBOR");
  EXPECT_EQ(parts[1].image.url, "https://x/y.jpg");
}

TEST(AnthropicSurfaceParse, ToolUseAndToolResultKeepIdsAndNameTheResult) {
  auto parsed = parse(R"({"model":"m","max_tokens":1,"messages":[
    {"role":"user","content":"weather?"},
    {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"s"},{"type":"text","text":"Let me check."},
      {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Paris"}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01A","content":[{"type":"text","text":"sunny"},{"type":"text","text":"20C"}],"is_error":true}]}],
    "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}},"cache_control":{"type":"ephemeral"}}],
    "tool_choice":{"type":"tool","name":"get_weather","disable_parallel_tool_use":true}})");
  ASSERT_FALSE(parsed->error) << parsed->error->message;
  const auto& request = parsed->request;
  ASSERT_EQ(request.messages[1].count, 2u);  // thinking dropped
  const auto& call = request.parts[request.messages[1].first + 1];
  EXPECT_EQ(call.type, PartType::ToolCall);
  EXPECT_EQ(call.id, "toolu_01A");
  EXPECT_EQ(call.name, "get_weather");
  EXPECT_EQ(call.arguments, R"({"city":"Paris"})");
  const auto& result = request.parts[request.messages[2].first];
  EXPECT_EQ(result.type, PartType::ToolResult);
  EXPECT_EQ(result.id, "toolu_01A");
  EXPECT_EQ(result.name, "get_weather");
  EXPECT_EQ(result.text, "sunny\n20C");
  EXPECT_TRUE(result.is_error);
  ASSERT_EQ(request.tools.size(), 1u);
  EXPECT_EQ(request.tools[0].description, "Weather");
  EXPECT_EQ(request.tools[0].parameters, R"({"type":"object","properties":{"city":{"type":"string"}}})");
  EXPECT_EQ(request.tool_choice.mode, ToolChoiceMode::Named);
  EXPECT_EQ(request.tool_choice.name, "get_weather");
  EXPECT_EQ(request.parallel_tool_calls, false);
}

TEST(AnthropicSurfaceParse, ToolChoiceModesMapToCanonical) {
  for (auto [type, mode] : {std::pair{"auto", ToolChoiceMode::Auto}, std::pair{"any", ToolChoiceMode::Required},
                            std::pair{"none", ToolChoiceMode::None}}) {
    auto parsed = parse(std::string(R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":")") +
                        type + "\"}}");
    ASSERT_FALSE(parsed->error);
    EXPECT_EQ(parsed->request.tool_choice.mode, mode) << type;
    EXPECT_FALSE(parsed->request.parallel_tool_calls.has_value());
  }
}

TEST(AnthropicSurfaceParse, ThinkingAndContainerAreDroppedHarmlessly) {
  auto parsed = parse(R"({"model":"m","max_tokens":2000,"thinking":{"type":"enabled","budget_tokens":1024},
    "container":null,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_FALSE(parsed->error);
}

TEST(AnthropicSurfaceParse, MissingRequiredFieldsAreNamed) {
  EXPECT_EQ(errorOf(R"({"model":"m","messages":[{"role":"user","content":"x"}]})"), "max_tokens: Field required");
  EXPECT_EQ(errorOf(R"({"max_tokens":5,"messages":[{"role":"user","content":"x"}]})"), "model: Field required");
  EXPECT_EQ(errorOf(R"({"model":"m","max_tokens":5})"), "messages: Field required");
  EXPECT_EQ(errorOf(R"({"model":"m","max_tokens":5,"messages":[]})"), "messages: at least one message is required");
}

TEST(AnthropicSurfaceParse, WrongTypesAndRangesAreNamedWithDottedPaths) {
  EXPECT_EQ(errorOf(R"({"model":"m","max_tokens":"5","messages":[{"role":"user","content":"x"}]})"),
            "max_tokens: Input should be a valid integer");
  EXPECT_EQ(errorOf(R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]})"),
            "max_tokens: Input should be greater than or equal to 1");
  EXPECT_EQ(errorOf(R"({"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]})"),
            "messages.0.role: Input should be 'user' or 'assistant'");
  EXPECT_EQ(errorOf(R"({"model":"m","max_tokens":5,"temperature":1.5,"messages":[{"role":"user","content":"x"}]})"),
            "temperature: Input should be less than or equal to 1");
  EXPECT_EQ(errorOf(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text"}]}]})"),
            "messages.0.content.0.text: Field required");
  EXPECT_EQ(errorOf(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"video"}]}]})")
                .substr(0, 73),
            "messages.0.content.0.type: Input tag 'video' found using 'type' does not ");
  EXPECT_EQ(errorOf(R"({"model":"m","max_tokens":5,"frequency_penalty":1,"messages":[{"role":"user","content":"x"}]})"),
            "frequency_penalty: Extra inputs are not permitted");
  EXPECT_EQ(errorOf("[1]"), "Input should be a valid dictionary or object to extract fields from");
  EXPECT_NE(errorOf("{nope").find("not valid JSON"), std::string::npos);
}

TEST(AnthropicSurfaceParse, UntranslatableContentIsA400NamingThePath) {
  auto parsed = parse(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"a"},
    {"type":"document","source":{"type":"text","media_type":"text/plain","data":"x"}}]}]})");
  ASSERT_TRUE(parsed->error);
  EXPECT_EQ(parsed->error->param, "messages.0.content.1.type");
  EXPECT_TRUE(std::string_view(parsed->error->message).starts_with("messages.0.content.1.type: 'document' blocks"));
  EXPECT_TRUE(errorOf(R"({"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"image","source":{"type":"url","url":"u"}}]}]}]})")
                  .starts_with("messages.1.content.0.content.0.type: only text blocks"));
  EXPECT_TRUE(errorOf(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]})")
                  .starts_with("messages.0.content.0.source.type: file sources"));
}

TEST(AnthropicSurfaceParse, ServerToolsAndMcpServersAreRefused) {
  EXPECT_TRUE(errorOf(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],
    "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":5}]})")
                  .starts_with("tools.0.type: server tool 'web_search_20250305'"));
  EXPECT_TRUE(errorOf(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"mcp_servers":[{}]})")
                  .starts_with("mcp_servers: "));
}

TEST(AnthropicSurfaceParse, ToolResultWithoutEarlierToolUseIsRefused) {
  EXPECT_TRUE(errorOf(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_x","content":"r"}]}]})")
                  .starts_with("messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_x."));
}

}  // namespace
}  // namespace switchyard::surfaces::anthropic
