// Request heads and the max_tokens spelling per target: OpenAI (Bearer), OpenAI-compatible local
// servers, and Azure (deployment path, api-version, api-key).
#include <gtest/gtest.h>

#include "providers/openai/codec.h"
#include "surfaces/openai/translate.h"
#include "test_support.h"

namespace switchyard::openai_translation_test {
namespace {

struct Encoded {
  std::string head;
  std::string body;
};

Encoded encodeWith(const providers::TargetCodec& codec, std::string_view request_body) {
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  EXPECT_FALSE(surfaces::openai::parseChatCompletion(request_body, arena, request));
  Encoded out;
  EXPECT_FALSE(codec.encode(request, arena, out.head, out.body));
  return out;
}

constexpr std::string_view kRequest = R"({"model":"route","messages":[{"role":"user","content":"hi"}],"max_tokens":9})";
constexpr std::string_view kStreamRequest =
    R"({"model":"route","messages":[{"role":"user","content":"hi"}],"stream":true})";

TEST(OpenAiCodecHead, OpenAiTargetGetsBearerKeyAndMaxCompletionTokens) {
  config::Provider provider;
  provider.kind = "openai";
  provider.endpoint = {true, "api.openai.com", 443, "/v1"};
  provider.api_key = "sk-live";
  const auto codec = providers::openai::makeOpenAiCodec(provider, "gpt-4o");
  EXPECT_EQ(codec->dialect(), canonical::Dialect::OpenAi);
  const auto out = encodeWith(*codec, kRequest);
  EXPECT_EQ(out.head,
            "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nAuthorization: Bearer sk-live\r\n"
            "Content-Type: application/json\r\nUser-Agent: switchyard/0.1\r\nAccept: application/json\r\n"
            "Content-Length: " +
                std::to_string(out.body.size()) + "\r\n\r\n");
  EXPECT_EQ(out.body, R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":9})");
}

TEST(OpenAiCodecHead, LocalServerGetsMaxTokensNoKeyAndAStreamWithUsage) {
  config::Provider provider;
  provider.kind = "vllm";
  provider.endpoint = {false, "127.0.0.1", 8000, "/v1"};
  const auto codec = providers::openai::makeOpenAiCodec(provider, "Qwen/Qwen2.5-7B");
  auto out = encodeWith(*codec, kRequest);
  EXPECT_EQ(out.head.find("Authorization"), std::string::npos);
  EXPECT_NE(out.head.find("Host: 127.0.0.1:8000\r\n"), std::string::npos);
  EXPECT_NE(out.body.find(R"("max_tokens":9)"), std::string::npos);
  out = encodeWith(*codec, kStreamRequest);  // the client did not ask for usage; the gateway does
  EXPECT_NE(out.head.find("Accept: text/event-stream\r\n"), std::string::npos);
  EXPECT_EQ(
      out.body,
      R"({"model":"Qwen/Qwen2.5-7B","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}})");
}

TEST(AzureCodecHead, AddressesTheDeploymentWithApiVersionAndApiKey) {
  config::Provider provider;
  provider.kind = "azure";
  provider.endpoint = {true, "myres.openai.azure.com", 443, ""};
  provider.api_key = "az-key";
  const auto codec = providers::openai::makeAzureCodec(provider, "gpt4o-prod");
  const auto out = encodeWith(*codec, kRequest);
  EXPECT_EQ(out.head,
            "POST /openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21 HTTP/1.1\r\n"
            "Host: myres.openai.azure.com\r\napi-key: az-key\r\nContent-Type: application/json\r\n"
            "User-Agent: switchyard/0.1\r\nAccept: application/json\r\nContent-Length: " +
                std::to_string(out.body.size()) + "\r\n\r\n");
  EXPECT_NE(out.body.find(R"("max_completion_tokens":9)"), std::string::npos);
}

TEST(AzureCodecHead, UsesTheConfiguredApiVersionAndEscapesTheDeployment) {
  config::Provider provider;
  provider.kind = "azure";
  provider.endpoint = {false, "localhost", 9000, "/proxy"};
  provider.api_version = "2025-01-01-preview";
  const auto codec = providers::openai::makeAzureCodec(provider, "my deployment");
  const auto out = encodeWith(*codec, kStreamRequest);
  EXPECT_TRUE(
      out.head.starts_with("POST /proxy/openai/deployments/my%20deployment/chat/completions?api-version="
                           "2025-01-01-preview HTTP/1.1\r\nHost: localhost:9000\r\nContent-Type"))
      << out.head;
  EXPECT_EQ(out.head.find("api-key"), std::string::npos);
}

TEST(OpenAiCodecBody, WritesToolResultsAsToolMessagesBeforeTheUserText) {
  config::Provider provider;
  provider.endpoint = {false, "localhost", 11434, "/v1"};
  const auto codec = providers::openai::makeOpenAiCodec(provider, "llama3");
  // A canonical user turn as the Anthropic surface builds it: results and text in one turn.
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  request.system.push_back("a");
  request.system.push_back("b");
  canonical::Part result;
  result.type = canonical::PartType::ToolResult;
  result.id = "toolu_1";
  result.text = "42";
  result.is_error = true;
  request.parts.push_back(result);
  canonical::Part text;
  text.text = "and?";
  request.parts.push_back(text);
  canonical::Part image;
  image.type = canonical::PartType::Image;
  image.image.media_type = "image/jpeg";
  image.image.data = "AAAA";
  request.parts.push_back(image);
  request.addMessage(canonical::Role::User, 0);
  request.top_k = 5;  // dropped: OpenAI has no top_k
  std::string head, body;
  ASSERT_FALSE(codec->encode(request, arena, head, body));
  EXPECT_EQ(
      body,
      R"({"model":"llama3","messages":[{"role":"system","content":"a\n\nb"},)"
      R"({"role":"tool","tool_call_id":"toolu_1","content":"42"},)"
      R"({"role":"user","content":[{"type":"text","text":"and?"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,AAAA"}}]}]})");
}

TEST(OpenAiCodecBody, RefusesToolResultsInAssistantTurns) {
  config::Provider provider;
  provider.endpoint = {false, "localhost", 8000, "/v1"};
  const auto codec = providers::openai::makeOpenAiCodec(provider, "m");
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  canonical::Part result;
  result.type = canonical::PartType::ToolResult;
  request.parts.push_back(result);
  request.addMessage(canonical::Role::Assistant, 0);
  std::string head, body;
  const auto error = codec->encode(request, arena, head, body);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->param, "messages");
}

}  // namespace
}  // namespace switchyard::openai_translation_test
