// Errors: upstream OpenAI/vLLM/Ollama error bodies read into canonical categories by the codec, and
// canonical errors of every category rendered for an OpenAI client by the surface.
#include <gtest/gtest.h>

#include "canonical/context_limit.h"
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

// Every OpenAI-compatible server's "the prompt does not fit" answer, in its own body shape: the
// category is ContextLengthExceeded and the window it states is read from the body.
TEST(OpenAiDecodeError, EveryServersContextOverflowIsContextLengthExceeded) {
  struct Case {
    std::string who;
    std::string body;
    std::optional<std::int64_t> limit;
  };
  const Case cases[] = {
      {"openai", openAiError("This model's maximum context length is 8192 tokens. However, you requested 9000 "
                             "tokens (8000 in the messages, 1000 in the completion).",
                             "invalid_request_error", "context_length_exceeded"),
       8192},
      {"vllm", R"({"object":"error","message":"This model's maximum context length is 4096 tokens. However, you )"
               R"(requested 1000 output tokens and your prompt contains at least 3500 input tokens.",)"
               R"("type":"BadRequestError","param":null,"code":400})",
       4096},
      {"vllm engine", R"({"object":"error","message":"The decoder prompt (length 5000) is longer than the maximum )"
                      R"(model length of 4096.","type":"BadRequestError","param":null,"code":400})",
       4096},
      {"deepseek", openAiError("This model's maximum context length is 65536 tokens. However, you requested 70000 "
                               "tokens (70000 in the messages, 0 in the completion).",
                               "invalid_request_error", ""),
       65536},
      {"mistral", R"({"object":"error","message":"Prompt contains 40000 tokens and 0 draft tokens, too large for )"
                  R"(model with 32768 maximum context length","type":"invalid_request_error","param":null,)"
                  R"("code":null})",
       32768},
      {"mistral (bare)", R"({"message":"Prompt contains 40000 tokens and 0 draft tokens, too large for model )"
                         R"(with 32768 maximum context length","type":"invalid_request_error"})",
       32768},
      {"llama.cpp", R"j({"error":{"code":400,"message":"request (9000 tokens) exceeds the available context size )j"
                    R"j((4096 tokens)","type":"exceed_context_size_error","n_prompt_tokens":9000,"n_ctx":4096}})j",
       4096},
      {"llama.cpp (type only)", R"({"error":{"code":400,"message":"try increasing it",)"
                                R"("type":"exceed_context_size_error","n_prompt_tokens":9000,"n_ctx":4096}})",
       4096},
      {"ollama", R"({"error":"prompt too long; exceeded max context length by 4096 tokens"})", std::nullopt},
      {"ollama (input)", R"({"error":"the input length exceeds the context length"})", std::nullopt},
      {"openrouter", R"({"error":{"message":"This endpoint's maximum context length is 200000 tokens. However, )"
                     R"(you requested about 250000 tokens.","code":400}})",
       200000},
      {"plain text", "Input length 1581 exceeds context length 1500", 1500},
  };
  for (const auto& c : cases) {
    canonical::Arena arena;
    const auto error = decode(400, c.body, arena);
    EXPECT_EQ(error.category, ErrorCategory::ContextLengthExceeded) << c.who;
    EXPECT_EQ(error.status, 400) << c.who;
    EXPECT_FALSE(error.message.empty()) << c.who;
    EXPECT_EQ(canonical::contextLimitFromError(c.body), c.limit) << c.who;
  }
  // The bare {"message":...} shape gives its message, not the whole body.
  canonical::Arena arena;
  const auto mistral = decode(400, R"({"message":"Prompt contains 9 tokens, too large for model with 8 maximum )"
                                   R"(context length"})", arena);
  EXPECT_EQ(mistral.message, "Prompt contains 9 tokens, too large for model with 8 maximum context length");
}

TEST(OpenAiDecodeError, ServerErrorsThatMentionContextStayServerErrors) {
  canonical::Arena arena;
  const auto error = decode(500, openAiError("maximum context length is 4096 tokens", "server_error", ""), arena);
  EXPECT_EQ(error.category, ErrorCategory::Server);
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

// Found by fuzz/openai_provider.cpp (input "\xD1\n"): a non-JSON error body with invalid UTF-8 was
// quoted as it was, and the OpenAI client's error body was not JSON.
TEST(OpenAiDecodeError, NonJsonBodyWithInvalidUtf8StillRendersAsJson) {
  canonical::Arena arena;
  const canonical::Error error = decode(403, "\xD1\n", arena);
  boost::system::error_code ec;
  boost::json::parse(surfaces::openai::renderErrorBody(error), ec);
  EXPECT_FALSE(ec) << surfaces::openai::renderErrorBody(error);
  EXPECT_EQ(error.message, "\xEF\xBF\xBD\n");
}

}  // namespace
}  // namespace switchyard::openai_translation_test
