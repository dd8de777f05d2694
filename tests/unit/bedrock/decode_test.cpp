// Converse answers -> canonical responses (golden pairs *.response.json -> *.canonical.json), and
// Bedrock error answers -> canonical errors, status by status.
#include <gtest/gtest.h>

#include "canonical/arena.h"
#include "canonical/context_limit.h"
#include "canonical/json_writer.h"
#include "providers/bedrock/converse.h"
#include "test_support.h"

namespace switchyard::providers::bedrock {
namespace {

using canonical::ErrorCategory;

std::string render(const canonical::ChatResponse& response) {
  std::string out = R"({"id":)";
  canonical::appendQuoted(out, response.id);
  out += R"(,"model":)";
  canonical::appendQuoted(out, response.model);
  out += R"(,"finish":)";
  canonical::appendQuoted(out, testing::finishName(response.finish));
  out += R"(,"content":[)";
  for (std::size_t i = 0; i < response.content.size(); ++i) {
    const auto& part = response.content[i];
    if (i > 0) out += ',';
    if (part.type == canonical::PartType::Text) {
      out += R"({"type":"text","text":)";
      canonical::appendQuoted(out, part.text);
    } else {
      out += R"({"type":"tool_call","id":)";
      canonical::appendQuoted(out, part.id);
      out += R"(,"name":)";
      canonical::appendQuoted(out, part.name);
      out += R"(,"arguments":)";
      canonical::appendQuoted(out, part.arguments);
    }
    out += '}';
  }
  out += R"(],"usage":{"input_tokens":)";
  canonical::appendInt(out, response.usage.input_tokens);
  out += R"(,"output_tokens":)";
  canonical::appendInt(out, response.usage.output_tokens);
  out += R"(,"cache_read_tokens":)";
  canonical::appendInt(out, response.usage.cache_read_tokens);
  out += R"(,"cache_write_tokens":)";
  canonical::appendInt(out, response.usage.cache_write_tokens);
  out += "}}";
  return out;
}

void expectDecodesTo(const std::string& name) {
  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  ASSERT_TRUE(testing::haikuCodec()->decodeResponse(testing::readGolden(name + ".response.json"), arena,
                                                    response, why))
      << why;
  testing::expectSameJson(testing::readGolden(name + ".canonical.json"), render(response));
}

TEST(BedrockDecode, TextAnswer) { expectDecodesTo("answer_text"); }
TEST(BedrockDecode, ToolUseAnswerKeepsIdsAndInputJsonAndDropsReasoning) {
  expectDecodesTo("answer_tool_use");
}
TEST(BedrockDecode, CacheTokensAreCountedIntoInputTokens) { expectDecodesTo("answer_cache_usage"); }

TEST(BedrockDecode, StopReasonsMapToCanonicalFinishReasons) {
  const std::pair<std::string_view, canonical::FinishReason> cases[] = {
      {"end_turn", canonical::FinishReason::EndTurn},
      {"tool_use", canonical::FinishReason::ToolUse},
      {"max_tokens", canonical::FinishReason::MaxTokens},
      {"model_context_window_exceeded", canonical::FinishReason::MaxTokens},
      {"stop_sequence", canonical::FinishReason::StopSequence},
      {"guardrail_intervened", canonical::FinishReason::ContentFilter},
      {"content_filtered", canonical::FinishReason::ContentFilter},
      {"malformed_tool_use", canonical::FinishReason::EndTurn},
  };
  for (const auto& [stop_reason, finish] : cases) {
    canonical::Arena arena;
    canonical::ChatResponse response(arena);
    std::string why;
    const std::string body =
        R"({"output":{"message":{"role":"assistant","content":[{"text":"x"}]}},"stopReason":")" +
        std::string(stop_reason) + R"(","usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2}})";
    ASSERT_TRUE(testing::haikuCodec()->decodeResponse(body, arena, response, why));
    EXPECT_EQ(response.finish, finish) << stop_reason;
  }
}

TEST(BedrockDecode, BodyThatIsNotAConverseAnswerIsRejectedWithAReason) {
  for (const std::string_view body : {std::string_view("not json"), std::string_view(R"({"message":"x"})"),
                                      std::string_view(R"({"output":{"message":{"role":"assistant"}}})")}) {
    canonical::Arena arena;
    canonical::ChatResponse response(arena);
    std::string why;
    EXPECT_FALSE(testing::haikuCodec()->decodeResponse(body, arena, response, why)) << body;
    EXPECT_FALSE(why.empty());
  }
}

struct ErrorCase {
  int status;
  std::string_view body;
  int client_status;
  ErrorCategory category;
  std::string_view message;
};

TEST(BedrockErrors, EachStatusMapsToItsCategory) {
  const ErrorCase cases[] = {
      {400, R"({"message":"Malformed input request: #: required key [messages] not found"})", 400,
       ErrorCategory::InvalidRequest, "Malformed input request: #: required key [messages] not found"},
      {400, R"({"message":"Input is too long for requested model."})", 400,
       ErrorCategory::ContextLengthExceeded, "Input is too long for requested model."},
      {400, R"({"message":"The prompt exceeds the context window of the model"})", 400,
       ErrorCategory::ContextLengthExceeded, "The prompt exceeds the context window of the model"},
      {403, R"({"message":"The security token included in the request is invalid."})", 401,
       ErrorCategory::Authentication, "The security token included in the request is invalid."},
      {403, R"({"message":"The request signature we calculated does not match the signature you provided."})",
       401, ErrorCategory::Authentication,
       "The request signature we calculated does not match the signature you provided."},
      {403, R"({"Message":"You don't have access to the model with the specified model ID."})", 403,
       ErrorCategory::PermissionDenied, "You don't have access to the model with the specified model ID."},
      {404, R"({"message":"The provided model identifier is invalid."})", 404, ErrorCategory::NotFound,
       "The provided model identifier is invalid."},
      {408, R"({"message":"Model has timed out in processing the request."})", 504, ErrorCategory::Timeout,
       "Model has timed out in processing the request."},
      {413, R"({"message":"Input is too large."})", 413, ErrorCategory::RequestTooLarge,
       "Input is too large."},
      {424, R"({"message":"The model encountered an error."})", 500, ErrorCategory::Server,
       "The model encountered an error."},
      {429, R"({"message":"Too many requests, please wait before trying again."})", 429,
       ErrorCategory::RateLimited, "Too many requests, please wait before trying again."},
      {500, R"({"message":"Internal server error"})", 500, ErrorCategory::Server, "Internal server error"},
      {503, R"({"message":"Bedrock is unable to process your request."})", 503, ErrorCategory::Overloaded,
       "Bedrock is unable to process your request."},
      {502, "<html>Bad Gateway</html>", 500, ErrorCategory::Server, "<html>Bad Gateway</html>"},
  };
  for (const auto& c : cases) {
    canonical::Arena arena;
    const canonical::Error error = testing::haikuCodec()->decodeError(c.status, c.body, arena);
    EXPECT_EQ(error.status, c.client_status) << c.status << " " << c.body;
    EXPECT_EQ(error.category, c.category) << c.status << " " << c.body;
    EXPECT_EQ(error.message, c.message);
  }
}

TEST(BedrockErrors, ContextLengthErrorCarriesTheOpenAiCode) {
  canonical::Arena arena;
  const auto error = testing::haikuCodec()->decodeError(
      400, R"({"message":"Input is too long for requested model."})", arena);
  EXPECT_EQ(error.code, "context_length_exceeded");
}

TEST(BedrockErrors, EveryContextOverflowWordingIsContextLengthExceeded) {
  const std::vector<std::pair<std::string, std::optional<std::int64_t>>> cases{
      {"Input is too long for requested model.", std::nullopt},  // Bedrock states no limit
      {"prompt is too long: 208310 tokens > 200000 maximum", 200000},
      {"Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length",
       32768},
      {"This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.", 8192},
      {"The input token count (1234567) exceeds the maximum number of tokens allowed (1048576).", 1048576},
  };
  for (const auto& [message, limit] : cases) {
    canonical::Arena arena;
    const std::string body = R"({"message":")" + message + R"("})";
    const auto error = testing::haikuCodec()->decodeError(400, body, arena);
    EXPECT_EQ(error.category, ErrorCategory::ContextLengthExceeded) << message;
    EXPECT_EQ(error.code, "context_length_exceeded");
    EXPECT_EQ(canonical::contextLimitFromError(error.message), limit) << message;
    // Inside a stream the same words arrive as a validationException.
    EXPECT_EQ(errorOfException("validationException", message).category, ErrorCategory::ContextLengthExceeded);
  }
}

TEST(BedrockErrors, LongNonJsonBodyIsCutShort) {
  canonical::Arena arena;
  const std::string body(5000, 'x');
  const auto error = testing::haikuCodec()->decodeError(500, body, arena);
  EXPECT_LE(error.message.size(), 512u);
}

// Found by fuzz/bedrock_provider.cpp: a non-JSON error body's bytes were quoted as they were, and
// the client's error body was not JSON.
TEST(BedrockErrors, NonJsonBodyIsQuotedAsValidUtf8) {
  canonical::Arena arena;
  const canonical::Error error = testing::haikuCodec()->decodeError(500, "\nJt\xC3", arena);
  EXPECT_EQ(error.message, "\nJt\xEF\xBF\xBD");
}

// Found by fuzz/bedrock_provider.cpp (UBSan: "8.88889e+20 is outside the range of representable
// values of type 'long'"): a token count out of int64's range was converted as it was, and the
// counts added up past INT64_MAX. Counts are kept within +-2^53.
TEST(BedrockDecode, HugeTokenCountsAreClampedNotOverflowed) {
  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  ASSERT_TRUE(testing::haikuCodec()->decodeResponse(
      R"({"output":{"message":{"role":"assistant","content":[{"text":"Done."}]}},"stopReason":"end_turn",)"
      R"("usage":{"inputTokens":888888888888888888885,"cacheReadInputTokens":9223372036854775807,)"
      R"("cacheWriteInputTokens":18446744073709551615,"outputTokens":1e999}})",
      arena, response, why))
      << why;
  constexpr std::int64_t kMax = std::int64_t{1} << 53;
  EXPECT_EQ(response.usage.cache_read_tokens, kMax);
  EXPECT_EQ(response.usage.cache_write_tokens, kMax);
  EXPECT_EQ(response.usage.input_tokens, 3 * kMax);
  EXPECT_EQ(response.usage.output_tokens, kMax);
}

}  // namespace
}  // namespace switchyard::providers::bedrock
