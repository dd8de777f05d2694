// Gemini error bodies (google.rpc.Status) and non-JSON error answers in canonical terms.
#include <gtest/gtest.h>

#include "canonical/context_limit.h"
#include "gemini_test_support.h"
#include "providers/gemini/codec.h"

namespace switchyard::providers::gemini {
namespace {

using canonical::ErrorCategory;

std::string googleError(int code, std::string_view status, std::string_view message) {
  return "{\n  \"error\": {\n    \"code\": " + std::to_string(code) + ",\n    \"message\": \"" +
         std::string(message) + "\",\n    \"status\": \"" + std::string(status) + "\"\n  }\n}\n";
}

struct Case {
  int http;
  const char* token;
  const char* message;
  ErrorCategory category;
  int client_status;
};

TEST(ErrorTest, StatusTokensMapToCategories) {
  const Case cases[] = {
      {400, "INVALID_ARGUMENT", "Request contains an invalid argument.", ErrorCategory::InvalidRequest, 400},
      {400, "FAILED_PRECONDITION", "User location is not supported for the API use.",
       ErrorCategory::InvalidRequest, 400},
      {400, "INVALID_ARGUMENT",
       "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
       ErrorCategory::ContextLengthExceeded, 400},
      {400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
       ErrorCategory::Authentication, 401},
      {401, "UNAUTHENTICATED", "Request had invalid authentication credentials.",
       ErrorCategory::Authentication, 401},
      {403, "PERMISSION_DENIED", "The caller does not have permission", ErrorCategory::PermissionDenied, 403},
      {404, "NOT_FOUND", "models/nope is not found for API version v1beta", ErrorCategory::NotFound, 404},
      {429, "RESOURCE_EXHAUSTED", "You exceeded your current quota", ErrorCategory::RateLimited, 429},
      {500, "INTERNAL", "An internal error has occurred.", ErrorCategory::Server, 500},
      {503, "UNAVAILABLE", "The model is overloaded. Please try again later.", ErrorCategory::Overloaded,
       503},
      {504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.", ErrorCategory::Timeout,
       504},
  };
  const auto codec = makeGeminiCodec(testing::geminiProvider(), "gemini-2.5-flash");
  for (const auto& c : cases) {
    canonical::Arena arena;
    const auto error = codec->decodeError(c.http, googleError(c.http, c.token, c.message), arena);
    EXPECT_EQ(error.category, c.category) << c.token << ": " << c.message;
    EXPECT_EQ(error.status, c.client_status) << c.token;
    EXPECT_EQ(error.message, c.message);
  }
}

TEST(ErrorTest, ContextLengthAndBadKeyCarryMachineCodes) {
  const auto codec = makeGeminiCodec(testing::geminiProvider(), "m");
  canonical::Arena arena;
  EXPECT_EQ(codec
                ->decodeError(400,
                              googleError(400, "INVALID_ARGUMENT",
                                          "input token count exceeds the maximum number of tokens allowed"),
                              arena)
                .code,
            "context_length_exceeded");
  EXPECT_EQ(codec->decodeError(400, googleError(400, "INVALID_ARGUMENT", "API key not valid."), arena).code,
            "invalid_api_key");
}

TEST(ErrorTest, EveryContextOverflowWordingIsContextLengthExceeded) {
  struct Overflow {
    const char* token;
    std::string message;
    std::optional<std::int64_t> limit;
  };
  const Overflow cases[] = {
      {"INVALID_ARGUMENT", "The input token count (1234567) exceeds the maximum number of tokens allowed (1048576).",
       1048576},
      {"INVALID_ARGUMENT", "The input token count exceeds the maximum number of tokens allowed 1048576.", 1048576},
      // Vertex AI's partner models answer in their own words.
      {"INVALID_ARGUMENT", "prompt is too long: 208310 tokens > 200000 maximum", 200000},
      {"FAILED_PRECONDITION", "This model's maximum context length is 131072 tokens.", 131072},
      // A body without a status token is still read by its wording.
      {"", "The input token count (1234567) exceeds the maximum number of tokens allowed (1048576).", 1048576},
  };
  const auto codec = makeGeminiCodec(testing::geminiProvider(), "m");
  for (const auto& c : cases) {
    canonical::Arena arena;
    const std::string body = googleError(400, c.token, c.message);
    const auto error = codec->decodeError(400, body, arena);
    EXPECT_EQ(error.category, ErrorCategory::ContextLengthExceeded) << c.message;
    EXPECT_EQ(error.status, 400);
    EXPECT_EQ(error.code, "context_length_exceeded");
    EXPECT_EQ(canonical::contextLimitFromError(body), c.limit) << c.message;
  }
}

TEST(ErrorTest, ArrayWrappedErrorIsRead) {
  const auto codec = makeGeminiCodec(testing::geminiProvider(), "m");
  canonical::Arena arena;
  const auto error =
      codec->decodeError(429, "[" + googleError(429, "RESOURCE_EXHAUSTED", "quota") + "]", arena);
  EXPECT_EQ(error.category, ErrorCategory::RateLimited);
  EXPECT_EQ(error.message, "quota");
}

TEST(ErrorTest, NonJsonBodiesFallBackToHttpStatus) {
  const auto codec = makeGeminiCodec(testing::geminiProvider(), "m");
  const std::pair<int, ErrorCategory> cases[] = {
      {400, ErrorCategory::InvalidRequest},   {401, ErrorCategory::Authentication},
      {403, ErrorCategory::PermissionDenied}, {404, ErrorCategory::NotFound},
      {413, ErrorCategory::RequestTooLarge},  {429, ErrorCategory::RateLimited},
      {500, ErrorCategory::Server},           {502, ErrorCategory::Server},
      {503, ErrorCategory::Overloaded},       {504, ErrorCategory::Timeout},
  };
  for (const auto& [status, category] : cases) {
    canonical::Arena arena;
    const auto error = codec->decodeError(status, "<html>Bad Gateway</html>", arena);
    EXPECT_EQ(error.category, category) << status;
    EXPECT_EQ(error.message, "<html>Bad Gateway</html>");
  }
  canonical::Arena arena;
  const auto empty = codec->decodeError(502, "", arena);
  EXPECT_EQ(empty.status, 502);
  EXPECT_EQ(empty.message, "Gemini answered HTTP 502");
}

// Found by fuzz/gemini_provider.cpp (body "b\xFFz"): a non-JSON body's bytes were quoted as they
// were, and the client's error body was not JSON.
TEST(ErrorTest, NonJsonBodyIsQuotedAsValidUtf8) {
  const auto codec = makeGeminiCodec(testing::geminiProvider(), "m");
  canonical::Arena arena;
  EXPECT_EQ(codec->decodeError(403, "b\xFFz", arena).message, "b\xEF\xBF\xBDz");
}

}  // namespace
}  // namespace switchyard::providers::gemini
