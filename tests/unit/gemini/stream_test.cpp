// streamGenerateContent?alt=sse bodies decoded into canonical stream events, whatever the byte
// slicing of the body.
#include <gtest/gtest.h>

#include <random>

#include "gemini_test_support.h"
#include "providers/gemini/stream_decoder.h"

namespace switchyard::providers::gemini {
namespace {

using canonical::DecodeState;
using testing::RecordingSink;

// Feeds `body` in random slices of 1..max_slice bytes, as a socket would deliver it, then ends it.
DecodeState feedSliced(std::string_view body, RecordingSink& sink, std::uint64_t seed,
                       std::size_t max_slice = 17) {
  auto decoder = makeStreamDecoder();
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<std::size_t> slice(1, max_slice);
  std::string buffered;
  std::size_t offset = 0;
  while (offset < body.size() && decoder->state() == DecodeState::More) {
    const auto take = std::min(slice(random), body.size() - offset);
    buffered.append(body.substr(offset, take));
    offset += take;
    buffered.erase(0, decoder->decode(buffered, sink));
  }
  if (decoder->state() == DecodeState::More) decoder->endOfBody(sink);
  return decoder->state();
}

constexpr std::string_view kTextStream =
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hello\"}],\"role\": "
    "\"model\"},\"index\": 0}],"
    "\"usageMetadata\": {\"promptTokenCount\": 5,\"candidatesTokenCount\": 1,\"totalTokenCount\": 6},"
    "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"abc\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"think\", \"thought\": true},{\"text\": "
    "\" wörld\"}],"
    "\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": "
    "5,\"candidatesTokenCount\": 2,"
    "\"totalTokenCount\": 7},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"abc\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"\"}],\"role\": "
    "\"model\"},\"finishReason\": \"STOP\","
    "\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 5,\"candidatesTokenCount\": "
    "2,\"totalTokenCount\": 9,"
    "\"thoughtsTokenCount\": 2},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"abc\"}\r\n\r\n";

TEST(StreamTest, TextStreamInRandomSlicesGivesStartDeltasFinishUsage) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    RecordingSink sink;
    ASSERT_EQ(feedSliced(kTextStream, sink, seed), DecodeState::Done) << "seed " << seed;
    EXPECT_EQ(sink.text(), "Hello wörld");
    ASSERT_GE(sink.events.size(), 4u);
    EXPECT_EQ(sink.events.front(),
              (boost::json::object{{"type", "start"}, {"id", "abc"}, {"model", "gemini-2.5-flash"}}));
    const auto& finish = sink.events[sink.events.size() - 2];
    EXPECT_EQ(finish, (boost::json::object{{"type", "finish"}, {"finish", "end_turn"}}));
    EXPECT_EQ(sink.events.back().at("usage"), testing::usageJson({5, 4, 0, 0}));
  }
}

TEST(StreamTest, WholeFunctionCallsBecomeStartAndOneDelta) {
  const std::string body =
      "data: {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"name\": "
      "\"get_weather\",\"args\": "
      "{\"city\": \"Paris\"}}},{\"functionCall\": {\"id\": \"x9\", \"name\": \"get_time\"}}],\"role\": "
      "\"model\"},"
      "\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": "
      "7,\"candidatesTokenCount\": 5,"
      "\"totalTokenCount\": 12},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r1\"}\r\n\r\n";
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    RecordingSink sink;
    ASSERT_EQ(feedSliced(body, sink, seed, 9), DecodeState::Done);
    const boost::json::array expected{
        {{"type", "start"}, {"id", "r1"}, {"model", "gemini-2.5-flash"}},
        {{"type", "tool_call_start"}, {"index", 0}, {"id", "call_r1_0"}, {"name", "get_weather"}},
        {{"type", "tool_call_delta"}, {"index", 0}, {"arguments", "{\"city\":\"Paris\"}"}},
        {{"type", "tool_call_start"}, {"index", 1}, {"id", "x9"}, {"name", "get_time"}},
        {{"type", "tool_call_delta"}, {"index", 1}, {"arguments", "{}"}},
        {{"type", "finish"}, {"finish", "tool_use"}},
        {{"type", "usage"}, {"usage", testing::usageJson({7, 5, 0, 0})}},
    };
    EXPECT_EQ(sink.events, expected);
  }
}

TEST(StreamTest, MaxTokensAndLfSeparatorsAreAccepted) {
  RecordingSink sink;
  const std::string body =
      "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}]},\"finishReason\": "
      "\"MAX_TOKENS\"}],"
      "\"responseId\": \"q\"}\n\n";
  ASSERT_EQ(feedSliced(body, sink, 3), DecodeState::Done);
  EXPECT_EQ(sink.events[sink.events.size() - 1],
            (boost::json::object{{"type", "finish"}, {"finish", "max_tokens"}}));
}

TEST(StreamTest, BlockedPromptStreamFinishesWithContentFilter) {
  RecordingSink sink;
  const std::string body =
      "data: {\"promptFeedback\": {\"blockReason\": \"SAFETY\"},\"usageMetadata\": {\"promptTokenCount\": 3,"
      "\"totalTokenCount\": 3},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"b\"}\r\n\r\n";
  ASSERT_EQ(feedSliced(body, sink, 5), DecodeState::Done);
  ASSERT_EQ(sink.events.size(), 3u);
  EXPECT_EQ(sink.events[1], (boost::json::object{{"type", "finish"}, {"finish", "content_filter"}}));
}

TEST(StreamTest, ErrorObjectInsideTheStreamIsAnError) {
  RecordingSink sink;
  const std::string body =
      std::string(kTextStream.substr(0, kTextStream.find("\r\n\r\n") + 4)) +
      "data: {\"error\": {\"code\": 503,\"message\": \"The model is overloaded. Please try again later.\","
      "\"status\": \"UNAVAILABLE\"}}\r\n\r\n";
  auto decoder = makeStreamDecoder();
  decoder->decode(body, sink);
  ASSERT_EQ(decoder->state(), DecodeState::Error);
  EXPECT_EQ(decoder->error().category, canonical::ErrorCategory::Overloaded);
  EXPECT_EQ(decoder->error().status, 503);
  EXPECT_EQ(decoder->error().message, "The model is overloaded. Please try again later.");
  EXPECT_EQ(sink.text(), "Hello");
}

TEST(StreamTest, BrokenJsonIsMalformed) {
  RecordingSink sink;
  auto decoder = makeStreamDecoder();
  decoder->decode("data: {\"candidates\": [\r\n\r\n", sink);
  EXPECT_EQ(decoder->state(), DecodeState::Malformed);
  EXPECT_FALSE(decoder->error().message.empty());
}

TEST(StreamTest, BodyWithoutEventsIsMalformed) {
  RecordingSink sink;
  auto decoder = makeStreamDecoder();
  decoder->endOfBody(sink);
  EXPECT_EQ(decoder->state(), DecodeState::Malformed);
  EXPECT_TRUE(sink.events.empty());
}

// Gemini has no end marker: a body cut between two events ends as cleanly as a whole one, so only
// a finishReason tells a whole answer from half of one.
TEST(StreamTest, BodyEndingWithoutFinishReasonIsACut) {
  const std::string_view cut = kTextStream.substr(0, kTextStream.rfind("data: "));
  RecordingSink sink;
  auto decoder = makeStreamDecoder();
  EXPECT_EQ(decoder->decode(cut, sink), cut.size());
  ASSERT_EQ(decoder->state(), DecodeState::More);
  decoder->endOfBody(sink);
  ASSERT_EQ(decoder->state(), DecodeState::Malformed);
  EXPECT_EQ(decoder->error().message, "Gemini stream ended without finishReason");
  EXPECT_EQ(decoder->error().status, 502);
  EXPECT_EQ(sink.text(), "Hello wörld");  // what arrived was passed on; no finish was made up
  for (const auto& event : sink.events) EXPECT_NE(event.at("type"), "finish");
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    RecordingSink sliced;
    EXPECT_EQ(feedSliced(cut, sliced, seed), DecodeState::Malformed) << "seed " << seed;
  }
}

TEST(StreamTest, FinishReasonFollowedByAUsageOnlyEventThenEndIsDone) {
  RecordingSink sink;
  const std::string body =
      "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}]},\"finishReason\": \"STOP\"}],"
      "\"responseId\": \"u\"}\r\n\r\n"
      "data: {\"usageMetadata\": {\"promptTokenCount\": 2,\"candidatesTokenCount\": 1,\"totalTokenCount\": 3},"
      "\"responseId\": \"u\"}\r\n\r\n";
  ASSERT_EQ(feedSliced(body, sink, 7), DecodeState::Done);
  ASSERT_EQ(sink.events.size(), 4u);
  EXPECT_EQ(sink.events[2], (boost::json::object{{"type", "finish"}, {"finish", "end_turn"}}));
  EXPECT_EQ(sink.events[3].at("usage"), testing::usageJson({2, 1, 0, 0}));
}

TEST(StreamTest, FinishReasonOnAnyCandidateEndsTheAnswer) {
  RecordingSink sink;
  const std::string body =
      "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"A\"}]},\"index\": 0},"
      "{\"content\": {\"parts\": [{\"text\": \"B\"}]},\"finishReason\": \"STOP\",\"index\": 1}],"
      "\"responseId\": \"c\"}\r\n\r\n";
  EXPECT_EQ(feedSliced(body, sink, 11), DecodeState::Done);
}

TEST(StreamTest, EventsWithoutCandidatesOrFinishThenEndAreACut) {
  RecordingSink sink;
  const std::string body =
      "data: {\"usageMetadata\": {\"promptTokenCount\": 2,\"totalTokenCount\": 2},\"responseId\": \"e\"}\r\n\r\n";
  EXPECT_EQ(feedSliced(body, sink, 2), DecodeState::Malformed);
  ASSERT_EQ(sink.events.size(), 1u);  // Start only
}

TEST(StreamTest, IncompleteEventIsLeftBuffered) {
  RecordingSink sink;
  auto decoder = makeStreamDecoder();
  const std::string_view partial = kTextStream.substr(0, 40);
  EXPECT_EQ(decoder->decode(partial, sink), 0u);
  EXPECT_TRUE(sink.events.empty());
  EXPECT_EQ(decoder->state(), DecodeState::More);
}

}  // namespace
}  // namespace switchyard::providers::gemini
