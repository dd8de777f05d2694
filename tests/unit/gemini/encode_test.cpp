// Canonical requests encoded as Gemini generateContent requests: bodies against golden files,
// request heads, and the fields Gemini cannot carry.
#include <gtest/gtest.h>

#include "gemini_test_support.h"
#include "providers/gemini/codec.h"

namespace switchyard::providers::gemini {
namespace {

using canonical::Part;
using canonical::PartType;
using canonical::Role;
using testing::expectSameJson;
using testing::geminiProvider;
using testing::readGolden;

Part text(std::string_view value) {
  Part part;
  part.text = value;
  return part;
}

Part toolCall(std::string_view id, std::string_view name, std::string_view arguments) {
  Part part;
  part.type = PartType::ToolCall;
  part.id = id;
  part.name = name;
  part.arguments = arguments;
  return part;
}

Part toolResult(std::string_view id, std::string_view name, std::string_view value, bool is_error = false) {
  Part part;
  part.type = PartType::ToolResult;
  part.id = id;
  part.name = name;
  part.text = value;
  part.is_error = is_error;
  return part;
}

Part image(std::string_view url, std::string_view media_type = {}, std::string_view data = {}) {
  Part part;
  part.type = PartType::Image;
  part.image.url = url;
  part.image.media_type = media_type;
  part.image.data = data;
  return part;
}

void addTurn(canonical::ChatRequest& request, Role role, std::initializer_list<Part> parts) {
  const auto first = request.parts.size();
  for (const auto& part : parts) request.parts.push_back(part);
  request.addMessage(role, first);
}

class EncodeTest : public ::testing::Test {
 protected:
  std::string encodeOk() {
    std::string head;
    std::string body;
    const auto error = codec_->encode(request_, arena_, head, body);
    EXPECT_FALSE(error.has_value()) << (error ? error->message : "");
    head_ = head;
    return body;
  }
  canonical::Error encodeError() {
    std::string head;
    std::string body;
    auto error = codec_->encode(request_, arena_, head, body);
    EXPECT_TRUE(error.has_value());
    return error.value_or(canonical::Error{});
  }

  canonical::Arena arena_;
  canonical::ChatRequest request_{arena_};
  std::unique_ptr<TargetCodec> codec_ = makeGeminiCodec(geminiProvider(), "gemini-2.5-flash");
  std::string head_;
};

TEST_F(EncodeTest, TextTurnBecomesUserContent) {
  addTurn(request_, Role::User, {text("Hello there")});
  expectSameJson(encodeOk(), readGolden("encode_text.gemini.json"));
}

TEST_F(EncodeTest, SystemGoesToSystemInstructionAndSameRoleTurnsMerge) {
  request_.system.push_back("You are terse.");
  request_.system.push_back("Answer in French.");
  addTurn(request_, Role::User, {text("Hi")});
  addTurn(request_, Role::Assistant, {text("Bonjour")});
  addTurn(request_, Role::User, {text("How are you?")});
  addTurn(request_, Role::User, {text("And the weather?")});
  addTurn(request_, Role::Assistant, {text("")});  // empty text: Gemini rejects it, so it is dropped
  const auto body = encodeOk();
  expectSameJson(body, readGolden("encode_multiturn.gemini.json"));
  // Order of the request's top-level fields, as in the REST reference.
  const auto keys = testing::keysOf(boost::json::parse(body).as_object());
  EXPECT_EQ(keys, (std::vector<std::string>{"contents", "systemInstruction"}));
}

TEST_F(EncodeTest, ImagesBecomeInlineDataOrFileData) {
  addTurn(request_, Role::User,
          {text("Compare these"), image({}, "image/png", "iVBORw0KGgo="),
           image("https://example.com/cat.JPG?size=large"), image("data:image/webp;base64,UklGRg=="),
           image("https://example.com/picture")});
  expectSameJson(encodeOk(), readGolden("encode_images.gemini.json"));
}

TEST_F(EncodeTest, ToolsChoiceCallsAndResultsRoundTrip) {
  canonical::Tool weather{
      "get_weather", "Current weather for a city",
      R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"})"};
  canonical::Tool time{"get_time", "", ""};
  request_.tools.push_back(weather);
  request_.tools.push_back(time);
  request_.tool_choice = {canonical::ToolChoiceMode::Named, "get_weather"};
  request_.parallel_tool_calls = false;  // dropped: Gemini has no switch for it
  request_.user = "user-42";             // dropped: Gemini has no end-user field
  addTurn(request_, Role::User, {text("Weather in Paris and Rome?")});
  addTurn(request_, Role::Assistant,
          {text("Checking."), toolCall("call_1", "get_weather", R"({"city":"Paris"})"),
           toolCall("call_2", "get_weather", R"({"city":"Rome"})")});
  addTurn(
      request_, Role::User,
      {toolResult("call_1", "get_weather", R"({"temp_c":21})"), toolResult("call_2", "get_weather", "sunny"),
       toolResult("call_3", "get_time", "clock broken", true)});
  expectSameJson(encodeOk(), readGolden("encode_tools.gemini.json"));
}

TEST_F(EncodeTest, ToolChoiceModesMapToFunctionCallingModes) {
  request_.tools.push_back({"f", "", R"({"type":"object"})"});
  addTurn(request_, Role::User, {text("x")});
  const std::pair<canonical::ToolChoiceMode, const char*> cases[] = {
      {canonical::ToolChoiceMode::Auto, "AUTO"},
      {canonical::ToolChoiceMode::None, "NONE"},
      {canonical::ToolChoiceMode::Required, "ANY"},
  };
  for (const auto& [mode, expected] : cases) {
    request_.tool_choice = {mode, {}};
    const auto body = boost::json::parse(encodeOk());
    EXPECT_EQ(body.at("toolConfig").at("functionCallingConfig"), (boost::json::object{{"mode", expected}}));
  }
  request_.tool_choice = {};
  EXPECT_FALSE(boost::json::parse(encodeOk()).as_object().contains("toolConfig"));
}

TEST_F(EncodeTest, ToolChoiceWithoutToolsIsDropped) {
  request_.tool_choice = {canonical::ToolChoiceMode::Required, {}};
  addTurn(request_, Role::User, {text("x")});
  const auto body = boost::json::parse(encodeOk()).as_object();
  EXPECT_FALSE(body.contains("toolConfig"));
  EXPECT_FALSE(body.contains("tools"));
}

TEST_F(EncodeTest, SamplingLimitsAndStopSequencesGoToGenerationConfig) {
  request_.max_tokens = 256;
  request_.temperature = 0.7;
  request_.top_p = 0.9;
  request_.top_k = 40;
  request_.stop.push_back("END");
  request_.stop.push_back("\n\n");
  addTurn(request_, Role::User, {text("Count")});
  const auto body = encodeOk();
  expectSameJson(body, readGolden("encode_generation.gemini.json"));
  const auto keys = testing::keysOf(boost::json::parse(body).at("generationConfig").as_object());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"stopSequences", "maxOutputTokens", "temperature", "topP", "topK"}));
}

TEST_F(EncodeTest, JsonSchemaModeSetsMimeTypeAndResponseJsonSchema) {
  request_.response_format = canonical::ResponseFormat::JsonSchema;
  request_.response_schema =
      R"({"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"],"additionalProperties":false})";
  request_.response_schema_name = "answer";
  addTurn(request_, Role::User, {text("Reply in JSON")});
  expectSameJson(encodeOk(), readGolden("encode_json_schema.gemini.json"));
}

TEST_F(EncodeTest, JsonObjectModeSetsOnlyMimeType) {
  request_.response_format = canonical::ResponseFormat::JsonObject;
  addTurn(request_, Role::User, {text("Reply in JSON")});
  const auto body = boost::json::parse(encodeOk());
  EXPECT_EQ(body.at("generationConfig"), (boost::json::object{{"responseMimeType", "application/json"}}));
}

TEST_F(EncodeTest, UnaryHeadCarriesPathKeyAndLength) {
  addTurn(request_, Role::User, {text("Hi")});
  const auto body = encodeOk();
  EXPECT_EQ(head_,
            "POST /v1beta/models/gemini-2.5-flash:generateContent HTTP/1.1\r\n"
            "Host: generativelanguage.googleapis.com\r\n"
            "x-goog-api-key: KEY\r\n"
            "Content-Type: application/json\r\n"
            "User-Agent: switchyard/0.1\r\n"
            "Accept: application/json\r\n"
            "Content-Length: " +
                std::to_string(body.size()) + "\r\n\r\n");
}

TEST_F(EncodeTest, StreamHeadAsksForSseUnderTheBasePath) {
  auto provider = geminiProvider("/proxy");
  provider.endpoint.tls = false;
  provider.endpoint.host = "127.0.0.1";
  provider.endpoint.port = 8080;
  codec_ = makeGeminiCodec(provider, "models/gemini-2.5-pro");
  request_.stream = true;
  addTurn(request_, Role::User, {text("Hi")});
  encodeOk();
  EXPECT_TRUE(
      head_.starts_with("POST /proxy/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse HTTP/1.1\r\n"
                        "Host: 127.0.0.1:8080\r\n"))
      << head_;
  EXPECT_NE(head_.find("Accept: text/event-stream\r\n"), std::string::npos);
  EXPECT_EQ(codec_->dialect(), canonical::Dialect::Gemini);
}

TEST_F(EncodeTest, VertexAiUsesItsPublisherModelPaths) {
  auto provider = geminiProvider("/v1/projects/p1/locations/us-central1");
  provider.endpoint.host = "us-central1-aiplatform.googleapis.com";
  codec_ = makeGeminiCodec(provider, "gemini-2.5-pro");
  request_.stream = true;
  addTurn(request_, Role::User, {text("Hi")});
  encodeOk();
  EXPECT_TRUE(head_.starts_with("POST /v1/projects/p1/locations/us-central1/publishers/google/models/"
                                "gemini-2.5-pro:streamGenerateContent?alt=sse HTTP/1.1\r\n"
                                "Host: us-central1-aiplatform.googleapis.com\r\n"
                                "x-goog-api-key: KEY\r\n"))
      << head_;
}

TEST_F(EncodeTest, NoKeyNoKeyHeader) {
  codec_ = makeGeminiCodec(geminiProvider("", ""), "m");
  addTurn(request_, Role::User, {text("Hi")});
  encodeOk();
  EXPECT_EQ(head_.find("x-goog-api-key"), std::string::npos);
}

TEST_F(EncodeTest, ToolResultWithoutFunctionNameIsRejected) {
  addTurn(request_, Role::User, {text("x")});
  addTurn(request_, Role::User, {toolResult("call_9", "", "42")});
  const auto error = encodeError();
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.category, canonical::ErrorCategory::InvalidRequest);
  EXPECT_EQ(error.param, "messages[1].tool_call_id");
  EXPECT_NE(error.message.find("call_9"), std::string_view::npos);
}

TEST_F(EncodeTest, ImageUrlGeminiCannotFetchIsRejected) {
  addTurn(request_, Role::User, {image("ftp://example.com/a.png")});
  const auto error = encodeError();
  EXPECT_EQ(error.param, "messages[0].content");
  EXPECT_NE(error.message.find("ftp://example.com/a.png"), std::string_view::npos);
}

TEST_F(EncodeTest, NonObjectToolArgumentsAreRejected) {
  addTurn(request_, Role::User, {text("x")});
  addTurn(request_, Role::Assistant, {toolCall("c", "f", "[1,2]")});
  EXPECT_EQ(encodeError().param, "messages[1].tool_calls");
}

TEST_F(EncodeTest, NonObjectToolSchemaIsRejected) {
  request_.tools.push_back({"f", "", "not json"});
  addTurn(request_, Role::User, {text("x")});
  EXPECT_EQ(encodeError().param, "tools[0].function.parameters");
}

TEST_F(EncodeTest, RequestWithoutContentIsRejected) {
  request_.system.push_back("only a system prompt");
  EXPECT_EQ(encodeError().param, "messages");
}

// The gateway reuses its buffers from one candidate target to the next: an encode replaces what
// they held, whether another request, another codec's output or garbage.
TEST_F(EncodeTest, ReplacesWhateverHeadAndBodyHeld) {
  addTurn(request_, Role::User, {text("Weather in Paris?")});
  addTurn(request_, Role::Assistant, {toolCall("c1", "get_weather", R"({"city":"Paris"})")});
  addTurn(request_, Role::User, {toolResult("c1", "get_weather", "18C")});
  std::string fresh_head, fresh_body;
  ASSERT_FALSE(codec_->encode(request_, arena_, fresh_head, fresh_body));
  for (const auto& [old_head, old_body] : std::vector<std::pair<std::string, std::string>>{
           {"garbage\r\n", "{\"not\":\"closed\""},
           {"POST /v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n", R"({"model":"claude"})"}}) {
    std::string head = old_head;
    std::string body = old_body;
    ASSERT_FALSE(codec_->encode(request_, arena_, head, body));
    EXPECT_EQ(head, fresh_head);
    EXPECT_EQ(body, fresh_body);
  }
  // Stream and unary requests into the same buffers, one after the other.
  std::string head, body;
  request_.stream = true;
  ASSERT_FALSE(codec_->encode(request_, arena_, head, body));
  request_.stream = false;
  ASSERT_FALSE(codec_->encode(request_, arena_, head, body));
  EXPECT_EQ(head, fresh_head);
  EXPECT_EQ(body, fresh_body);
  // A request it cannot carry leaves nothing of the previous one behind.
  request_.tools.push_back({"f", "", "not json"});
  EXPECT_TRUE(codec_->encode(request_, arena_, head, body));
  EXPECT_TRUE(head.empty());
  EXPECT_EQ(body.find(fresh_body), std::string::npos);
}

}  // namespace
}  // namespace switchyard::providers::gemini
