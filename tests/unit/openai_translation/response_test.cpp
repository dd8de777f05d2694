// Whole answers: an OpenAI-shaped upstream body decoded by the codec (<case>.response.json) and
// rendered by the surface (-> <case>.rendered.json), as api.openai.com would have sent it.
#include <gtest/gtest.h>

#include "providers/openai/codec.h"
#include "surfaces/openai/translate.h"
#include "test_support.h"

namespace switchyard::openai_translation_test {
namespace {

std::unique_ptr<providers::TargetCodec> codec() {
  config::Provider provider;
  provider.kind = "openai";
  provider.endpoint = {false, "127.0.0.1", 8000, "/v1"};
  return providers::openai::makeOpenAiCodec(provider, "m");
}

class ResponseGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(ResponseGolden, DecodesAndRendersAsOpenAiDoes) {
  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  ASSERT_TRUE(codec()->decodeResponse(readGolden(GetParam() + ".response.json"), arena, response, why)) << why;
  std::string out;
  surfaces::openai::renderChatCompletion(response, out);
  expectGolden(GetParam() + ".rendered.json", out);
}

INSTANTIATE_TEST_SUITE_P(Cases, ResponseGolden, ::testing::Values("text", "tool_calls", "refusal", "length_vllm"));

TEST(OpenAiResponse, DecodesUsageFinishAndRefusals) {
  canonical::Arena arena;
  canonical::ChatResponse text(arena);
  std::string why;
  ASSERT_TRUE(codec()->decodeResponse(readGolden("text.response.json"), arena, text, why));
  EXPECT_EQ(text.id, "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT");
  EXPECT_EQ(text.created, 1741569952);
  EXPECT_EQ(text.usage.input_tokens, 19);
  EXPECT_EQ(text.usage.output_tokens, 10);
  EXPECT_EQ(text.usage.cache_read_tokens, 4);
  EXPECT_EQ(text.finish, canonical::FinishReason::EndTurn);
  canonical::ChatResponse refusal(arena);
  ASSERT_TRUE(codec()->decodeResponse(readGolden("refusal.response.json"), arena, refusal, why));
  ASSERT_EQ(refusal.content.size(), 1u);
  EXPECT_EQ(refusal.content[0].text, "I can't help with that.");
  EXPECT_EQ(refusal.finish, canonical::FinishReason::ContentFilter);
}

// Cache reads and reasoning tokens reach the client's usage details, whichever provider reported
// them (a Gemini or OpenAI upstream); the other details stay zero.
TEST(OpenAiResponse, RendersCachedAndReasoningTokens) {
  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  response.id = "chatcmpl-x";
  response.created = 1;
  response.usage = {.input_tokens = 12, .output_tokens = 9, .cache_read_tokens = 5, .reasoning_tokens = 4};
  std::string out;
  surfaces::openai::renderChatCompletion(response, out);
  const auto usage = boost::json::parse(out).at("usage");
  EXPECT_EQ(usage.at("prompt_tokens"), 12);
  EXPECT_EQ(usage.at("completion_tokens"), 9);
  EXPECT_EQ(usage.at("total_tokens"), 21);
  EXPECT_EQ(usage.at("prompt_tokens_details").at("cached_tokens"), 5);
  EXPECT_EQ(usage.at("completion_tokens_details").at("reasoning_tokens"), 4);
  EXPECT_EQ(usage.at("completion_tokens_details").at("audio_tokens"), 0);
}

TEST(OpenAiResponse, MapsEveryFinishReason) {
  const std::pair<std::string, canonical::FinishReason> cases[] = {
      {"stop", canonical::FinishReason::EndTurn},
      {"length", canonical::FinishReason::MaxTokens},
      {"tool_calls", canonical::FinishReason::ToolUse},
      {"function_call", canonical::FinishReason::ToolUse},
      {"content_filter", canonical::FinishReason::ContentFilter}};
  for (const auto& [name, finish] : cases) {
    canonical::Arena arena;
    canonical::ChatResponse response(arena);
    std::string why;
    ASSERT_TRUE(codec()->decodeResponse(
        R"({"choices":[{"message":{"content":"x"},"finish_reason":")" + name + R"("}]})", arena, response, why));
    EXPECT_EQ(response.finish, finish) << name;
  }
  const std::pair<canonical::FinishReason, std::string> rendered[] = {
      {canonical::FinishReason::EndTurn, "stop"},
      {canonical::FinishReason::StopSequence, "stop"},
      {canonical::FinishReason::MaxTokens, "length"},
      {canonical::FinishReason::ToolUse, "tool_calls"},
      {canonical::FinishReason::ContentFilter, "content_filter"}};
  for (const auto& [finish, name] : rendered) {
    canonical::Arena arena;
    canonical::ChatResponse response(arena);
    response.finish = finish;
    std::string out;
    surfaces::openai::renderChatCompletion(response, out);
    EXPECT_NE(out.find(R"("finish_reason":")" + name + "\""), std::string::npos) << out;
  }
}

TEST(OpenAiResponse, VllmStopReasonNamesTheStopSequence) {
  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  ASSERT_TRUE(codec()->decodeResponse(
      R"({"choices":[{"message":{"content":"x"},"finish_reason":"stop","stop_reason":"END"}]})", arena, response, why));
  EXPECT_EQ(response.finish, canonical::FinishReason::StopSequence);
  EXPECT_EQ(response.stop_sequence, "END");
}

TEST(OpenAiResponse, RejectsBodiesThatAreNotChatCompletions) {
  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  EXPECT_FALSE(codec()->decodeResponse("<html>", arena, response, why));
  EXPECT_NE(why.find("not JSON"), std::string::npos);
  EXPECT_FALSE(codec()->decodeResponse(R"({"choices":[]})", arena, response, why));
  EXPECT_EQ(why, "the body has no choices");
}

TEST(OpenAiResponse, RenderMakesIdsAndTimeWhenTheUpstreamGaveNone) {
  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  response.model = "claude-x";
  canonical::Part call;
  call.type = canonical::PartType::ToolCall;
  call.name = "f";
  response.content.push_back(call);
  response.finish = canonical::FinishReason::ToolUse;
  std::string out;
  surfaces::openai::renderChatCompletion(response, out);
  const auto parsed = boost::json::parse(out).as_object();
  EXPECT_TRUE(parsed.at("id").as_string().starts_with("chatcmpl-"));
  EXPECT_EQ(parsed.at("id").as_string().size(), 9u + 29u);
  EXPECT_GT(parsed.at("created").as_int64(), 1700000000);
  const auto& message = parsed.at("choices").as_array()[0].as_object().at("message").as_object();
  EXPECT_TRUE(message.at("content").is_null());  // only tool calls
  const auto& tool_call = message.at("tool_calls").as_array()[0].as_object();
  EXPECT_TRUE(tool_call.at("id").as_string().starts_with("call_"));
  EXPECT_EQ(tool_call.at("function").as_object().at("arguments"), "{}");
}

// The pattern fuzz/bedrock_provider.cpp found in Bedrock's decoder, here too: a usage count out of
// int64's range (1e300) was converted as it was (undefined), and the client's total_tokens added
// counts past INT64_MAX. Counts are kept within +-2^53.
TEST(OpenAiResponse, HugeUsageCountsAreClampedNotOverflowed) {
  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  ASSERT_TRUE(codec()->decodeResponse(
      R"({"choices":[{"message":{"content":"x"},"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":1e300,"completion_tokens":9223372036854775807}})",
      arena, response, why));
  constexpr std::int64_t kMax = std::int64_t{1} << 53;
  EXPECT_EQ(response.usage.input_tokens, kMax);
  EXPECT_EQ(response.usage.output_tokens, kMax);
  std::string out;
  surfaces::openai::renderChatCompletion(response, out);
  EXPECT_NE(out.find(R"("total_tokens":18014398509481984)"), std::string::npos) << out;
}

}  // namespace
}  // namespace switchyard::openai_translation_test
