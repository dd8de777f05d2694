#include "providers/openai/chat_endpoint.h"

#include <gtest/gtest.h>

namespace switchyard::providers::openai {
namespace {

TEST(OpenAiChatEndpoint, PrecomputesTheRequestHeadForATarget) {
  const auto endpoint = makeChatEndpoint(false, "127.0.0.1", 8000, "/v1", "sk-x", "meta-llama/Llama \"3\"");
  EXPECT_EQ(endpoint.path, "/v1/chat/completions");
  EXPECT_EQ(endpoint.quoted_model, R"("meta-llama/Llama \"3\"")");
  EXPECT_EQ(endpoint.request_head,
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nAuthorization: Bearer sk-x\r\n"
            "Content-Type: application/json\r\nUser-Agent: switchyard/0.1\r\n");
}

TEST(OpenAiChatEndpoint, OmitsDefaultPortsAndMissingKeys) {
  const auto endpoint = makeChatEndpoint(true, "api.openai.com", 443, "/v1", "", "gpt-4o");
  EXPECT_EQ(endpoint.host_header, "api.openai.com");
  EXPECT_EQ(endpoint.request_head.find("Authorization"), std::string::npos);
}

TEST(OpenAiChatEndpoint, HeadTailCarriesAcceptAndLength) {
  char out[kRequestHeadTailMax];
  const auto n = requestHeadTail(true, 1234567, out);
  EXPECT_EQ(std::string(out, n), "Accept: text/event-stream\r\nContent-Length: 1234567\r\n\r\n");
  const auto m = requestHeadTail(false, 0, out);
  EXPECT_EQ(std::string(out, m), "Accept: application/json\r\nContent-Length: 0\r\n\r\n");
}

}  // namespace
}  // namespace switchyard::providers::openai
