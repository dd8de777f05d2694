#include "canonical/usage_scan.h"

#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "canonical/json_validate.h"

namespace switchyard::canonical {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

std::string_view memberOf(std::string_view json, std::string_view key) {
  const auto span = findMemberFromEnd(json, key);
  if (!span) return "<none>";
  return json.substr(span->begin, span->end - span->begin);
}

// The body with the edit applied.
std::string applied(std::string_view body, const IncludeUsageEdit& edit) {
  if (!edit.splice) return std::string(body);
  std::string out(body.substr(0, edit.at.begin));
  out.append(edit.text).append(body.substr(edit.at.end));
  return out;
}

// --- findMemberFromEnd ---

TEST(UsageScan, FindsMembersFromTheEnd) {
  constexpr std::string_view kJson = R"( {"a":1, "b" : "two" ,"c":{"d":[1,{"e":2}]},"f":null } )";
  EXPECT_EQ(memberOf(kJson, "a"), "1");
  EXPECT_EQ(memberOf(kJson, "b"), R"("two")");
  EXPECT_EQ(memberOf(kJson, "c"), R"({"d":[1,{"e":2}]})");
  EXPECT_EQ(memberOf(kJson, "f"), "null");
  EXPECT_EQ(memberOf(kJson, "d"), "<none>");  // nested: not a member of the object
  EXPECT_EQ(memberOf(kJson, "e"), "<none>");
  EXPECT_EQ(memberOf(kJson, "zz"), "<none>");
}

TEST(UsageScan, IgnoresKeysInsideStringsAndNestedObjects) {
  // A string value whose text ends with "usage (escaped quote before it) and braces inside strings.
  constexpr std::string_view kJson =
      R"({"x":"say \"usage","y":{"usage":{"prompt_tokens":5}},"z":"}{\\","w":"\\\"usage\":1"})";
  EXPECT_EQ(memberOf(kJson, "usage"), "<none>");
  EXPECT_EQ(memberOf(kJson, "z"), R"("}{\\")");
  EXPECT_EQ(memberOf(kJson, "x"), R"("say \"usage")");
}

TEST(UsageScan, LastDuplicateWinsAndNonObjectsAreRefused) {
  EXPECT_EQ(memberOf(R"({"usage":1,"usage":2})", "usage"), "2");
  EXPECT_EQ(memberOf(R"([{"usage":1}])", "usage"), "<none>");
  EXPECT_EQ(memberOf(R"({"usage":1)", "usage"), "<none>");
  EXPECT_EQ(memberOf("", "usage"), "<none>");
  EXPECT_EQ(memberOf("{}", "usage"), "<none>");
}

// --- token counts ---

TEST(UsageScan, ReadsTokenCountsWithSaturation) {
  EXPECT_EQ(readTokenCount("0"), 0);
  EXPECT_EQ(readTokenCount("1234"), 1234);
  EXPECT_EQ(readTokenCount("9223372036854775807"), kMax);
  EXPECT_EQ(readTokenCount("9223372036854775808"), kMax);
  EXPECT_EQ(readTokenCount("123456789012345678901234567890"), kMax);
  EXPECT_EQ(readTokenCount("-5"), 0);
  EXPECT_EQ(readTokenCount("12.9"), 12);
  EXPECT_EQ(readTokenCount("1e3"), 1000);
  EXPECT_EQ(readTokenCount("1E400"), kMax);
  EXPECT_EQ(readTokenCount("-1e400"), 0);
  EXPECT_EQ(readTokenCount("null"), std::nullopt);
  EXPECT_EQ(readTokenCount(R"("12")"), std::nullopt);
  EXPECT_EQ(readTokenCount(""), std::nullopt);
}

// --- whole answers ---

TEST(UsageScan, OpenAiCompletionAsOpenAiWritesIt) {
  const std::string body =
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi \"usage\": {\"prompt_tokens\":1}",)"
      R"("refusal":null},"logprobs":null,"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,)"
      R"("prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},)"
      R"("completion_tokens_details":{"reasoning_tokens":4,"audio_tokens":0,"accepted_prediction_tokens":0,)"
      R"("rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_1"})";
  ASSERT_TRUE(isValidJson(body));
  Usage usage;
  ASSERT_TRUE(scanAnswerUsage(Dialect::OpenAi, body, usage));
  EXPECT_EQ(usage.input_tokens, 19);
  EXPECT_EQ(usage.output_tokens, 10);
  EXPECT_EQ(usage.cache_read_tokens, 3);
  EXPECT_EQ(usage.cache_write_tokens, 0);
  EXPECT_EQ(usage.reasoning_tokens, 4);
}

TEST(UsageScan, OpenAiKeyOrderAndSpacingDoNotMatter) {
  const std::string body = "{\n  \"usage\" : {\n    \"completion_tokens_details\": {\"reasoning_tokens\": 7},\n"
                           "    \"completion_tokens\": 20 ,\"prompt_tokens\":\t11,\n"
                           "    \"prompt_tokens_details\": null\n  },\n"
                           "  \"choices\": [{\"message\": {\"content\": \"{\\\"usage\\\":{}}\"}, "
                           "\"tool\": {\"usage\": {\"prompt_tokens\": 999}}}],\n  \"id\": \"x\"\n}\n";
  ASSERT_TRUE(isValidJson(body));
  Usage usage;
  ASSERT_TRUE(scanAnswerUsage(Dialect::OpenAi, body, usage));
  EXPECT_EQ(usage.input_tokens, 11);
  EXPECT_EQ(usage.output_tokens, 20);
  EXPECT_EQ(usage.cache_read_tokens, 0);
  EXPECT_EQ(usage.reasoning_tokens, 7);
}

TEST(UsageScan, AbsentOrNullUsageIsNotKnown) {
  Usage usage;
  EXPECT_FALSE(scanAnswerUsage(Dialect::OpenAi, R"({"id":"x","choices":[{"message":{"usage":{}}}]})", usage));
  EXPECT_FALSE(scanAnswerUsage(Dialect::OpenAi, R"({"id":"x","usage":null})", usage));
  EXPECT_FALSE(scanAnswerUsage(Dialect::Anthropic, R"({"type":"message","content":[]})", usage));
  EXPECT_FALSE(scanAnswerUsage(Dialect::Gemini, R"({"usage":{"prompt_tokens":1}})", usage));
  EXPECT_FALSE(scanAnswerUsage(Dialect::OpenAi, "not json", usage));
}

TEST(UsageScan, HugeAndOddNumbersSaturate) {
  Usage usage;
  ASSERT_TRUE(scanAnswerUsage(
      Dialect::OpenAi, R"({"usage":{"prompt_tokens":99999999999999999999999,"completion_tokens":-3}})", usage));
  EXPECT_EQ(usage.input_tokens, kMax);
  EXPECT_EQ(usage.output_tokens, 0);
}

TEST(UsageScan, AnthropicMessageAddsCacheTokensToInput) {
  const std::string body =
      R"({"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5",)"
      R"("content":[{"type":"tool_use","id":"toolu_01","name":"f","input":{"usage":{"input_tokens":5000}}}],)"
      R"("stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":12,)"
      R"("cache_creation_input_tokens":100,"cache_read_input_tokens":30,)"
      R"("cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":0},)"
      R"("output_tokens":44,"service_tier":"standard"}})";
  ASSERT_TRUE(isValidJson(body));
  Usage usage;
  ASSERT_TRUE(scanAnswerUsage(Dialect::Anthropic, body, usage));
  EXPECT_EQ(usage.input_tokens, 142);
  EXPECT_EQ(usage.output_tokens, 44);
  EXPECT_EQ(usage.cache_read_tokens, 30);
  EXPECT_EQ(usage.cache_write_tokens, 100);
}

TEST(UsageScan, AnthropicUsageBeforeContentStillFound) {
  const std::string body =
      R"({"usage":{"output_tokens":2,"input_tokens":9},"content":[{"type":"tool_use","input":)"
      R"({"usage":{"input_tokens":5000,"output_tokens":7}}}],"type":"message"})";
  Usage usage;
  ASSERT_TRUE(scanAnswerUsage(Dialect::Anthropic, body, usage));
  EXPECT_EQ(usage.input_tokens, 9);
  EXPECT_EQ(usage.output_tokens, 2);
}

TEST(UsageScan, AnthropicDeltaKeepsAbsentCounts) {
  Usage raw;
  ASSERT_TRUE(readAnthropicUsage(R"({"input_tokens":10,"cache_read_input_tokens":5,"output_tokens":1})", raw, false));
  ASSERT_TRUE(readAnthropicUsage(R"({"output_tokens":33,"input_tokens":null})", raw, true));
  EXPECT_EQ(raw.input_tokens, 10);
  EXPECT_EQ(raw.cache_read_tokens, 5);
  EXPECT_EQ(raw.output_tokens, 33);
  EXPECT_EQ(anthropicToCanonical(raw).input_tokens, 15);
}

// --- stream chunks ---

TEST(UsageScan, OpenAiUsageOnlyChunk) {
  const auto chunk = scanOpenAiChunkUsage(
      R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],)"
      R"("usage":{"prompt_tokens":4,"completion_tokens":6,"total_tokens":10},"obfuscation":"ab"})");
  EXPECT_TRUE(chunk.found);
  EXPECT_TRUE(chunk.usage_only);
  EXPECT_EQ(chunk.usage.input_tokens, 4);
  EXPECT_EQ(chunk.usage.output_tokens, 6);
  EXPECT_TRUE(scanOpenAiChunkUsage(R"({"choices":[ ],"usage":{"prompt_tokens":1}})").usage_only);
  EXPECT_TRUE(scanOpenAiChunkUsage(R"({"usage":{"prompt_tokens":1}})").usage_only);
}

TEST(UsageScan, OpenAiChunkWithChoicesAndUsageIsNotUsageOnly) {
  // vLLM may report usage beside the finish_reason: that chunk must reach the client.
  const auto chunk = scanOpenAiChunkUsage(
      R"({"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,)"
      R"("completion_tokens":6}})");
  EXPECT_TRUE(chunk.found);
  EXPECT_FALSE(chunk.usage_only);
}

TEST(UsageScan, OpenAiChunkWithNullOrNoUsage) {
  EXPECT_FALSE(scanOpenAiChunkUsage(R"({"choices":[{"delta":{"content":"max_tokens"}}],"usage":null})").found);
  EXPECT_FALSE(scanOpenAiChunkUsage(R"({"choices":[{"delta":{"content":"x"}}]})").found);
}

TEST(UsageScan, StreamMeterOpenAi) {
  StreamUsageMeter cut;
  for (int i = 0; i < 7; ++i) cut.addChunk();
  auto result = cut.result();
  EXPECT_TRUE(result.known);
  EXPECT_TRUE(result.estimated);
  EXPECT_EQ(result.usage.output_tokens, 7);  // a token a chunk
  EXPECT_EQ(result.usage.input_tokens, 0);

  StreamUsageMeter translated;  // decoded text: bytes / 4, rounded up
  translated.addText(10);
  EXPECT_EQ(translated.result().usage.output_tokens, 3);

  StreamUsageMeter whole;
  whole.addChunk();
  EXPECT_TRUE(whole.onOpenAiUsageChunk(scanOpenAiChunkUsage(
      R"({"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":6,"completion_tokens_details":{"reasoning_tokens":2}}})")));
  result = whole.result();
  EXPECT_TRUE(result.known);
  EXPECT_FALSE(result.estimated);
  EXPECT_EQ(result.usage.output_tokens, 6);
  EXPECT_EQ(result.usage.reasoning_tokens, 2);

  EXPECT_FALSE(StreamUsageMeter().result().known);
}

TEST(UsageScan, StreamMeterAnthropic) {
  constexpr std::string_view kStart =
      R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],)"
      R"("model":"claude","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,)"
      R"("cache_creation_input_tokens":0,"cache_read_input_tokens":10,"output_tokens":1}}})";
  constexpr std::string_view kDelta =
      R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},)"
      R"("usage":{"output_tokens":15}})";
  StreamUsageMeter whole;
  whole.onAnthropicMessageStart(kStart);
  whole.addText(400);
  whole.onAnthropicMessageDelta(kDelta);
  auto result = whole.result();
  EXPECT_TRUE(result.known);
  EXPECT_FALSE(result.estimated);
  EXPECT_EQ(result.usage.input_tokens, 35);
  EXPECT_EQ(result.usage.cache_read_tokens, 10);
  EXPECT_EQ(result.usage.output_tokens, 15);

  // Cut before message_delta: the prompt as reported, the output estimated from the text.
  StreamUsageMeter cut;
  cut.onAnthropicMessageStart(kStart);
  cut.addText(41);
  result = cut.result();
  EXPECT_TRUE(result.known);
  EXPECT_TRUE(result.estimated);
  EXPECT_EQ(result.usage.input_tokens, 35);
  EXPECT_EQ(result.usage.output_tokens, 11);
}

TEST(UsageScan, AnthropicDeltaTextBytes) {
  EXPECT_EQ(anthropicDeltaTextBytes(
                R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello \"x\""}})"),
            11u);
  EXPECT_EQ(anthropicDeltaTextBytes(
                R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a"}})"),
            4u);
  EXPECT_EQ(anthropicDeltaTextBytes(R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}})"),
            0u);
  EXPECT_EQ(anthropicDeltaTextBytes(R"({"type":"ping"})"), 0u);
}

// --- cost text ---

TEST(UsageScan, FormatsUsdWithoutExponent) {
  EXPECT_EQ(formatUsd(0.00012345), "0.00012345");
  EXPECT_EQ(formatUsd(5e-05), "0.00005");
  EXPECT_EQ(formatUsd(1.5), "1.5");
  EXPECT_EQ(formatUsd(12), "12");
  EXPECT_EQ(formatUsd(0), "0");
  EXPECT_EQ(formatUsd(-1), "0");
  EXPECT_EQ(formatUsd(1e-10), "0");  // below a nano-dollar
  EXPECT_EQ(formatUsd(1.23456789012), "1.23456789");
  EXPECT_EQ(formatUsd(1e15), "1000000000000000");
  EXPECT_EQ(formatUsd(123456.000000001), "123456.000000001");
  EXPECT_EQ(formatUsd(1e10), "10000000000");  // past the integer path: still plain
  EXPECT_EQ(formatUsd(1e300).find('e'), std::string::npos);
}

// --- asking for usage ---

TEST(UsageScan, IncludeUsageInsertedWhenAbsent) {
  constexpr std::string_view kBody = R"( {"model":"m","stream":true,"messages":[{"role":"user","content":"stream_options"}]})";
  const auto edit = includeUsageEdit(kBody);
  EXPECT_TRUE(edit.splice);
  EXPECT_FALSE(edit.client_asked);
  const std::string out = applied(kBody, edit);
  EXPECT_EQ(out, R"( {"stream_options":{"include_usage":true},"model":"m","stream":true,"messages":[{"role":"user","content":"stream_options"}]})");
  EXPECT_TRUE(isValidJson(out));
}

TEST(UsageScan, IncludeUsageMergedIntoStreamOptions) {
  constexpr std::string_view kBody = R"({"model":"m","stream_options":{"include_obfuscation":false},"stream":true})";
  const auto edit = includeUsageEdit(kBody);
  EXPECT_TRUE(edit.splice);
  EXPECT_EQ(applied(kBody, edit),
            R"({"model":"m","stream_options":{"include_usage":true,"include_obfuscation":false},"stream":true})");

  constexpr std::string_view kEmpty = R"({"model":"m","stream_options":{ },"stream":true})";
  const std::string out = applied(kEmpty, includeUsageEdit(kEmpty));
  EXPECT_EQ(out, R"({"model":"m","stream_options":{"include_usage":true },"stream":true})");
  EXPECT_TRUE(isValidJson(out));

  constexpr std::string_view kNull = R"({"model":"m","stream_options":null})";
  EXPECT_EQ(applied(kNull, includeUsageEdit(kNull)), R"({"model":"m","stream_options":{"include_usage":true}})");
}

TEST(UsageScan, IncludeUsageFalseOrNullBecomesTrue) {
  constexpr std::string_view kFalse = R"({"model":"m","stream_options":{"include_usage":false,"x":1}})";
  auto edit = includeUsageEdit(kFalse);
  EXPECT_TRUE(edit.splice);
  EXPECT_FALSE(edit.client_asked);
  EXPECT_EQ(applied(kFalse, edit), R"({"model":"m","stream_options":{"include_usage":true,"x":1}})");
  constexpr std::string_view kNull = R"({"model":"m","stream_options":{"include_usage" : null}})";
  EXPECT_EQ(applied(kNull, includeUsageEdit(kNull)), R"({"model":"m","stream_options":{"include_usage" : true}})");
}

TEST(UsageScan, IncludeUsageTrueIsTheClients) {
  constexpr std::string_view kBody = R"({"model":"m","stream_options":{"include_usage":true},"stream":true})";
  const auto edit = includeUsageEdit(kBody);
  EXPECT_FALSE(edit.splice);
  EXPECT_TRUE(edit.client_asked);
}

TEST(UsageScan, IncludeUsageLeavesOddStreamOptionsAlone) {
  const auto edit = includeUsageEdit(R"({"model":"m","stream_options":"yes"})");
  EXPECT_FALSE(edit.splice);
  EXPECT_FALSE(edit.client_asked);
  // Only a nested stream_options: the top level still gets its own.
  constexpr std::string_view kNested = R"({"model":"m","metadata":{"stream_options":{"include_usage":true}}})";
  const auto nested = includeUsageEdit(kNested);
  EXPECT_TRUE(nested.splice);
  EXPECT_FALSE(nested.client_asked);
  EXPECT_EQ(nested.at.begin, 1u);
}

}  // namespace
}  // namespace switchyard::canonical
