// The Anthropic client surface writing answers, streams and errors.
#include <gtest/gtest.h>

#include "surfaces/anthropic/messages.h"
#include "test_support.h"

namespace switchyard::surfaces::anthropic {
namespace {

using anthropic_test::keysOf;
using anthropic_test::parseJson;
using anthropic_test::splitSse;
using canonical::Arena;
using canonical::ErrorCategory;
using canonical::EventType;
using canonical::FinishReason;
using canonical::StreamEvent;

TEST(AnthropicSurfaceRender, MessageGetsAnIdWhenTheUpstreamGaveNone) {
  Arena arena;
  canonical::ChatResponse response(arena);
  response.model = "gpt-4o";
  response.content.push_back(canonical::Part{.type = canonical::PartType::Text, .text = "Hi"});
  response.finish = FinishReason::MaxTokens;
  std::string out;
  renderMessage(response, out);
  const auto message = parseJson(out);
  const std::string id(message.at("id").as_string());
  EXPECT_TRUE(id.starts_with("msg_01")) << id;
  EXPECT_EQ(id.size(), 28u);
  EXPECT_EQ(message.at("stop_reason"), "max_tokens");
  EXPECT_EQ(message.at("content"), parseJson(R"([{"type":"text","text":"Hi"}])"));
}

TEST(AnthropicSurfaceRender, StopSequenceAndUsageWithoutCacheTokens) {
  Arena arena;
  canonical::ChatResponse response(arena);
  response.id = "chatcmpl-1";
  response.model = "m";
  response.finish = FinishReason::StopSequence;
  response.stop_sequence = "END";
  response.usage = canonical::Usage{.input_tokens = 100, .output_tokens = 7, .cache_read_tokens = 60, .cache_write_tokens = 10};
  std::string out;
  renderMessage(response, out);
  const auto message = parseJson(out);
  EXPECT_EQ(message.at("stop_sequence"), "END");
  EXPECT_EQ(message.at("usage"), parseJson(R"({"input_tokens":30,"cache_creation_input_tokens":10,
    "cache_read_input_tokens":60,"cache_creation":{"ephemeral_5m_input_tokens":10,"ephemeral_1h_input_tokens":0},
    "output_tokens":7,"service_tier":"standard"})"));
  EXPECT_EQ(keysOf(message.at("usage")),
            (std::vector<std::string>{"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
                                      "cache_creation", "output_tokens", "service_tier"}));
}

TEST(AnthropicSurfaceRender, FinishReasonsMapToStopReasons) {
  const std::vector<std::pair<FinishReason, std::string>> cases{{FinishReason::EndTurn, "end_turn"},
                                                                {FinishReason::StopSequence, "stop_sequence"},
                                                                {FinishReason::MaxTokens, "max_tokens"},
                                                                {FinishReason::ToolUse, "tool_use"},
                                                                {FinishReason::ContentFilter, "refusal"}};
  for (const auto& [finish, name] : cases) {
    Arena arena;
    canonical::ChatResponse response(arena);
    response.finish = finish;
    std::string out;
    renderMessage(response, out);
    EXPECT_EQ(parseJson(out).at("stop_reason"), name.c_str());
  }
}

TEST(AnthropicSurfaceRender, ToolCallWithBrokenArgumentsStillRendersAnObject) {
  Arena arena;
  canonical::ChatResponse response(arena);
  response.content.push_back(canonical::Part{.type = canonical::PartType::ToolCall, .id = "call_1", .name = "f",
                                             .arguments = R"({"a":)"});
  response.finish = FinishReason::ToolUse;
  std::string out;
  renderMessage(response, out);
  EXPECT_EQ(parseJson(out).at("content"), parseJson(R"([{"type":"tool_use","id":"call_1","name":"f","input":{}}])"));
}

TEST(AnthropicSurfaceRender, ErrorBodiesAndStatusesFollowAnthropicsTable) {
  const std::vector<std::tuple<ErrorCategory, int, std::string>> cases{
      {ErrorCategory::InvalidRequest, 400, "invalid_request_error"},
      {ErrorCategory::ContextLengthExceeded, 400, "invalid_request_error"},
      {ErrorCategory::Authentication, 401, "authentication_error"},
      {ErrorCategory::PermissionDenied, 403, "permission_error"},
      {ErrorCategory::NotFound, 404, "not_found_error"},
      {ErrorCategory::RequestTooLarge, 413, "request_too_large"},
      {ErrorCategory::RateLimited, 429, "rate_limit_error"},
      {ErrorCategory::Server, 500, "api_error"},
      {ErrorCategory::Overloaded, 529, "overloaded_error"},
      {ErrorCategory::Timeout, 504, "timeout_error"}};
  for (const auto& [category, status, type] : cases) {
    const canonical::Error error{503, category, "went \"wrong\"", {}, {}};
    EXPECT_EQ(clientStatus(error), status);
    const auto body = parseJson(renderErrorBody(error));
    EXPECT_EQ(body.at("type"), "error");
    EXPECT_EQ(body.at("error"), parseJson(R"({"type":")" + type + R"(","message":"went \"wrong\""})"));
    EXPECT_TRUE(std::string_view(body.at("request_id").as_string()).starts_with("req_01"));
  }
  const canonical::Error billing{403, ErrorCategory::PermissionDenied, "no credit", {}, "billing_error"};
  EXPECT_EQ(clientStatus(billing), 402);
  EXPECT_EQ(parseJson(renderErrorBody(billing)).at("error").at("type"), "billing_error");
}

// Encodes events and returns the SSE events written.
struct EncoderRun {
  std::unique_ptr<canonical::StreamEncoder> encoder = makeStreamEncoder();
  std::string out;
  void operator()(const StreamEvent& event) { encoder->encode(event, out); }
  std::vector<anthropic_test::SseEvent> events() const { return splitSse(out); }
  std::vector<std::string> names() const {
    std::vector<std::string> names;
    for (const auto& event : events()) names.push_back(event.name);
    return names;
  }
};

TEST(AnthropicStreamEncoder, OpenAiStyleStreamGetsInputTokensInMessageDelta) {
  EncoderRun run;
  run(StreamEvent{.type = EventType::Start, .id = "chatcmpl-9", .name = "gpt-4o"});
  run(StreamEvent{.type = EventType::TextDelta, .text = ""});
  run(StreamEvent{.type = EventType::TextDelta, .text = "Hel"});
  run(StreamEvent{.type = EventType::TextDelta, .text = "lo"});
  run(StreamEvent{.type = EventType::Finish, .finish = FinishReason::EndTurn});
  const auto before_usage = run.out.size();
  EXPECT_EQ(run.out.find("message_delta"), std::string::npos) << "finish is held for the usage";
  run(StreamEvent{.type = EventType::Usage, .usage = {.input_tokens = 20, .output_tokens = 2, .cache_read_tokens = 5}});
  EXPECT_GT(run.out.size(), before_usage);
  run.encoder->finish(run.out);
  EXPECT_EQ(run.names(), (std::vector<std::string>{"message_start", "content_block_start", "ping", "content_block_delta",
                                                   "content_block_delta", "content_block_stop", "message_delta",
                                                   "message_stop"}));
  const auto events = run.events();
  auto start = parseJson(events[0].data);
  // Another dialect's id would look foreign to an Anthropic client: it gets a msg_ id of its own.
  auto& id = start.at("message").at("id");
  EXPECT_TRUE(id.as_string().starts_with("msg_")) << id;
  id = "msg_x";
  EXPECT_EQ(start,
            parseJson(R"({"type":"message_start","message":{"id":"msg_x","type":"message","role":"assistant",
      "model":"gpt-4o","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,
      "cache_creation_input_tokens":0,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,
      "ephemeral_1h_input_tokens":0},"output_tokens":0,"service_tier":"standard"}}})"));
  EXPECT_EQ(events[3].data, R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}})");
  EXPECT_EQ(events[6].data,
            R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},)"
            R"("usage":{"input_tokens":15,"cache_creation_input_tokens":0,"cache_read_input_tokens":5,"output_tokens":2}})");
  EXPECT_EQ(events[7].data, R"({"type":"message_stop"})");
}

TEST(AnthropicStreamEncoder, TextAfterToolCallsOpensNewBlocks) {
  EncoderRun run;
  run(StreamEvent{.type = EventType::Start, .id = "msg_1", .name = "m"});
  run(StreamEvent{.type = EventType::TextDelta, .text = "Checking."});
  run(StreamEvent{.type = EventType::ToolCallStart, .id = "call_a", .name = "f", .index = 0});
  run(StreamEvent{.type = EventType::ToolCallDelta, .text = R"({"x":)", .index = 0});
  run(StreamEvent{.type = EventType::ToolCallDelta, .text = "1}", .index = 0});
  run(StreamEvent{.type = EventType::ToolCallStart, .id = "call_b", .name = "g", .index = 1});
  run(StreamEvent{.type = EventType::ToolCallDelta, .text = "{}", .index = 1});
  run(StreamEvent{.type = EventType::TextDelta, .text = "Done."});
  run(StreamEvent{.type = EventType::Finish, .finish = FinishReason::ToolUse});
  run.encoder->finish(run.out);  // no Usage event: message_delta goes out at the end anyway
  const auto events = run.events();
  std::vector<std::string> summary;
  for (const auto& event : events) {
    const auto data = parseJson(event.data);
    std::string line = event.name;
    if (data.as_object().contains("index")) line += " " + std::to_string(data.at("index").as_int64());
    summary.push_back(line);
  }
  EXPECT_EQ(summary, (std::vector<std::string>{
                         "message_start", "content_block_start 0", "ping", "content_block_delta 0", "content_block_stop 0",
                         "content_block_start 1", "content_block_delta 1", "content_block_delta 1",
                         "content_block_delta 1", "content_block_stop 1", "content_block_start 2",
                         "content_block_delta 2", "content_block_delta 2", "content_block_stop 2",
                         "content_block_start 3", "content_block_delta 3", "content_block_stop 3", "message_delta",
                         "message_stop"}));
  EXPECT_EQ(parseJson(events[5].data).at("content_block"),
            parseJson(R"({"type":"tool_use","id":"call_a","name":"f","input":{}})"));
  EXPECT_EQ(parseJson(events[7].data).at("delta"), parseJson(R"({"type":"input_json_delta","partial_json":"{\"x\":"})"));
  EXPECT_EQ(parseJson(events[17].data).at("delta").at("stop_reason"), "tool_use");
}

TEST(AnthropicStreamEncoder, UsageFromStartAndStopSequenceAreCarried) {
  EncoderRun run;
  run(StreamEvent{.type = EventType::Start, .id = "msg_1", .name = "m", .usage = {.input_tokens = 50, .cache_write_tokens = 8}});
  run(StreamEvent{.type = EventType::TextDelta, .text = "a"});
  run(StreamEvent{.type = EventType::Usage, .usage = {.input_tokens = 50, .output_tokens = 3, .cache_write_tokens = 8}});
  run(StreamEvent{.type = EventType::Finish, .finish = FinishReason::StopSequence, .stop_sequence = "###"});
  run.encoder->finish(run.out);
  const auto events = run.events();
  EXPECT_EQ(parseJson(events[0].data).at("message").at("usage").at("input_tokens"), 42);
  EXPECT_EQ(parseJson(events[0].data).at("message").at("usage").at("cache_creation_input_tokens"), 8);
  const auto delta = parseJson(events[5].data);
  EXPECT_EQ(events[5].name, "message_delta");
  EXPECT_EQ(delta.at("delta"), parseJson(R"({"stop_reason":"stop_sequence","stop_sequence":"###"})"));
  EXPECT_EQ(delta.at("usage").at("output_tokens"), 3);
}

TEST(AnthropicStreamEncoder, FailWritesAnErrorEventAndNothingAfter) {
  EncoderRun run;
  run(StreamEvent{.type = EventType::Start, .id = "msg_1", .name = "m"});
  run(StreamEvent{.type = EventType::TextDelta, .text = "partial"});
  run.encoder->fail(canonical::Error{503, ErrorCategory::Overloaded, "Overloaded", {}, {}}, run.out);
  run.encoder->finish(run.out);
  const auto events = run.events();
  ASSERT_EQ(events.back().name, "error");
  EXPECT_EQ(events.back().data, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  EXPECT_EQ(run.out.find("message_stop"), std::string::npos);
  EncoderRun server;
  server.encoder->fail(canonical::Error{500, ErrorCategory::Server, "boom", {}, {}}, server.out);
  EXPECT_EQ(server.events().back().data, R"({"type":"error","error":{"type":"api_error","message":"boom"}})");
}

TEST(AnthropicStreamEncoder, EmptyAnswerStillHasTheFullFraming) {
  EncoderRun run;
  run.encoder->finish(run.out);
  EXPECT_EQ(run.names(), (std::vector<std::string>{"message_start", "ping", "message_delta", "message_stop"}));
  EXPECT_TRUE(std::string_view(parseJson(run.events()[0].data).at("message").at("id").as_string()).starts_with("msg_01"));
}

}  // namespace
}  // namespace switchyard::surfaces::anthropic
