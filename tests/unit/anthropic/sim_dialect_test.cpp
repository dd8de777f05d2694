// The simulator's Anthropic dialect: validation in Anthropic's words, and answers that the
// gateway's own Anthropic provider codec reads back (the two sides agree on the wire format).
#include <gtest/gtest.h>

#include <random>

#include "providers/anthropic/codec.h"
#include "sim/dialect.h"
#include "test_support.h"

namespace switchyard::anthropic_test {
namespace {

using canonical::Arena;
using sim::anthropicDialect;
using sim::SimFinish;
using sim::SimReply;

std::unique_ptr<providers::TargetCodec> codec() {
  config::Provider provider;
  provider.kind = "anthropic";
  provider.endpoint = config::Endpoint{false, "127.0.0.1", 9000, ""};
  return providers::anthropic::makeAnthropicCodec(provider, "claude-sim");
}

boost::system::result<sim::SimChat, sim::SimError> parseSim(std::string_view body) {
  return anthropicDialect().parse(parseJson(body), "/v1/messages");
}

SimReply textReply() {
  SimReply reply;
  reply.id = "msg_01SimSimSimSimSimSimSimS";
  reply.model = "claude-sim";
  reply.words = {"Hello ", "from ", "sim"};
  reply.input_tokens = 12;
  reply.output_tokens = 3;
  return reply;
}

SimReply toolReply() {
  SimReply reply = textReply();
  reply.words.clear();
  reply.tool_call = sim::SimToolCall{"toolu_01Abc", "get_weather", R"({"input":"weather in Paris please"})"};
  reply.finish = SimFinish::ToolUse;
  reply.output_tokens = 5;
  return reply;
}

TEST(AnthropicSimDialect, ReadsWhatTheSimulatorActsOn) {
  const auto chat = parseSim(R"({"model":"claude-sim","max_tokens":50,"stream":true,"system":"be nice",
    "messages":[{"role":"user","content":"hi there"},{"role":"assistant","content":[{"type":"text","text":"yo"}]},
    {"role":"user","content":[{"type":"text","text":"weather in Paris"}]}],
    "tools":[{"name":"get_weather","input_schema":{"type":"object"}}]})");
  ASSERT_TRUE(chat) << chat.error().message;
  EXPECT_EQ(chat->model, "claude-sim");
  EXPECT_TRUE(chat->stream);
  EXPECT_EQ(chat->max_tokens, 50u);
  EXPECT_EQ(chat->last_user_text, "weather in Paris");
  EXPECT_EQ(chat->prompt_tokens, 2u + 2u + 1u + 3u);
  EXPECT_EQ(chat->first_tool_name, "get_weather");
  EXPECT_FALSE(chat->last_turn_is_tool_result);
}

TEST(AnthropicSimDialect, SeesAToolResultInTheLastUserTurn) {
  const auto chat = parseSim(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"go"},
    {"role":"assistant","content":[{"type":"tool_use","id":"toolu_01","name":"f","input":{}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":[{"type":"text","text":"42"}]}]}],
    "tools":[{"name":"f","input_schema":{"type":"object"}}]})");
  ASSERT_TRUE(chat);
  EXPECT_TRUE(chat->last_turn_is_tool_result);
  EXPECT_EQ(chat->tool_result_text, "42");
}

TEST(AnthropicSimDialect, ValidatesLikeAnthropic) {
  const auto message = [](std::string_view body) {
    const auto chat = parseSim(body);
    EXPECT_FALSE(chat);
    if (chat) return std::string();
    EXPECT_EQ(chat.error().status, 400u);
    EXPECT_EQ(chat.error().type, "invalid_request_error");
    return chat.error().message;
  };
  EXPECT_EQ(message(R"({"model":"m","messages":[{"role":"user","content":"x"}]})"), "max_tokens: Field required");
  EXPECT_EQ(message(R"({"max_tokens":5,"messages":[{"role":"user","content":"x"}]})"), "model: Field required");
  EXPECT_EQ(message(R"({"model":"m","max_tokens":5,"messages":[]})"), "messages: at least one message is required");
  EXPECT_EQ(message(R"({"model":"m","max_tokens":5,"messages":[{"role":"tool","content":"x"}]})"),
            "messages.0.role: Input should be 'user' or 'assistant'");
  EXPECT_EQ(message(R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]})"),
            "max_tokens: Input should be greater than or equal to 1");
  EXPECT_EQ(message(R"({"model":"m","max_tokens":5,"temperature":1.5,"messages":[{"role":"user","content":"x"}]})"),
            "temperature: Input should be less than or equal to 1");
  EXPECT_EQ(message(R"({"model":"m","max_tokens":5,"response_format":{},"messages":[{"role":"user","content":"x"}]})"),
            "response_format: Extra inputs are not permitted");
  EXPECT_TRUE(parseSim(R"({"model":"m","max_tokens":5,"sim_fault":"none","messages":[{"role":"user","content":"x"}]})"));
}

TEST(AnthropicSimDialect, IdsLookLikeAnthropicIds) {
  std::mt19937_64 random(7);
  const auto id = anthropicDialect().newId(random);
  EXPECT_TRUE(id.starts_with("msg_01"));
  EXPECT_EQ(id.size(), 4u + 24u);
  const auto tool_id = anthropicDialect().newToolCallId(random);
  EXPECT_TRUE(tool_id.starts_with("toolu_01"));
  EXPECT_EQ(tool_id.size(), 6u + 24u);
}

TEST(AnthropicSimDialect, CompletionIsAMessageTheCodecReads) {
  const std::string body = anthropicDialect().completion(textReply());
  EXPECT_EQ(keysOf(parseJson(body)),
            (std::vector<std::string>{"id", "type", "role", "model", "content", "stop_reason", "stop_sequence",
                                      "usage"}));
  Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  ASSERT_TRUE(codec()->decodeResponse(body, arena, response, why)) << why;
  EXPECT_EQ(response.id, "msg_01SimSimSimSimSimSimSimS");
  ASSERT_EQ(response.content.size(), 1u);
  EXPECT_EQ(response.content[0].text, "Hello from sim");
  EXPECT_EQ(response.finish, canonical::FinishReason::EndTurn);
  EXPECT_EQ(response.usage.input_tokens, 12);
  EXPECT_EQ(response.usage.output_tokens, 3);
}

TEST(AnthropicSimDialect, CompletionIsByteForByteTheApisLayout) {
  EXPECT_EQ(anthropicDialect().completion(textReply()),
            R"({"id":"msg_01SimSimSimSimSimSimSimS","type":"message","role":"assistant","model":"claude-sim",)"
            R"("content":[{"type":"text","text":"Hello from sim"}],"stop_reason":"end_turn","stop_sequence":null,)"
            R"("usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,)"
            R"("cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":3,)"
            R"("service_tier":"standard"}})");
}

TEST(AnthropicSimDialect, ToolCallCompletionCarriesTheInputObject) {
  Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  ASSERT_TRUE(codec()->decodeResponse(anthropicDialect().completion(toolReply()), arena, response, why)) << why;
  ASSERT_EQ(response.content.size(), 1u);
  EXPECT_EQ(response.content[0].type, canonical::PartType::ToolCall);
  EXPECT_EQ(response.content[0].id, "toolu_01Abc");
  EXPECT_EQ(response.content[0].arguments, R"({"input":"weather in Paris please"})");
  EXPECT_EQ(response.finish, canonical::FinishReason::ToolUse);
}

std::vector<std::string> decodeStream(const std::string& bytes) {
  auto decoder = codec()->streamDecoder();
  RecordingSink sink;
  std::string buffered;
  for (const char c : bytes) {  // one byte at a time: the hardest slicing
    buffered.push_back(c);
    buffered.erase(0, decoder->decode(buffered, sink));
  }
  EXPECT_EQ(decoder->state(), canonical::DecodeState::Done) << decoder->error().message;
  return sink.events;
}

TEST(AnthropicSimDialect, TextStreamIsWhatTheCodecExpects) {
  const SimReply reply = textReply();
  auto stream = anthropicDialect().stream(reply, sim::SimChat{});
  std::string bytes = stream->start(reply);
  for (const auto& word : reply.words) bytes += stream->text(word);
  bytes += stream->finish(reply);
  const auto events = splitSse(bytes);
  std::vector<std::string> names;
  for (const auto& event : events) names.push_back(event.name);
  EXPECT_EQ(names, (std::vector<std::string>{"message_start", "content_block_start", "ping", "content_block_delta",
                                             "content_block_delta", "content_block_delta", "content_block_stop",
                                             "message_delta", "message_stop"}));
  EXPECT_EQ(events[7].data,
            R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},)"
            R"("usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":3}})");
  EXPECT_EQ(decodeStream(bytes), (std::vector<std::string>{"start id=msg_01SimSimSimSimSimSimSimS model=claude-sim in=12",
                                                           "text Hello ", "text from ", "text sim", "finish 0 ",
                                                           "usage in=12 out=3 read=0 write=0"}));
}

TEST(AnthropicSimDialect, ToolStreamIsWhatTheCodecExpects) {
  const SimReply reply = toolReply();
  auto stream = anthropicDialect().stream(reply, sim::SimChat{});
  const std::string bytes = stream->start(reply) + stream->toolCall(*reply.tool_call) + stream->finish(reply);
  const auto events = decodeStream(bytes);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events[1], "call 0 toolu_01Abc get_weather");
  std::string arguments;
  for (const auto& event : events) {
    if (event.starts_with("args 0 ")) arguments += event.substr(7);
  }
  EXPECT_EQ(arguments, R"({"input":"weather in Paris please"})");
  EXPECT_EQ(events[events.size() - 2], "finish 3 ");
}

TEST(AnthropicSimDialect, MalformedPieceMakesTheDecoderSayMalformed) {
  const SimReply reply = textReply();
  auto stream = anthropicDialect().stream(reply, sim::SimChat{});
  const std::string bytes = stream->start(reply) + stream->malformed();
  auto decoder = codec()->streamDecoder();
  RecordingSink sink;
  decoder->decode(bytes, sink);
  EXPECT_EQ(decoder->state(), canonical::DecodeState::Malformed);
}

TEST(AnthropicSimDialect, ErrorsForStatusesDecodeToTheirCategories) {
  using canonical::ErrorCategory;
  const std::vector<std::pair<unsigned, ErrorCategory>> cases{
      {400, ErrorCategory::InvalidRequest}, {401, ErrorCategory::Authentication},
      {403, ErrorCategory::PermissionDenied}, {404, ErrorCategory::NotFound},
      {413, ErrorCategory::RequestTooLarge}, {429, ErrorCategory::RateLimited},
      {500, ErrorCategory::Server}, {503, ErrorCategory::Overloaded},
      {529, ErrorCategory::Overloaded}, {504, ErrorCategory::Timeout},
      {502, ErrorCategory::Server}, {418, ErrorCategory::InvalidRequest}};
  for (const auto& [status, category] : cases) {
    const auto error = anthropicDialect().errorForStatus(status, "claude-sim");
    EXPECT_EQ(error.status, status);
    const std::string body = anthropicDialect().errorBody(error);
    const auto parsed = parseJson(body);
    EXPECT_EQ(parsed.at("type"), "error");
    EXPECT_TRUE(std::string_view(parsed.at("request_id").as_string()).starts_with("req_011C"));
    Arena arena;
    const auto decoded = codec()->decodeError(static_cast<int>(status), body, arena);
    EXPECT_EQ(decoded.category, category) << status << " " << body;
    EXPECT_EQ(decoded.message, error.message);
  }
  EXPECT_EQ(anthropicDialect().errorForStatus(529, "m").type, "overloaded_error");
  EXPECT_EQ(anthropicDialect().errorForStatus(404, "claude-x").message, "model: claude-x");
}

}  // namespace
}  // namespace switchyard::anthropic_test
