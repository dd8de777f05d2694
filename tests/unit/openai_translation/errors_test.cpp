// Errors: upstream OpenAI/vLLM/Ollama error bodies read into canonical categories by the codec, and
// canonical errors of every category rendered for an OpenAI client by the surface.
#include <gtest/gtest.h>

#include "providers/openai/codec.h"
#include "surfaces/openai/translate.h"
#include "test_support.h"

namespace switchyard::openai_translation_test {
namespace {

using canonical::ErrorCategory;

canonical::Error decode(int status, std::string_view body, canonical::Arena& arena) {
  config::Provider provider;
  provider.kind = "openai";
  provider.endpoint = {true, "api.openai.com", 443, "/v1"};
  return providers::openai::makeOpenAiCodec(provider, "m")->decodeError(status, body, arena);
}

std::string openAiError(std::string_view message, std::string_view type, std::string_view code) {
  return R"({"error":{"message":")" + std::string(message) + R"(","type":")" + std::string(type) +
         R"(","param":null,"code":)" + (code.empty() ? std::string("null") : "\"" + std::string(code) + "\"") + "}}";
}

TEST(OpenAiDecodeError, ReadsEachCategoryFromOpenAiBodies) {
  struct Case {
    int status;
    std::string body;
    ErrorCategory category;
    int client_status;
  };
  const Case cases[] = {
      {400, openAiError("Invalid value for 'temperature'", "invalid_request_error", ""), ErrorCategory::InvalidRequest,
       400},
      {400,
       openAiError("This model's maximum context length is 128000 tokens.", "invalid_request_error",
                   "context_length_exceeded"),
       ErrorCategory::ContextLengthExceeded, 400},
      {401, openAiError("Incorrect API key provided", "invalid_request_error", "invalid_api_key"),
       ErrorCategory::Authentication, 401},
      {403,
       openAiError("Country, region, or territory not supported", "request_forbidden",
                   "unsupported_country_region_territory"),
       ErrorCategory::PermissionDenied, 403},
      {404, openAiError("The model `x` does not exist", "invalid_request_error", "model_not_found"),
       ErrorCategory::NotFound, 404},
      {413, openAiError("Request too large", "invalid_request_error", ""), ErrorCategory::RequestTooLarge, 413},
      {429, openAiError("Rate limit reached", "requests", "rate_limit_exceeded"), ErrorCategory::RateLimited, 429},
      {429, openAiError("You exceeded your current quota", "insufficient_quota", "insufficient_quota"),
       ErrorCategory::RateLimited, 429},
      {500, openAiError("The server had an error", "server_error", ""), ErrorCategory::Server, 500},
      {502, "<html>Bad gateway</html>", ErrorCategory::Server, 500},
      {503, openAiError("The server is overloaded", "server_error", ""), ErrorCategory::Overloaded, 503},
      {529, openAiError("overloaded", "server_error", "overloaded"), ErrorCategory::Overloaded, 503},
      {504, "", ErrorCategory::Timeout, 504},
  };
  for (const auto& c : cases) {
    canonical::Arena arena;
    const auto error = decode(c.status, c.body, arena);
    EXPECT_EQ(error.category, c.category) << c.status << " " << c.body;
    EXPECT_EQ(error.status, c.client_status) << c.body;
    EXPECT_FALSE(error.message.empty()) << c.body;
  }
}

TEST(OpenAiDecodeError, KeepsMessageParamAndCode) {
  canonical::Arena arena;
  const auto error = decode(
      400, R"({"error":{"message":"bad","type":"invalid_request_error","param":"messages[1]","code":"invalid_value"}})",
      arena);
  EXPECT_EQ(error.message, "bad");
  EXPECT_EQ(error.param, "messages[1]");
  EXPECT_EQ(error.code, "invalid_value");
}

TEST(OpenAiDecodeError, ReadsVllmFlatErrorsAndFindsContextOverflowInTheMessage) {
  canonical::Arena arena;
  const auto error = decode(
      400,
      R"({"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.","type":"BadRequestError","param":null,"code":400})",
      arena);
  EXPECT_EQ(error.category, ErrorCategory::ContextLengthExceeded);
  EXPECT_EQ(error.code, "");  // vLLM's numeric code is not a code
  const auto llama = decode(
      400,
      R"({"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error"}})",
      arena);
  EXPECT_EQ(llama.category, ErrorCategory::ContextLengthExceeded);
}

TEST(OpenAiDecodeError, ReadsOllamaStringErrorsAndPlainText) {
  canonical::Arena arena;
  const auto ollama = decode(404, R"({"error":"model \"llama9\" not found, try pulling it first"})", arena);
  EXPECT_EQ(ollama.category, ErrorCategory::NotFound);
  EXPECT_EQ(ollama.message, "model \"llama9\" not found, try pulling it first");
  const auto plain = decode(500, "  upstream connect error\n", arena);
  EXPECT_EQ(plain.message, "upstream connect error\n");
  const auto empty = decode(502, "", arena);
  EXPECT_EQ(empty.message, "The upstream provider answered with HTTP status 502.");
}

canonical::Error errorOf(ErrorCategory category, std::string_view message = "m") {
  canonical::Error error;
  error.category = category;
  error.message = message;
  return error;
}

TEST(OpenAiRenderError, RendersEveryCategoryAsOpenAiDoes) {
  using surfaces::openai::clientStatus;
  using surfaces::openai::renderErrorBody;
  const std::tuple<ErrorCategory, int, std::string> cases[] = {
      {ErrorCategory::InvalidRequest, 400,
       R"({"error":{"message":"m","type":"invalid_request_error","param":null,"code":null}})"},
      {ErrorCategory::ContextLengthExceeded, 400,
       R"({"error":{"message":"m","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})"},
      {ErrorCategory::Authentication, 401,
       R"({"error":{"message":"m","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})"},
      {ErrorCategory::PermissionDenied, 403,
       R"({"error":{"message":"m","type":"permission_error","param":null,"code":null}})"},
      {ErrorCategory::NotFound, 404, R"({"error":{"message":"m","type":"not_found_error","param":null,"code":null}})"},
      {ErrorCategory::RequestTooLarge, 413,
       R"({"error":{"message":"m","type":"invalid_request_error","param":null,"code":null}})"},
      {ErrorCategory::RateLimited, 429,
       R"({"error":{"message":"m","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}})"},
      {ErrorCategory::Server, 500, R"({"error":{"message":"m","type":"server_error","param":null,"code":null}})"},
      {ErrorCategory::Overloaded, 503, R"({"error":{"message":"m","type":"server_error","param":null,"code":null}})"},
      {ErrorCategory::Timeout, 504, R"({"error":{"message":"m","type":"server_error","param":null,"code":null}})"},
  };
  for (const auto& [category, status, body] : cases) {
    const auto error = errorOf(category);
    EXPECT_EQ(clientStatus(error), status);
    EXPECT_EQ(renderErrorBody(error), body);
  }
}

TEST(OpenAiRenderError, KeepsParamAndCodeOfInvalidRequests) {
  auto error = errorOf(ErrorCategory::InvalidRequest, "Invalid type for 'messages[0].content'");
  error.param = "messages[0].content";
  error.code = "invalid_type";
  EXPECT_EQ(
      surfaces::openai::renderErrorBody(error),
      R"({"error":{"message":"Invalid type for 'messages[0].content'","type":"invalid_request_error","param":"messages[0].content","code":"invalid_type"}})");
}

TEST(OpenAiRenderError, ParseErrorsRenderWithTheirParam) {
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  const auto error = surfaces::openai::parseChatCompletion(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"input_audio"}]}]})", arena, request);
  ASSERT_TRUE(error);
  const auto body = boost::json::parse(surfaces::openai::renderErrorBody(*error)).as_object().at("error").as_object();
  EXPECT_EQ(body.at("param"), "messages[0].content[0].type");
  EXPECT_EQ(body.at("type"), "invalid_request_error");
  EXPECT_EQ(surfaces::openai::clientStatus(*error), 400);
}

}  // namespace
}  // namespace switchyard::openai_translation_test
