// Gemini generateContent answers read into canonical answers (golden files), and finish reasons.
#include <gtest/gtest.h>

#include "gemini_test_support.h"
#include "providers/gemini/codec.h"
#include "providers/gemini/response.h"

namespace switchyard::providers::gemini {
namespace {

using testing::expectSameJson;
using testing::readGolden;

std::string decodeGolden(const std::string& name) {
  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  const auto codec = makeGeminiCodec(testing::geminiProvider(), "gemini-2.5-flash");
  EXPECT_TRUE(codec->decodeResponse(readGolden(name + ".gemini.json"), arena, response, why)) << why;
  return testing::responseJson(response);
}

TEST(DecodeTest, TextPartsKeptThoughtsDroppedThoughtTokensCountAsOutput) {
  expectSameJson(decodeGolden("decode_text"), readGolden("decode_text.canonical.json"));
}

TEST(DecodeTest, FunctionCallsGetDeterministicIdsAndToolUseFinish) {
  expectSameJson(decodeGolden("decode_function_call"), readGolden("decode_function_call.canonical.json"));
}

TEST(DecodeTest, BlockedPromptIsContentFilterWithNoContent) {
  expectSameJson(decodeGolden("decode_blocked"), readGolden("decode_blocked.canonical.json"));
}

TEST(DecodeTest, UsageCountsToolPromptsCacheReadsAndMaxTokens) {
  expectSameJson(decodeGolden("decode_usage"), readGolden("decode_usage.canonical.json"));
}

TEST(DecodeTest, ThoughtTokensAreOutputAndKeptApartAsReasoning) {
  const auto usage = usageOf(boost::json::parse(readGolden("decode_usage.gemini.json")).at("usageMetadata").as_object());
  EXPECT_EQ(usage.input_tokens, 2030);
  EXPECT_EQ(usage.cache_read_tokens, 1500);
  EXPECT_EQ(usage.output_tokens, 20);
  EXPECT_EQ(usage.reasoning_tokens, 4);
}

TEST(DecodeTest, FinishReasonsMapToCanonical) {
  using canonical::FinishReason;
  EXPECT_EQ(finishReasonOf("STOP", false), FinishReason::EndTurn);
  EXPECT_EQ(finishReasonOf("STOP", true), FinishReason::ToolUse);
  EXPECT_EQ(finishReasonOf("MAX_TOKENS", false), FinishReason::MaxTokens);
  for (const auto* filtered :
       {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"}) {
    EXPECT_EQ(finishReasonOf(filtered, false), FinishReason::ContentFilter) << filtered;
  }
  EXPECT_EQ(finishReasonOf("OTHER", false), FinishReason::EndTurn);
  EXPECT_EQ(finishReasonOf("MALFORMED_FUNCTION_CALL", false), FinishReason::EndTurn);
  EXPECT_EQ(finishReasonOf("", false), FinishReason::EndTurn);
}

TEST(DecodeTest, CandidateSafetyFinishIsContentFilter) {
  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  ASSERT_TRUE(decodeGenerateContent(
      R"({"candidates":[{"finishReason":"SAFETY","index":0}],"responseId":"r"})", arena, response, why));
  EXPECT_EQ(response.finish, canonical::FinishReason::ContentFilter);
  EXPECT_TRUE(response.content.empty());
}

TEST(DecodeTest, BodiesThatAreNotGenerateContentResponsesAreRefused) {
  canonical::Arena arena;
  std::string why;
  for (const auto* body : {"not json", "[1,2]", R"({"foo":1})"}) {
    canonical::ChatResponse response(arena);
    EXPECT_FALSE(decodeGenerateContent(body, arena, response, why)) << body;
    EXPECT_FALSE(why.empty());
  }
}

// The pattern fuzz/bedrock_provider.cpp found in Bedrock's decoder, here too: promptTokenCount plus
// toolUsePromptTokenCount could add up past INT64_MAX (undefined). Counts are kept within +-2^53.
TEST(DecodeTest, HugeTokenCountsAreClampedNotOverflowed) {
  canonical::Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  const auto codec = makeGeminiCodec(testing::geminiProvider(), "gemini-2.5-flash");
  ASSERT_TRUE(codec->decodeResponse(
      R"({"candidates":[{"content":{"parts":[{"text":"x"}],"role":"model"},"finishReason":"STOP"}],)"
      R"("usageMetadata":{"promptTokenCount":9223372036854775807,"toolUsePromptTokenCount":9223372036854775807,)"
      R"("candidatesTokenCount":18446744073709551615,"thoughtsTokenCount":1}})",
      arena, response, why))
      << why;
  constexpr std::int64_t kMax = std::int64_t{1} << 53;
  EXPECT_EQ(response.usage.input_tokens, 2 * kMax);
  EXPECT_EQ(response.usage.output_tokens, kMax + 1);
}

}  // namespace
}  // namespace switchyard::providers::gemini
