#include "surfaces/openai/chat_request.h"

#include <gtest/gtest.h>

namespace switchyard::surfaces::openai {
namespace {

std::variant<ChatRequest, ClientError> parse(std::string_view body) { return parseChatRequest(body); }

TEST(OpenAiChatRequest, ReadsModelStreamAndWhereTheModelSits) {
  const std::string body = R"({"model":"chat","stream":true,"messages":[]})";
  const auto result = parse(body);
  ASSERT_TRUE(std::holds_alternative<ChatRequest>(result));
  const auto& request = std::get<ChatRequest>(result);
  EXPECT_EQ(request.model, "chat");
  EXPECT_TRUE(request.stream);
  EXPECT_EQ(body.substr(request.model_span.begin, request.model_span.end - request.model_span.begin),
            R"("chat")");
}

TEST(OpenAiChatRequest, MalformedJsonIsA400) {
  const auto result = parse(R"({"model":)");
  ASSERT_TRUE(std::holds_alternative<ClientError>(result));
  EXPECT_EQ(std::get<ClientError>(result).status, 400);
}

TEST(OpenAiChatRequest, MissingOrNonStringModelNamesTheParam) {
  for (const char* body : {R"({"messages":[]})", R"({"model":42})", "[1]"}) {
    const auto result = parse(body);
    ASSERT_TRUE(std::holds_alternative<ClientError>(result)) << body;
  }
  EXPECT_EQ(std::get<ClientError>(parse(R"({"model":42})")).param, "model");
}

TEST(OpenAiChatRequest, ReadsOnlyTopLevelMembers) {
  const auto result = parse(R"({"messages":[{"model":"inner","stream":"x"}],"model":"outer"})");
  ASSERT_TRUE(std::holds_alternative<ChatRequest>(result));
  EXPECT_EQ(std::get<ChatRequest>(result).model, "outer");
  EXPECT_FALSE(std::get<ChatRequest>(result).stream);
}

TEST(OpenAiChatRequest, TrailingGarbageIsMalformed) {
  EXPECT_TRUE(std::holds_alternative<ClientError>(parse(R"({"model":"x"} {})")));
}

TEST(OpenAiChatRequest, EscapedModelNamesAreUnescaped) {
  const auto result = parse(R"({"model":"chat"})");
  ASSERT_TRUE(std::holds_alternative<ChatRequest>(result));
  EXPECT_EQ(std::get<ChatRequest>(result).model, "chat");
}

TEST(OpenAiChatRequest, NonBooleanStreamIsRejected) {
  EXPECT_TRUE(std::holds_alternative<ClientError>(parse(R"({"model":"x","stream":"yes"})")));
}

// Budget reservations bound the answer by the client's own limit, read by the routing probe.
TEST(OpenAiChatRequest, ReadsTheAnswersTokenBound) {
  const auto bound = [](std::string_view body) { return std::get<ChatRequest>(parse(body)).max_tokens; };
  EXPECT_EQ(bound(R"({"model":"x","max_tokens":256})"), 256);
  EXPECT_EQ(bound(R"({"model":"x","max_completion_tokens":512,"max_tokens":256})"), 512);
  EXPECT_EQ(bound(R"({"model":"x","metadata":{"max_tokens":9}})"), std::nullopt);  // top level only
  EXPECT_EQ(bound(R"({"model":"x","max_tokens":1.5})"), std::nullopt);
  EXPECT_EQ(bound(R"({"model":"x"})"), std::nullopt);
}

TEST(OpenAiChatRequest, ErrorsRenderInOpenAisShape) {
  ClientError error{400, "bad \"thing\"", "invalid_request_error", "model", {}};
  EXPECT_EQ(renderError(error),
            R"({"error":{"message":"bad \"thing\"","type":"invalid_request_error","param":"model","code":null}})");
}

}  // namespace
}  // namespace switchyard::surfaces::openai
