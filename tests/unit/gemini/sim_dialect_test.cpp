// The simulator's Gemini dialect: it validates what the codec sends, and the codec reads what it
// answers (unary, stream, errors).
#include <gtest/gtest.h>

#include "gemini_test_support.h"
#include "providers/gemini/codec.h"
#include "providers/gemini/stream_decoder.h"
#include "sim/dialect.h"

namespace switchyard::providers::gemini {
namespace {

using canonical::Role;

constexpr std::string_view kUnaryPath = "/v1beta/models/gemini-2.5-flash:generateContent";
constexpr std::string_view kStreamPath = "/v1beta/models/gemini-2.5-flash:streamGenerateContent";

const sim::SimDialect& dialect() { return sim::geminiDialect(); }

boost::system::result<sim::SimChat, sim::SimError> parse(std::string_view body,
                                                         std::string_view path = kUnaryPath) {
  return dialect().parse(boost::json::parse(body), path);
}

sim::SimReply textReply() {
  sim::SimReply reply;
  reply.id = "simId";
  reply.model = "gemini-2.5-flash";
  reply.words = {"Hello ", "from ", "sim"};
  reply.input_tokens = 4;
  reply.output_tokens = 3;
  return reply;
}

sim::SimReply toolReply() {
  sim::SimReply reply = textReply();
  reply.words.clear();
  reply.tool_call = sim::SimToolCall{"call_x", "get_weather", R"({"input":"Paris?"})"};
  reply.finish = sim::SimFinish::ToolUse;
  reply.output_tokens = 1;
  return reply;
}

TEST(SimDialectTest, AcceptsWhatTheCodecEncodesAndReadsToolsAndTurns) {
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  request.system.push_back("Be brief");
  request.tools.push_back({"get_weather", "Weather", R"({"type":"object"})"});
  request.max_tokens = 50;
  canonical::Part part;
  part.text = "Weather in Paris?";
  request.parts.push_back(part);
  request.addMessage(Role::User, 0);
  std::string head;
  std::string body;
  const auto codec = makeGeminiCodec(testing::geminiProvider(), "gemini-2.5-flash");
  ASSERT_FALSE(codec->encode(request, arena, head, body));
  const auto chat = parse(body);
  ASSERT_TRUE(chat) << chat.error().message;
  EXPECT_EQ(chat->model, "gemini-2.5-flash");
  EXPECT_FALSE(chat->stream);
  EXPECT_EQ(chat->last_user_text, "Weather in Paris?");
  EXPECT_EQ(chat->first_tool_name, "get_weather");
  EXPECT_EQ(chat->max_tokens, 50u);
  EXPECT_EQ(chat->prompt_tokens, 5u);
  EXPECT_FALSE(chat->last_turn_is_tool_result);
  EXPECT_TRUE(parse(body, kStreamPath)->stream);
}

TEST(SimDialectTest, FunctionResponseInLastUserTurnIsAToolResult) {
  const auto chat = parse(R"({"contents":[
      {"role":"user","parts":[{"text":"hi"}]},
      {"role":"model","parts":[{"functionCall":{"name":"f","args":{}}}]},
      {"role":"user","parts":[{"functionResponse":{"name":"f","response":{"content":"42"}}}]}],
      "tools":[{"functionDeclarations":[{"name":"f"}]}]})");
  ASSERT_TRUE(chat);
  EXPECT_TRUE(chat->last_turn_is_tool_result);
  EXPECT_EQ(chat->tool_result_text, "42");
  const auto object_result = parse(
      R"({"contents":[{"role":"user","parts":[{"functionResponse":{"name":"f","response":{"temp":3}}}]}]})");
  EXPECT_EQ(object_result->tool_result_text, R"({"temp":3})");
}

TEST(SimDialectTest, ToolModeNoneMeansNoToolCall) {
  const auto chat =
      parse(R"({"contents":[{"parts":[{"text":"hi"}]}],"tools":[{"functionDeclarations":[{"name":"f"}]}],
      "toolConfig":{"functionCallingConfig":{"mode":"NONE"}}})");
  ASSERT_TRUE(chat);
  EXPECT_TRUE(chat->first_tool_name.empty());
}

TEST(SimDialectTest, RejectsRequestsLikeGemini) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({})", "contents is not specified"},
      {R"({"contents":[]})", "contents is not specified"},
      {R"({"contents":[{"role":"assistant","parts":[{"text":"x"}]}]})",
       "Please use a valid role: user, model."},
      {R"({"contents":[{"role":"user","parts":[]}]})", "contents.parts must not be empty"},
      {R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"messages":[]})", "Unknown name \"messages\""},
      {R"({"contents":[{"role":"user","parts":[{"txt":"x"}]}]})", "Unknown name \"txt\""},
      {R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"max_tokens":3}})",
       "Unknown name \"max_tokens\""},
      {R"({"contents":[{"role":"user","parts":[{"functionResponse":{"response":{}}}]}]})",
       "Name cannot be empty"},
      {R"({"contents":[{"role":"user","parts":[{"text":""}]}]})", "empty text parameter"},
  };
  for (const auto& [body, message] : cases) {
    const auto result = parse(body);
    ASSERT_FALSE(result) << body;
    EXPECT_EQ(result.error().status, 400u) << body;
    EXPECT_EQ(result.error().type, "INVALID_ARGUMENT") << body;
    EXPECT_NE(result.error().message.find(message), std::string::npos) << result.error().message;
  }
  // snake_case field names are proto JSON too.
  EXPECT_TRUE(parse(
      R"({"contents":[{"role":"user","parts":[{"text":"x"}]}],"system_instruction":{"parts":[{"text":"s"}]},
      "generation_config":{"max_output_tokens":5}})"));
}

TEST(SimDialectTest, UnaryAnswerIsShapedLikeGeminiAndDecodes) {
  const auto body = dialect().completion(textReply());
  const auto value = boost::json::parse(body);
  EXPECT_EQ(testing::keysOf(value.as_object()),
            (std::vector<std::string>{"candidates", "usageMetadata", "modelVersion", "responseId"}));
  EXPECT_EQ(value.at("candidates").at(0).at("content").at("role"), "model");
  EXPECT_EQ(value.at("usageMetadata").at("totalTokenCount"), 7);
  EXPECT_NE(body.find("\n  \"candidates\": ["), std::string::npos) << "indented like Google's answers";

  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  const auto codec = makeGeminiCodec(testing::geminiProvider(), "gemini-2.5-flash");
  ASSERT_TRUE(codec->decodeResponse(body, arena, response, why)) << why;
  testing::expectSameJson(testing::responseJson(response),
                          R"({"id":"simId","model":"gemini-2.5-flash","finish":"end_turn",
      "usage":{"input_tokens":4,"output_tokens":3,"cache_read_tokens":0,"cache_write_tokens":0},
      "content":[{"type":"text","text":"Hello from sim"}]})");

  canonical::ChatResponse tool_response(arena);
  ASSERT_TRUE(codec->decodeResponse(dialect().completion(toolReply()), arena, tool_response, why));
  testing::expectSameJson(testing::responseJson(tool_response),
                          R"({"id":"simId","model":"gemini-2.5-flash","finish":"tool_use",
      "usage":{"input_tokens":4,"output_tokens":1,"cache_read_tokens":0,"cache_write_tokens":0},
      "content":[{"type":"tool_call","id":"call_simId_0","name":"get_weather","arguments":{"input":"Paris?"}}]})");
}

// Cache reads (inside promptTokenCount) and thoughts (apart from candidatesTokenCount), as Gemini
// reports them; the codec keeps them apart in the canonical usage.
TEST(SimDialectTest, CachedAndThoughtTokensAreReportedAndKeptApart) {
  sim::SimReply reply = textReply();
  reply.input_tokens = 10;
  reply.cached_input_tokens = 6;
  reply.reasoning_tokens = 5;
  const auto body = dialect().completion(reply);
  const auto usage = boost::json::parse(body).at("usageMetadata");
  EXPECT_EQ(usage.at("promptTokenCount"), 10);
  EXPECT_EQ(usage.at("cachedContentTokenCount"), 6);
  EXPECT_EQ(usage.at("candidatesTokenCount"), 3);
  EXPECT_EQ(usage.at("thoughtsTokenCount"), 5);
  EXPECT_EQ(usage.at("totalTokenCount"), 18);

  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  const auto codec = makeGeminiCodec(testing::geminiProvider(), "gemini-2.5-flash");
  ASSERT_TRUE(codec->decodeResponse(body, arena, response, why)) << why;
  EXPECT_EQ(response.usage.input_tokens, 10);
  EXPECT_EQ(response.usage.cache_read_tokens, 6);
  EXPECT_EQ(response.usage.output_tokens, 8);
  EXPECT_EQ(response.usage.reasoning_tokens, 5);
}

std::string renderStream(const sim::SimReply& reply) {
  sim::SimChat chat;
  chat.stream = true;
  auto stream = dialect().stream(reply, chat);
  std::string body = stream->start(reply);
  if (reply.tool_call) body += stream->toolCall(*reply.tool_call);
  for (const auto& word : reply.words) body += stream->text(word);
  body += stream->finish(reply);
  return body;
}

TEST(SimDialectTest, StreamEventsAreSseWithUsageAndDecode) {
  const auto body = renderStream(textReply());
  EXPECT_TRUE(body.starts_with("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hello \"}]"));
  EXPECT_TRUE(body.ends_with("}\r\n\r\n"));
  EXPECT_EQ(dialect().streamContentType(), "text/event-stream");
  std::size_t events = 0;
  for (auto at = body.find("data: "); at != std::string::npos; at = body.find("data: ", at + 1)) ++events;
  EXPECT_EQ(events, 4u);  // one per piece, then the finish

  auto decoder = makeStreamDecoder();
  testing::RecordingSink sink;
  EXPECT_EQ(decoder->decode(body, sink), body.size());
  decoder->endOfBody(sink);
  ASSERT_EQ(decoder->state(), canonical::DecodeState::Done);
  EXPECT_EQ(sink.text(), "Hello from sim");
  EXPECT_EQ(sink.events[sink.events.size() - 2].at("finish"), "end_turn");
  EXPECT_EQ(sink.events.back().at("usage"), testing::usageJson({4, 3, 0, 0}));

  testing::RecordingSink tool_sink;
  auto tool_decoder = makeStreamDecoder();
  const auto tool_body = renderStream(toolReply());
  tool_decoder->decode(tool_body, tool_sink);
  tool_decoder->endOfBody(tool_sink);
  EXPECT_EQ(tool_sink.events[1].at("type"), "tool_call_start");
  EXPECT_EQ(tool_sink.events[2].at("arguments"), R"({"input":"Paris?"})");
  EXPECT_EQ(tool_sink.events[tool_sink.events.size() - 2].at("finish"), "tool_use");
}

TEST(SimDialectTest, MaxTokensReplyFinishesWithMaxTokens) {
  auto reply = textReply();
  reply.finish = sim::SimFinish::Length;
  EXPECT_NE(dialect().completion(reply).find("\"finishReason\": \"MAX_TOKENS\""), std::string::npos);
}

TEST(SimDialectTest, MalformedPieceIsMalformedForTheCodec) {
  sim::SimChat chat;
  auto stream = dialect().stream(textReply(), chat);
  auto decoder = makeStreamDecoder();
  testing::RecordingSink sink;
  decoder->decode(stream->text("a") + stream->malformed(), sink);
  EXPECT_EQ(decoder->state(), canonical::DecodeState::Malformed);
}

TEST(SimDialectTest, FaultStatusesUseGoogleTokensAndDecodeToTheirCategories) {
  using canonical::ErrorCategory;
  const std::tuple<unsigned, const char*, ErrorCategory> cases[] = {
      {400, "INVALID_ARGUMENT", ErrorCategory::InvalidRequest},
      {401, "UNAUTHENTICATED", ErrorCategory::Authentication},
      {403, "PERMISSION_DENIED", ErrorCategory::PermissionDenied},
      {404, "NOT_FOUND", ErrorCategory::NotFound},
      {429, "RESOURCE_EXHAUSTED", ErrorCategory::RateLimited},
      {500, "INTERNAL", ErrorCategory::Server},
      {503, "UNAVAILABLE", ErrorCategory::Overloaded},
      {504, "DEADLINE_EXCEEDED", ErrorCategory::Timeout},
  };
  const auto codec = makeGeminiCodec(testing::geminiProvider(), "gemini-2.5-flash");
  for (const auto& [status, token, category] : cases) {
    const auto error = dialect().errorForStatus(status, "gemini-2.5-flash");
    EXPECT_EQ(error.status, status);
    EXPECT_EQ(error.type, token);
    const auto body = dialect().errorBody(error);
    const auto value = boost::json::parse(body);
    EXPECT_EQ(value.at("error").at("code"), status);
    EXPECT_EQ(value.at("error").at("status"), token);
    canonical::Arena arena;
    EXPECT_EQ(codec->decodeError(static_cast<int>(status), body, arena).category, category) << status;
  }
  const auto quota = boost::json::parse(dialect().errorBody(dialect().errorForStatus(429, "m")));
  EXPECT_EQ(quota.at("error").at("details").at(0).at("@type"), "type.googleapis.com/google.rpc.RetryInfo");
  EXPECT_EQ(dialect().invalidJson().type, "INVALID_ARGUMENT");
  EXPECT_EQ(dialect().name(), "gemini");
}

TEST(SimDialectTest, ResponseIdsLookLikeGeminis) {
  std::mt19937_64 random(7);
  const auto id = dialect().newId(random);
  EXPECT_EQ(id.size(), 23u);
  EXPECT_NE(id, dialect().newId(random));
}

TEST(SimDialectTest, UnknownPathsAreNotFound) {
  const auto result = parse(R"({"contents":[{"parts":[{"text":"x"}]}]})", "/v1beta/models/m:countTokens");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().status, 404u);
}

}  // namespace
}  // namespace switchyard::providers::gemini
