// The simulator's Bedrock dialect: validation as Bedrock validates, answers and stream events as
// Bedrock writes them, errors as {"message": ...}.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "providers/bedrock/event_stream.h"
#include "sim/dialect.h"
#include "test_support.h"

namespace switchyard::sim {
namespace {

constexpr std::string_view kConversePath = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse";

boost::system::result<SimChat, SimError> parse(std::string_view body, std::string_view path = kConversePath) {
  return bedrockDialect().parse(boost::json::parse(body), path);
}

std::string errorOf(std::string_view body, std::string_view path = kConversePath) {
  const auto parsed = parse(body, path);
  EXPECT_FALSE(parsed.has_value()) << body;
  if (parsed) return {};
  EXPECT_EQ(parsed.error().status, 400u);
  EXPECT_EQ(parsed.error().type, "ValidationException");
  return parsed.error().message;
}

TEST(BedrockSimDialect, ModelAndStreamComeFromThePath) {
  const auto chat = parse(R"({"messages":[{"role":"user","content":[{"text":"Hi there"}]}]})");
  ASSERT_TRUE(chat.has_value());
  EXPECT_EQ(chat->model, "anthropic.claude-3-haiku-20240307-v1:0");
  EXPECT_FALSE(chat->stream);
  EXPECT_TRUE(chat->include_usage);
  EXPECT_EQ(chat->last_user_text, "Hi there");
  const auto streamed = parse(R"({"messages":[{"role":"user","content":[{"text":"Hi"}]}]})",
                              "/model/amazon.nova-lite-v1%3A0/converse-stream");
  ASSERT_TRUE(streamed.has_value());
  EXPECT_TRUE(streamed->stream);
  EXPECT_EQ(streamed->model, "amazon.nova-lite-v1:0");
}

TEST(BedrockSimDialect, ReadsMaxTokensPromptWordsAndFirstTool) {
  const auto chat = parse(R"({"system":[{"text":"Be brief now"}],
      "messages":[{"role":"user","content":[{"text":"one two"}]},{"role":"assistant","content":[{"text":"three"}]},
                  {"role":"user","content":[{"text":"four five six"}]}],
      "inferenceConfig":{"maxTokens":5},
      "toolConfig":{"tools":[{"toolSpec":{"name":"lookup","inputSchema":{"json":{"type":"object"}}}}]}})");
  ASSERT_TRUE(chat.has_value());
  EXPECT_EQ(chat->max_tokens, 5u);
  EXPECT_EQ(chat->prompt_tokens, 9u);
  EXPECT_EQ(chat->first_tool_name, "lookup");
  EXPECT_EQ(chat->last_user_text, "four five six");
  EXPECT_FALSE(chat->last_turn_is_tool_result);
}

TEST(BedrockSimDialect, LastUserTurnWithToolResultIsReported) {
  const auto chat = parse(R"({"messages":[
      {"role":"user","content":[{"text":"Weather?"}]},
      {"role":"assistant","content":[{"toolUse":{"toolUseId":"tooluse_1","name":"lookup","input":{}}}]},
      {"role":"user","content":[{"toolResult":{"toolUseId":"tooluse_1","content":[{"text":"sunny"}]}}]}],
      "toolConfig":{"tools":[{"toolSpec":{"name":"lookup","inputSchema":{"json":{}}}}]}})");
  ASSERT_TRUE(chat.has_value());
  EXPECT_TRUE(chat->last_turn_is_tool_result);
  EXPECT_EQ(chat->tool_result_text, "sunny");
}

TEST(BedrockSimDialect, ValidatesLikeBedrock) {
  EXPECT_NE(errorOf(R"({})").find("Value null at 'messages'"), std::string::npos);
  EXPECT_NE(errorOf(R"({"messages":[]})").find("must start with a user message"), std::string::npos);
  EXPECT_NE(errorOf(R"({"messages":[{"role":"assistant","content":[{"text":"Hi"}]}]})")
                .find("must start with a user"),
            std::string::npos);
  EXPECT_NE(
      errorOf(
          R"({"messages":[{"role":"user","content":[{"text":"a"}]},{"role":"user","content":[{"text":"b"}]}]})")
          .find("must alternate"),
      std::string::npos);
  EXPECT_NE(errorOf(R"({"messages":[{"role":"user","content":[]}]})").find("messages.0 is empty"),
            std::string::npos);
  EXPECT_NE(errorOf(R"({"messages":[{"role":"user","content":[{"text":"  "}]}]})")
                .find("messages.0.content.0 is blank"),
            std::string::npos);
  EXPECT_NE(errorOf(R"({"messages":[{"role":"system","content":[{"text":"x"}]}]})").find("[user, assistant]"),
            std::string::npos);
  EXPECT_NE(
      errorOf(R"({"messages":[{"role":"user","content":[{"text":"x"}]}],"inferenceConfig":{"maxTokens":0}})")
          .find("inferenceConfig.maxTokens"),
      std::string::npos);
  EXPECT_NE(
      errorOf(R"({"messages":[{"role":"user","content":[{"toolResult":{"toolUseId":"t","content":[]}}]}]})")
          .find("toolConfig field must be defined"),
      std::string::npos);
}

TEST(BedrockSimDialect, CompletionIsWrittenAsBedrockWritesIt) {
  SimReply reply;
  reply.words = {"Hello ", "there."};
  reply.finish = SimFinish::Length;
  reply.input_tokens = 4;
  reply.output_tokens = 2;
  EXPECT_EQ(
      bedrockDialect().completion(reply),
      R"({"metrics":{"latencyMs":204},"output":{"message":{"content":[{"text":"Hello there."}],"role":"assistant"}},)"
      R"("stopReason":"max_tokens","usage":{"inputTokens":4,"outputTokens":2,"totalTokens":6}})");
}

// Cache reads apart from inputTokens (only when there are any), reasoning inside outputTokens, as
// Bedrock reports them; the codec adds the cache reads back into the canonical prompt.
TEST(BedrockSimDialect, CacheReadsAreReportedApartAndDecodeIntoThePrompt) {
  SimReply reply;
  reply.words = {"Hello ", "there."};
  reply.input_tokens = 10;
  reply.output_tokens = 2;
  reply.cached_input_tokens = 6;
  reply.reasoning_tokens = 3;
  const std::string body = bedrockDialect().completion(reply);
  EXPECT_NE(body.find(R"("usage":{"inputTokens":4,"outputTokens":5,"totalTokens":15,)"
                      R"("cacheReadInputTokens":6,"cacheWriteInputTokens":0})"),
            std::string::npos)
      << body;
  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  ASSERT_TRUE(providers::bedrock::testing::haikuCodec()->decodeResponse(body, arena, response, why)) << why;
  EXPECT_EQ(response.usage.input_tokens, 10);
  EXPECT_EQ(response.usage.cache_read_tokens, 6);
  EXPECT_EQ(response.usage.output_tokens, 5);
}

TEST(BedrockSimDialect, ToolCallCompletionDecodesThroughTheGateway) {
  SimReply reply;
  reply.tool_call = SimToolCall{"tooluse_x", "lookup", R"({"input":"Weather?"})"};
  reply.finish = SimFinish::ToolUse;
  reply.input_tokens = 3;
  reply.output_tokens = 5;
  const std::string body = bedrockDialect().completion(reply);
  EXPECT_NE(
      body.find(R"({"toolUse":{"input":{"input":"Weather?"},"name":"lookup","toolUseId":"tooluse_x"}})"),
      std::string::npos);
  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  ASSERT_TRUE(providers::bedrock::testing::haikuCodec()->decodeResponse(body, arena, response, why)) << why;
  ASSERT_EQ(response.content.size(), 1u);
  EXPECT_EQ(response.content[0].id, "tooluse_x");
  EXPECT_EQ(response.content[0].arguments, R"({"input":"Weather?"})");
  EXPECT_EQ(response.finish, canonical::FinishReason::ToolUse);
}

TEST(BedrockSimDialect, StreamEventsCarryBedrockHeadersAndPaddedPayloads) {
  SimReply reply;
  reply.words = {"Hi"};
  reply.input_tokens = 1;
  reply.output_tokens = 1;
  const auto stream = bedrockDialect().stream(reply, SimChat{});
  std::string bytes = stream->start(reply);  // in order: the stream keeps state between pieces
  bytes += stream->text("Hi");
  bytes += stream->finish(reply);
  std::vector<std::string> types;
  std::vector<std::string> payloads;
  for (std::string_view rest = bytes; !rest.empty();) {
    const auto frame = providers::bedrock::readFrame(rest);
    ASSERT_EQ(frame.status, providers::bedrock::FrameStatus::Complete);
    EXPECT_EQ(frame.message.message_type, "event");
    EXPECT_EQ(frame.message.content_type, "application/json");
    types.emplace_back(frame.message.event_type);
    auto payload = boost::json::parse(frame.message.payload).as_object();
    EXPECT_TRUE(payload.contains("p"));
    payload.erase("p");
    payloads.push_back(boost::json::serialize(payload));
    rest.remove_prefix(frame.size);
  }
  EXPECT_EQ(types, (std::vector<std::string>{"messageStart", "contentBlockDelta", "contentBlockStop",
                                             "messageStop", "metadata"}));
  EXPECT_EQ(
      payloads,
      (std::vector<std::string>{
          R"({"role":"assistant"})", R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})",
          R"({"contentBlockIndex":0})", R"({"stopReason":"end_turn"})",
          R"({"metrics":{"latencyMs":192},"usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2}})"}));
  EXPECT_EQ(bedrockDialect().streamContentType(), "application/vnd.amazon.eventstream");
}

TEST(BedrockSimDialect, ErrorsAreMessageBodiesWithExceptionTypes) {
  const std::pair<unsigned, std::string_view> cases[] = {
      {400, "ValidationException"}, {403, "AccessDeniedException"},   {404, "ResourceNotFoundException"},
      {429, "ThrottlingException"}, {500, "InternalServerException"}, {503, "ServiceUnavailableException"}};
  for (const auto& [status, type] : cases) {
    const SimError error = bedrockDialect().errorForStatus(status, "m");
    EXPECT_EQ(error.status, status);
    EXPECT_EQ(error.type, type);
    const auto body = boost::json::parse(bedrockDialect().errorBody(error)).as_object();
    EXPECT_EQ(body.size(), 1u);
    EXPECT_EQ(body.at("message").as_string(), error.message);
  }
  EXPECT_EQ(bedrockDialect().invalidJson().status, 400u);
}

TEST(BedrockSimDialect, ErrorBodiesClassifyBackToTheirCategories) {
  using canonical::ErrorCategory;
  const std::pair<unsigned, ErrorCategory> cases[] = {
      {400, ErrorCategory::InvalidRequest}, {403, ErrorCategory::PermissionDenied},
      {404, ErrorCategory::NotFound},       {429, ErrorCategory::RateLimited},
      {500, ErrorCategory::Server},         {503, ErrorCategory::Overloaded}};
  for (const auto& [status, category] : cases) {
    canonical::Arena arena;
    const std::string body = bedrockDialect().errorBody(bedrockDialect().errorForStatus(status, "m"));
    EXPECT_EQ(providers::bedrock::testing::haikuCodec()
                  ->decodeError(static_cast<int>(status), body, arena)
                  .category,
              category)
        << status;
  }
}

TEST(BedrockSimDialect, ToolUseIdsAndRequestIdsHaveBedrockShapes) {
  std::mt19937_64 random(7);
  const std::string tool_id = bedrockDialect().newToolCallId(random);
  EXPECT_TRUE(tool_id.starts_with("tooluse_"));
  EXPECT_EQ(tool_id.size(), 30u);
  const std::string request_id = bedrockDialect().newId(random);
  ASSERT_EQ(request_id.size(), 36u);
  EXPECT_EQ(request_id[8], '-');
  EXPECT_EQ(request_id[14], '4');
}

}  // namespace
}  // namespace switchyard::sim
