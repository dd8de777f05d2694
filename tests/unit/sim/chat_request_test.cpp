#include "sim/chat_request.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace switchyard::sim {
namespace {

ChatRequestResult parse(std::string_view text) { return parseChatRequest(boost::json::parse(text)); }

ErrorInfo errorOf(std::string_view text) {
  auto request = parse(text);
  EXPECT_FALSE(request) << text;
  return request ? ErrorInfo{} : request.error();
}

TEST(ChatRequest, ReadsModelStreamFlagsAndLastUserMessage) {
  auto request = parse(
      R"({"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},)"
      R"("messages":[{"role":"system","content":"be brief"},{"role":"user","content":"first"},)"
      R"({"role":"assistant","content":"ok"},{"role":"user","content":"second one"}]})");
  ASSERT_TRUE(request);
  EXPECT_EQ(request->model, "gpt-4o");
  EXPECT_TRUE(request->stream);
  EXPECT_TRUE(request->include_usage);
  EXPECT_TRUE(request->include_obfuscation);
  EXPECT_EQ(request->last_user_text, "second one");
  EXPECT_EQ(request->prompt_tokens, 6u);
  EXPECT_FALSE(request->max_tokens);
}

TEST(ChatRequest, TextPartsCountAsContent) {
  auto request = parse(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"look"},)"
      R"({"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"here"}]}]})");
  ASSERT_TRUE(request);
  EXPECT_EQ(request->last_user_text, "look here");
}

TEST(ChatRequest, MaxCompletionTokensWinsOverMaxTokens) {
  auto request = parse(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":9,)"
      R"("max_completion_tokens":2})");
  ASSERT_TRUE(request);
  EXPECT_EQ(request->max_tokens, 2u);
}

TEST(ChatRequest, ObfuscationCanBeTurnedOff) {
  auto request = parse(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":true,)"
      R"("stream_options":{"include_obfuscation":false}})");
  ASSERT_TRUE(request);
  EXPECT_FALSE(request->include_obfuscation);
  EXPECT_FALSE(request->include_usage);
}

TEST(ChatRequest, MissingModelIsRejectedLikeOpenAi) {
  const ErrorInfo error = errorOf(R"({"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(error.message, "you must provide a model parameter");
  EXPECT_EQ(error.type, "invalid_request_error");
  EXPECT_FALSE(error.param);
  EXPECT_FALSE(error.code);
}

TEST(ChatRequest, MissingOrEmptyMessagesAreRejectedLikeOpenAi) {
  const ErrorInfo missing = errorOf(R"({"model":"m"})");
  EXPECT_EQ(missing.message, "Missing required parameter: 'messages'.");
  EXPECT_EQ(missing.param, "messages");
  EXPECT_EQ(missing.code, "missing_required_parameter");
  EXPECT_EQ(errorOf(R"({"model":"m","messages":[]})").code, "empty_array");
  EXPECT_EQ(errorOf(R"({"model":"m","messages":"hi"})").code, "invalid_type");
}

TEST(ChatRequest, WrongTypesNameTheParameter) {
  const ErrorInfo model = errorOf(R"({"model":4,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(model.message, "Invalid type for 'model': expected a string, but got an integer instead.");
  EXPECT_EQ(model.param, "model");
  EXPECT_EQ(errorOf(R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"})")
                .param,
            "stream");
  EXPECT_EQ(errorOf("[1]").code, "invalid_type");
}

TEST(ChatRequest, MaxTokensBelowOneIsRejected) {
  const ErrorInfo error =
      errorOf(R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0})");
  EXPECT_EQ(error.param, "max_tokens");
  EXPECT_EQ(error.code, "integer_below_min_value");
}

TEST(ChatRequest, InvalidJsonErrorIsOpenAis) {
  const ErrorInfo error = invalidJsonError();
  EXPECT_TRUE(error.message.starts_with("We could not parse the JSON body of your request."));
  EXPECT_EQ(error.type, "invalid_request_error");
}

TEST(ChatRequest, ReplyGreetsWithTheSimulatorName) {
  EXPECT_EQ(replyText("alpha", "how are you"), "Hello from alpha: how are you");
}

TEST(ChatRequest, WordsConcatenateBackToTheText) {
  EXPECT_EQ(splitWords("Hello from a: hi  there"),
            (std::vector<std::string>{"Hello ", "from ", "a: ", "hi  ", "there"}));
  for (std::string_view text : {"", " lead", "trail ", "a\nb\tc", "one"}) {
    std::string joined;
    for (const auto& word : splitWords(text)) joined += word;
    EXPECT_EQ(joined, text);
  }
  EXPECT_EQ(splitWords(" lead").size(), 1u);
}

TEST(ChatRequest, CountsBlankSeparatedWords) {
  EXPECT_EQ(countWords(""), 0u);
  EXPECT_EQ(countWords("  a b\n c "), 3u);
}

}  // namespace
}  // namespace switchyard::sim
