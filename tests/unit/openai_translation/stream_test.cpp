// Streams: OpenAI-shaped upstream SSE (<case>.upstream.sse) decoded by the codec, fed in small
// random slices, into canonical events (-> <case>.events.txt), then encoded by the surface for an
// OpenAI client (-> <case>.client.sse; "created" normalised to 0, ids kept from the upstream).
#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "providers/openai/codec.h"
#include "surfaces/openai/translate.h"
#include "test_support.h"

namespace switchyard::openai_translation_test {
namespace {

std::unique_ptr<canonical::StreamDecoder> decoder() {
  config::Provider provider;
  provider.kind = "openai";
  provider.endpoint = {true, "api.openai.com", 443, "/v1"};
  return providers::openai::makeOpenAiCodec(provider, "m")->streamDecoder();
}

// Feeds `body` as a connection would: a few bytes at a time, keeping what the decoder left.
canonical::DecodeState feed(std::string_view body, canonical::StreamDecoder& decoder, RecordingSink& sink,
                            unsigned seed, bool end = true) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<std::size_t> slice(1, 17);
  std::string buffered;
  std::size_t offset = 0;
  while (offset < body.size() && decoder.state() == canonical::DecodeState::More) {
    const std::size_t n = std::min(slice(random), body.size() - offset);
    buffered.append(body.substr(offset, n));
    offset += n;
    buffered.erase(0, decoder.decode(buffered, sink));
  }
  if (end && decoder.state() == canonical::DecodeState::More) decoder.endOfBody(sink);
  return decoder.state();
}

// Creation times and generated ids differ per run.
std::string normalised(std::string sse) {
  sse = std::regex_replace(sse, std::regex(R"("created":\d+)"), R"("created":0)");
  return std::regex_replace(sse, std::regex(R"re("chatcmpl-[A-Za-z0-9]{29}")re"), R"("chatcmpl-GENERATED")");
}

class StreamGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(StreamGolden, DecodesInAnySlicingAndReEncodesAsOpenAiStreams) {
  const std::string body = readGolden(GetParam() + ".upstream.sse");
  std::string first;
  for (unsigned seed = 1; seed <= 20; ++seed) {
    auto decoding = decoder();
    RecordingSink sink;
    ASSERT_EQ(feed(body, *decoding, sink, seed), canonical::DecodeState::Done) << decoding->error().message;
    if (seed == 1)
      first = sink.joined();
    else
      ASSERT_EQ(sink.joined(), first) << "slicing changed the events (seed " << seed << ")";
    if (seed > 1) continue;
    expectGolden(GetParam() + ".events.txt", sink.joined());
    auto encoder = surfaces::openai::makeStreamEncoder(true);
    std::string out;
    for (const auto& event : sink.events) encoder->encode(event, out);
    encoder->finish(out);
    expectGolden(GetParam() + ".client.sse", normalised(out));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, StreamGolden, ::testing::Values("text", "tool_calls", "vllm"));

TEST(OpenAiStreamDecoder, EmitsUsageAfterFinishEvenWhenItComesFirst) {
  auto decoding = decoder();
  RecordingSink sink;
  feed(
      "data: {\"id\":\"x\",\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n\n"
      "data: "
      "{\"id\":\"x\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":"
      "\"length\"}]}\n\n"
      "data: [DONE]\n\n",
      *decoding, sink, 3);
  EXPECT_EQ(sink.joined(),
            "start id=\"x\" model=\"m\"\ntext \"a\"\nfinish max_tokens\nusage input=1 output=2 cache_read=0\n");
}

TEST(OpenAiStreamDecoder, TrailingDoneWithoutBlankLineCountsAsDone) {
  auto decoding = decoder();
  RecordingSink sink;
  EXPECT_EQ(
      feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}]}\n\ndata: "
           "[DONE]",
           *decoding, sink, 5),
      canonical::DecodeState::Done);
}

TEST(OpenAiStreamDecoder, BodyEndingWithoutDoneIsMalformed) {
  auto decoding = decoder();
  RecordingSink sink;
  EXPECT_EQ(feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}\n\n",
                 *decoding, sink, 5),
            canonical::DecodeState::Malformed);
  EXPECT_NE(decoding->error().message.find("[DONE]"), std::string_view::npos);
}

TEST(OpenAiStreamDecoder, BodyEndingMidEventWithoutDoneIsMalformed) {
  auto decoding = decoder();
  RecordingSink sink;
  EXPECT_EQ(feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}]}\n\n"
                 "data: {\"choices\":[{\"index\":0,\"delta\":{},",
                 *decoding, sink, 5),
            canonical::DecodeState::Malformed);
}

// A server that lost its generation midway may still close the stream with [DONE]: without a
// finish_reason that is half an answer, not a whole one.
TEST(OpenAiStreamDecoder, DoneWithoutAFinishReasonIsMalformed) {
  for (unsigned seed = 1; seed <= 10; ++seed) {
    auto decoding = decoder();
    RecordingSink sink;
    EXPECT_EQ(feed("data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},"
                   "\"finish_reason\":null}]}\n\n"
                   "data: {\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\n"
                   "data: [DONE]\n\n",
                   *decoding, sink, seed),
              canonical::DecodeState::Malformed)
        << "seed " << seed;
    EXPECT_EQ(decoding->error().message,
              "The upstream stream is malformed: the stream ended without a finish_reason.");
    EXPECT_EQ(decoding->error().status, 502);
    EXPECT_EQ(sink.joined(), "start id=\"x\" model=\"\"\ntext \"a\"\n");  // no finish, no usage made up
  }
}

TEST(OpenAiStreamDecoder, DoneAloneIsMalformed) {
  auto decoding = decoder();
  RecordingSink sink;
  EXPECT_EQ(feed("data: [DONE]\n\n", *decoding, sink, 1), canonical::DecodeState::Malformed);
  EXPECT_TRUE(sink.lines.empty());
}

TEST(OpenAiStreamDecoder, FinishReasonOfAToolCallThenDoneIsDone) {
  auto decoding = decoder();
  RecordingSink sink;
  EXPECT_EQ(feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\","
                 "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n"
                 "data: [DONE]\n\n",
                 *decoding, sink, 8),
            canonical::DecodeState::Done);
  EXPECT_EQ(sink.lines.back(), "finish tool_use");
}

TEST(OpenAiStreamDecoder, EventThatIsNotJsonIsMalformed) {
  auto decoding = decoder();
  RecordingSink sink;
  EXPECT_EQ(feed("data: {\"choices\":[\n\ndata: [DONE]\n\n", *decoding, sink, 2), canonical::DecodeState::Malformed);
}

TEST(OpenAiStreamDecoder, ErrorEventInsideTheStreamIsAnError) {
  auto decoding = decoder();
  RecordingSink sink;
  EXPECT_EQ(feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
                 "data: {\"error\":{\"message\":\"The server had an "
                 "error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n",
                 *decoding, sink, 4, false),
            canonical::DecodeState::Error);
  EXPECT_EQ(decoding->error().category, canonical::ErrorCategory::Server);
  EXPECT_EQ(decoding->error().message, "The server had an error");
}

TEST(OpenAiStreamDecoder, RefusalDeltasAreTextAndEndAsContentFilter) {
  auto decoding = decoder();
  RecordingSink sink;
  feed(
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\"No.\"},\"finish_reason\":null}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
      *decoding, sink, 9);
  EXPECT_EQ(sink.joined(), "start id=\"\" model=\"\"\ntext \"No.\"\nfinish content_filter\n");
}

TEST(OpenAiStreamEncoder, WithoutIncludeUsageHasNoUsageAnywhere) {
  auto encoder = surfaces::openai::makeStreamEncoder(false);
  std::string out;
  canonical::StreamEvent event;
  event.type = canonical::EventType::Start;
  event.id = "chatcmpl-1";
  event.name = "m";
  encoder->encode(event, out);
  event = {};
  event.type = canonical::EventType::TextDelta;
  event.text = "hi";
  encoder->encode(event, out);
  event = {};
  event.type = canonical::EventType::Finish;
  encoder->encode(event, out);
  event = {};
  event.type = canonical::EventType::Usage;
  event.usage.input_tokens = 3;
  encoder->encode(event, out);
  encoder->finish(out);
  EXPECT_EQ(out.find("usage"), std::string::npos) << out;
  EXPECT_EQ(
      normalised(out),
      "data: "
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"m\",\"service_tier\":"
      "\"default\",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":"
      "\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
      "data: "
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"m\",\"service_tier\":"
      "\"default\",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"logprobs\":"
      "null,"
      "\"finish_reason\":null}]}\n\n"
      "data: "
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"m\",\"service_tier\":"
      "\"default\",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
      "\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]\n\n");
}

TEST(OpenAiStreamEncoder, GeneratesOneIdForEveryChunkWhenTheUpstreamHasNone) {
  auto encoder = surfaces::openai::makeStreamEncoder(true);
  std::string out;
  canonical::StreamEvent event;
  event.type = canonical::EventType::Start;
  encoder->encode(event, out);
  event.type = canonical::EventType::TextDelta;
  event.text = "x";
  encoder->encode(event, out);
  encoder->finish(out);
  std::smatch match;
  ASSERT_TRUE(std::regex_search(out, match, std::regex(R"re("id":"(chatcmpl-[A-Za-z0-9]{29})")re")));
  const std::string id = match[1];
  std::size_t count = 0;
  for (std::size_t at = out.find(id); at != std::string::npos; at = out.find(id, at + 1)) ++count;
  EXPECT_EQ(count, 3u);  // role chunk, text chunk, usage chunk
}

TEST(OpenAiStreamEncoder, FailWritesAnErrorEventAndNoDone) {
  auto encoder = surfaces::openai::makeStreamEncoder(true);
  std::string out;
  canonical::Error error;
  error.category = canonical::ErrorCategory::Overloaded;
  error.status = 503;
  error.message = "busy";
  encoder->fail(error, out);
  EXPECT_EQ(out, "data: {\"error\":{\"message\":\"busy\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n");
}

}  // namespace
}  // namespace switchyard::openai_translation_test
