// Canonical requests -> Converse bodies, compared with golden files (key order included), and the
// requests Bedrock cannot carry, refused with a 400 naming the field.
#include <gtest/gtest.h>

#include "canonical/arena.h"
#include "test_support.h"

namespace switchyard::providers::bedrock {
namespace {

using canonical::Part;
using canonical::PartType;
using canonical::Role;
using canonical::ToolChoiceMode;

constexpr const char* kLlama = "meta.llama3-70b-instruct-v1:0";
constexpr std::string_view kPixel =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

class RequestBuilder {
 public:
  explicit RequestBuilder(canonical::Arena& arena) : request(arena) {}

  RequestBuilder& text(Role role, std::string_view text) {
    const std::size_t first = request.parts.size();
    Part part;
    part.text = text;
    request.parts.push_back(part);
    request.addMessage(role, first);
    return *this;
  }
  RequestBuilder& turn(Role role, std::initializer_list<Part> parts) {
    const std::size_t first = request.parts.size();
    for (const auto& part : parts) request.parts.push_back(part);
    request.addMessage(role, first);
    return *this;
  }

  canonical::ChatRequest request;
};

Part textPart(std::string_view text) {
  Part part;
  part.text = text;
  return part;
}
Part imagePart(std::string_view media_type, std::string_view data, std::string_view url = {}) {
  Part part;
  part.type = PartType::Image;
  part.image = {url, media_type, data};
  return part;
}
Part callPart(std::string_view id, std::string_view name, std::string_view arguments) {
  Part part;
  part.type = PartType::ToolCall;
  part.id = id;
  part.name = name;
  part.arguments = arguments;
  return part;
}
Part resultPart(std::string_view id, std::string_view name, std::string_view text, bool is_error = false) {
  Part part;
  part.type = PartType::ToolResult;
  part.id = id;
  part.name = name;
  part.text = text;
  part.is_error = is_error;
  return part;
}

void addWeatherTools(canonical::ChatRequest& request) {
  request.tools.push_back(
      {"get_weather", "Current weather for a city",
       R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})"});
  request.tools.push_back({"get_time", "", R"({"type":"object"})"});
}

// A weather conversation: the question, the call, both results (two canonical user turns, one
// Bedrock message), and a follow-up.
void addToolHistory(RequestBuilder& builder) {
  builder.text(Role::User, "Weather in Paris and the time?")
      .turn(Role::Assistant,
            {textPart("Let me check."), callPart("tooluse_A1", "get_weather", R"({"city":"Paris"})"),
             callPart("tooluse_B2", "get_time", "")})
      .turn(Role::User, {resultPart("tooluse_A1", "get_weather", R"({"temp_c":18,"sky":"clear"})")})
      .turn(Role::User, {resultPart("tooluse_B2", "get_time", "clock unavailable", true)});
}

std::string encodeBody(const TargetCodec& codec, const canonical::ChatRequest& request,
                       canonical::Arena& arena) {
  std::string head;
  std::string body;
  const auto error = codec.encode(request, arena, head, body);
  EXPECT_FALSE(error.has_value()) << (error ? error->message : "");
  return body;
}

void expectGolden(const std::string& golden, const TargetCodec& codec, const canonical::ChatRequest& request,
                  canonical::Arena& arena) {
  testing::expectSameJson(testing::readGolden(golden), encodeBody(codec, request, arena));
}

std::unique_ptr<TargetCodec> codecFor(const char* model) {
  return makeBedrockCodec(testing::bedrockProvider(), model, [] { return testing::fixedTime(); });
}

TEST(BedrockEncode, TextTurn) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  builder.text(Role::User, "Hello, \"Bedrock\"\n");
  expectGolden("text.bedrock.json", *testing::haikuCodec(), builder.request, arena);
}

TEST(BedrockEncode, SystemBlocksBecomeSystemTextBlocks) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  builder.request.system.push_back("You are terse.");
  builder.request.system.push_back("Answer in French.");
  builder.text(Role::User, "Hi");
  expectGolden("system.bedrock.json", *testing::haikuCodec(), builder.request, arena);
}

TEST(BedrockEncode, ConsecutiveSameRoleTurnsAreMergedAndEmptyTextDropped) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  builder.text(Role::User, "First.")
      .text(Role::User, "Second.")
      .text(Role::Assistant, "Reply.")
      .turn(Role::Assistant, {textPart(""), textPart("More.")})
      .text(Role::User, "Third.");
  expectGolden("multi_turn.bedrock.json", *testing::haikuCodec(), builder.request, arena);
}

TEST(BedrockEncode, Base64ImagesTravelAsBytesWithTheirFormat) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  builder.turn(Role::User, {textPart("What is in these?"), imagePart("image/png", kPixel),
                            imagePart("image/jpeg", "/9j/4AAQ"), imagePart("image/gif", "R0lGOD"),
                            imagePart("image/webp", "UklGR")});
  expectGolden("image_base64.bedrock.json", *testing::haikuCodec(), builder.request, arena);
}

TEST(BedrockEncode, ToolsChoiceCallsAndResultsForAnthropicCarryStatus) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  addToolHistory(builder);
  addWeatherTools(builder.request);
  builder.request.tool_choice = {ToolChoiceMode::Named, "get_weather"};
  builder.request.parallel_tool_calls = false;  // no Bedrock equivalent: dropped
  expectGolden("tools.bedrock.json", *testing::haikuCodec(), builder.request, arena);
}

TEST(BedrockEncode, ToolResultsForOtherModelsOmitStatus) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  addToolHistory(builder);
  addWeatherTools(builder.request);
  builder.request.tool_choice = {ToolChoiceMode::Auto, {}};
  expectGolden("tools_llama.bedrock.json", *codecFor(kLlama), builder.request, arena);
}

TEST(BedrockEncode, InferenceConfigAndTopKForAnthropic) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  builder.text(Role::User, "Count.");
  builder.request.max_tokens = 256;
  builder.request.temperature = 0.2;
  builder.request.top_p = 0.9;
  builder.request.top_k = 40;
  builder.request.stop.push_back("END");
  builder.request.stop.push_back("\n\n");
  builder.request.user = "user-1";  // no Bedrock equivalent: dropped
  expectGolden("inference_config.bedrock.json", *testing::haikuCodec(), builder.request, arena);
}

TEST(BedrockEncode, TopKIsDroppedForModelsWithoutThatField) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  builder.text(Role::User, "Count.");
  builder.request.max_tokens = 10;
  builder.request.top_k = 40;
  testing::expectSameJson(
      R"({"messages":[{"role":"user","content":[{"text":"Count."}]}],"inferenceConfig":{"maxTokens":10}})",
      encodeBody(*codecFor(kLlama), builder.request, arena));
}

TEST(BedrockEncode, ToolChoiceAutoAndRequiredMapToAutoAndAny) {
  for (const auto& [mode, expected] : {std::pair{ToolChoiceMode::Auto, R"({"auto":{}})"},
                                       std::pair{ToolChoiceMode::Required, R"({"any":{}})"}}) {
    canonical::Arena arena;
    RequestBuilder builder(arena);
    builder.text(Role::User, "Weather?");
    addWeatherTools(builder.request);
    builder.request.tool_choice.mode = mode;
    const auto body = boost::json::parse(encodeBody(*testing::haikuCodec(), builder.request, arena));
    EXPECT_EQ(boost::json::serialize(body.at("toolConfig").at("toolChoice")), expected);
    EXPECT_EQ(body.at("toolConfig").at("tools").as_array().size(), 2u);
  }
}

TEST(BedrockEncode, ToolChoiceNoneWithoutToolHistoryLeavesToolsOut) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  builder.text(Role::User, "Weather?");
  addWeatherTools(builder.request);
  builder.request.tool_choice.mode = ToolChoiceMode::None;
  const auto body = boost::json::parse(encodeBody(*testing::haikuCodec(), builder.request, arena));
  EXPECT_FALSE(body.as_object().contains("toolConfig"));
}

TEST(BedrockEncode, ToolChoiceNoneWithToolHistoryKeepsToolsWithoutChoice) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  addToolHistory(builder);
  addWeatherTools(builder.request);
  builder.request.tool_choice.mode = ToolChoiceMode::None;
  const auto body = boost::json::parse(encodeBody(*testing::haikuCodec(), builder.request, arena));
  ASSERT_TRUE(body.as_object().contains("toolConfig"));
  EXPECT_FALSE(body.at("toolConfig").as_object().contains("toolChoice"));
}

TEST(BedrockEncode, ToolHistoryWithoutToolsGetsStandInSpecs) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  addToolHistory(builder);
  testing::expectSameJson(
      R"({"tools":[{"toolSpec":{"name":"get_weather","inputSchema":{"json":{"type":"object"}}}},)"
      R"({"toolSpec":{"name":"get_time","inputSchema":{"json":{"type":"object"}}}}]})",
      boost::json::serialize(
          boost::json::parse(encodeBody(*testing::haikuCodec(), builder.request, arena)).at("toolConfig")));
}

canonical::Error encodeError(const TargetCodec& codec, const canonical::ChatRequest& request,
                             canonical::Arena& arena) {
  std::string head;
  std::string body;
  const auto error = codec.encode(request, arena, head, body);
  EXPECT_TRUE(error.has_value());
  return error.value_or(canonical::Error{});
}

TEST(BedrockEncode, ImageUrlIsRefusedNamingThePart) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  builder.turn(Role::User, {textPart("Look"), imagePart("", "", "https://example.com/cat.png")});
  const auto error = encodeError(*testing::haikuCodec(), builder.request, arena);
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.category, canonical::ErrorCategory::InvalidRequest);
  EXPECT_EQ(error.param, "messages[0].content[1]");
  EXPECT_NE(error.message.find("URL"), std::string_view::npos);
}

TEST(BedrockEncode, UnsupportedImageTypeIsRefused) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  builder.turn(Role::User, {imagePart("image/bmp", "Qk0=")});
  const auto error = encodeError(*testing::haikuCodec(), builder.request, arena);
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.param, "messages[0].content[0]");
  EXPECT_NE(error.message.find("image/bmp"), std::string_view::npos);
}

TEST(BedrockEncode, JsonResponseFormatsAreRefused) {
  for (const auto format : {canonical::ResponseFormat::JsonObject, canonical::ResponseFormat::JsonSchema}) {
    canonical::Arena arena;
    RequestBuilder builder(arena);
    builder.text(Role::User, "JSON please");
    builder.request.response_format = format;
    const auto error = encodeError(*testing::haikuCodec(), builder.request, arena);
    EXPECT_EQ(error.status, 400);
    EXPECT_EQ(error.param, "response_format");
  }
}

TEST(BedrockEncode, InvalidToolArgumentsAreRefused) {
  for (const std::string_view arguments : {std::string_view("{\"city\":"), std::string_view("[1]")}) {
    canonical::Arena arena;
    RequestBuilder builder(arena);
    builder.text(Role::User, "Weather?")
        .turn(Role::Assistant, {callPart("tooluse_A1", "get_weather", arguments)});
    const auto error = encodeError(*testing::haikuCodec(), builder.request, arena);
    EXPECT_EQ(error.status, 400);
    EXPECT_EQ(error.param, "messages[1].content[0].arguments");
  }
}

TEST(BedrockEncode, ConversationStartingWithAssistantIsRefused) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  builder.text(Role::Assistant, "How can I help?").text(Role::User, "Hi");
  EXPECT_EQ(encodeError(*testing::haikuCodec(), builder.request, arena).param, "messages[0].role");
}

TEST(BedrockEncode, RequestWithoutMessagesIsRefused) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  builder.request.system.push_back("Only a system prompt");
  EXPECT_EQ(encodeError(*testing::haikuCodec(), builder.request, arena).param, "messages");
}

TEST(BedrockEncode, TurnWithNothingToSayIsRefused) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  builder.text(Role::User, "");
  EXPECT_EQ(encodeError(*testing::haikuCodec(), builder.request, arena).param, "messages[0].content");
}

// The gateway reuses its buffers from one candidate target to the next: an encode replaces what
// they held, whether another request, another codec's output or garbage.
TEST(BedrockEncode, ReplacesWhateverHeadAndBodyHeld) {
  canonical::Arena arena;
  RequestBuilder first(arena);
  first.text(Role::User, "Hello");
  first.request.stream = true;
  RequestBuilder second(arena);
  addToolHistory(second);
  addWeatherTools(second.request);
  const auto codec = testing::haikuCodec();
  std::string fresh_head, fresh_body;
  ASSERT_FALSE(codec->encode(second.request, arena, fresh_head, fresh_body));
  for (const auto& [old_head, old_body] : std::vector<std::pair<std::string, std::string>>{
           {"garbage\r\n", "{\"not\":\"closed\""},
           {"POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n\r\n", R"({"model":"gpt-4o"})"}}) {
    std::string head = old_head;
    std::string body = old_body;
    ASSERT_FALSE(codec->encode(second.request, arena, head, body));
    EXPECT_EQ(head, fresh_head);
    EXPECT_EQ(body, fresh_body);
  }
  // The same buffers, one request after the other (as the hedge and failover paths use them).
  std::string head, body;
  ASSERT_FALSE(codec->encode(first.request, arena, head, body));
  ASSERT_FALSE(codec->encode(second.request, arena, head, body));
  EXPECT_EQ(head, fresh_head);
  EXPECT_EQ(body, fresh_body);
  // A request it cannot carry leaves nothing of the previous one behind.
  second.request.response_format = canonical::ResponseFormat::JsonObject;
  EXPECT_TRUE(codec->encode(second.request, arena, head, body));
  EXPECT_TRUE(head.empty());
  EXPECT_TRUE(body.empty());
}

// A continuation's trailing assistant turn is Bedrock's prefill as it is: whatever way of prefilling
// the request names, the body is the same, ending with that assistant message.
TEST(BedrockEncode, TrailingAssistantTurnIsThePrefillWhateverTheMode) {
  canonical::Arena arena;
  RequestBuilder builder(arena);
  builder.text(Role::User, "Tell a story").text(Role::Assistant, "Once upon");
  const auto codec = testing::haikuCodec();
  const std::string plain = encodeBody(*codec, builder.request, arena);
  EXPECT_NE(plain.find(R"({"role":"assistant","content":[{"text":"Once upon"}]}])"), std::string::npos) << plain;
  for (const auto mode : {canonical::Prefill::TrailingAssistant, canonical::Prefill::ContinueFinalMessage,
                          canonical::Prefill::PrefixFlag}) {
    builder.request.prefill = mode;
    EXPECT_EQ(encodeBody(*codec, builder.request, arena), plain);
  }
}

}  // namespace
}  // namespace switchyard::providers::bedrock
