#include "sim/openai_responses.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <regex>

namespace switchyard::sim {
namespace {

namespace json = boost::json;

const CompletionMeta kMeta{"chatcmpl-abc", 1700000000, "gpt-4o-mini", "fp_0123456789"};
constexpr std::string_view kUsageJson =
    R"({"prompt_tokens":3,"completion_tokens":5,"total_tokens":8,)"
    R"("prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},)"
    R"("completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,)"
    R"("accepted_prediction_tokens":0,"rejected_prediction_tokens":0}})";

TEST(OpenAiResponses, CompletionHasOpenAisFieldsInOpenAisOrder) {
  const std::string expected =
      R"({"id":"chatcmpl-abc","object":"chat.completion","created":1700000000,)"
      R"("model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant",)"
      R"("content":"Hello there","refusal":null,"annotations":[]},"logprobs":null,)"
      R"("finish_reason":"stop"}],"usage":)" +
      std::string(kUsageJson) +
      R"(,"service_tier":"default","system_fingerprint":"fp_0123456789"})";
  EXPECT_EQ(completionJson(kMeta, "Hello there", kFinishStop, Usage{3, 5}), expected);
}

TEST(OpenAiResponses, ContentIsJsonEscaped) {
  const auto completion = json::parse(completionJson(kMeta, "a \"q\"\n", kFinishLength, Usage{}));
  EXPECT_EQ(completion.at("choices").at(0).at("message").at("content"), "a \"q\"\n");
  EXPECT_EQ(completion.at("choices").at(0).at("finish_reason"), "length");
}

TEST(OpenAiResponses, StreamChunksWithoutUsageOrObfuscation) {
  StreamChunks chunks(kMeta, false, false);
  const std::string head =
      R"({"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,)"
      R"("model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_0123456789",)";
  EXPECT_EQ(chunks.role(),
            head + R"("choices":[{"index":0,"delta":{"role":"assistant","content":"",)"
                   R"("refusal":null},"logprobs":null,"finish_reason":null}]})");
  EXPECT_EQ(chunks.content("Hello "),
            head + R"("choices":[{"index":0,"delta":{"content":"Hello "},"logprobs":null,)"
                   R"("finish_reason":null}]})");
  EXPECT_EQ(chunks.finish(kFinishStop),
            head + R"("choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]})");
}

// The invalid_utf8_after fault: the bytes go out raw inside the JSON string, not escaped or refused.
TEST(OpenAiResponses, StreamChunkCarriesInvalidUtf8AsIs) {
  StreamChunks chunks(kMeta, false, false);
  EXPECT_NE(chunks.content("from \xC3\x28\xFF").find("\"content\":\"from \xC3\x28\xFF\""), std::string::npos);
}

TEST(OpenAiResponses, IncludeUsageAddsNullUsageToEveryChunkAndAFinalUsageChunk) {
  StreamChunks chunks(kMeta, true, false);
  for (const std::string& chunk : {chunks.role(), chunks.content("x"), chunks.finish(kFinishStop)}) {
    const auto parsed = json::parse(chunk).as_object();
    ASSERT_TRUE(parsed.contains("usage")) << chunk;
    EXPECT_TRUE(parsed.at("usage").is_null());
  }
  const auto last = json::parse(chunks.usage(Usage{3, 5})).as_object();
  EXPECT_TRUE(last.at("choices").as_array().empty());
  EXPECT_EQ(json::serialize(last.at("usage")), kUsageJson);
  EXPECT_EQ(last.at("id"), "chatcmpl-abc");
}

TEST(OpenAiResponses, EveryChunkSharesIdCreatedModelAndFingerprint) {
  StreamChunks chunks(kMeta, true, true);
  for (const std::string& chunk :
       {chunks.role(), chunks.content("a"), chunks.finish(kFinishStop), chunks.usage(Usage{})}) {
    const auto parsed = json::parse(chunk).as_object();
    EXPECT_EQ(parsed.at("id"), "chatcmpl-abc");
    EXPECT_EQ(parsed.at("object"), "chat.completion.chunk");
    EXPECT_EQ(parsed.at("created"), 1700000000);
    EXPECT_EQ(parsed.at("model"), "gpt-4o-mini");
    EXPECT_EQ(parsed.at("system_fingerprint"), "fp_0123456789");
    EXPECT_FALSE(parsed.at("obfuscation").as_string().empty());
  }
}

TEST(OpenAiResponses, SseEventsAndDone) {
  EXPECT_EQ(sseEvent("{}"), "data: {}\n\n");
  EXPECT_EQ(kSseDone, "data: [DONE]\n\n");
}

TEST(OpenAiResponses, ErrorBodyHasNullParamAndCodeWhenAbsent) {
  EXPECT_EQ(errorJson(ErrorInfo{"m", "server_error", std::nullopt, std::nullopt}),
            R"({"error":{"message":"m","type":"server_error","param":null,"code":null}})");
  EXPECT_EQ(errorJson(ErrorInfo{"m", "invalid_request_error", "messages", "empty_array"}),
            R"({"error":{"message":"m","type":"invalid_request_error","param":"messages",)"
            R"("code":"empty_array"}})");
}

TEST(OpenAiResponses, StatusErrorsLookLikeOpenAis) {
  const ErrorInfo rate = errorForStatus(429, "gpt-4o");
  EXPECT_EQ(rate.type, "requests");
  EXPECT_EQ(rate.code, "rate_limit_exceeded");
  EXPECT_TRUE(rate.message.starts_with("Rate limit reached for gpt-4o"));
  const ErrorInfo overloaded = errorForStatus(503, "gpt-4o");
  EXPECT_EQ(overloaded.message, "The server is overloaded or not ready yet.");
  EXPECT_EQ(overloaded.type, "server_error");
  EXPECT_FALSE(overloaded.code);
  EXPECT_EQ(errorForStatus(401, "m").code, "invalid_api_key");
  EXPECT_EQ(errorForStatus(404, "gpt-9").code, "model_not_found");
  EXPECT_NE(errorForStatus(404, "gpt-9").message.find("`gpt-9`"), std::string::npos);
  EXPECT_EQ(errorForStatus(500, "m").type, "server_error");
  EXPECT_EQ(errorForStatus(529, "m").code, "overloaded");
  EXPECT_EQ(errorForStatus(418, "m").type, "invalid_request_error");
  EXPECT_EQ(errorForStatus(599, "m").type, "server_error");
}

TEST(OpenAiResponses, ModelListIsAnOpenAiList) {
  EXPECT_EQ(modelsJson({"a"}, 5),
            R"({"object":"list","data":[{"id":"a","object":"model","created":5,"owned_by":"system"}]})");
}

TEST(OpenAiResponses, IdsHaveOpenAisShape) {
  std::mt19937_64 random(42);
  EXPECT_TRUE(std::regex_match(newCompletionId(random), std::regex("chatcmpl-[A-Za-z0-9]{29}")));
  EXPECT_TRUE(std::regex_match(newRequestId(random), std::regex("req_[0-9a-f]{32}")));
  EXPECT_NE(newCompletionId(random), newCompletionId(random));
}

TEST(OpenAiResponses, FingerprintIsStablePerName) {
  EXPECT_EQ(fingerprintFor("alpha"), fingerprintFor("alpha"));
  EXPECT_NE(fingerprintFor("alpha"), fingerprintFor("beta"));
  EXPECT_TRUE(std::regex_match(fingerprintFor("alpha"), std::regex("fp_[0-9a-f]{10}")));
}

}  // namespace
}  // namespace switchyard::sim
