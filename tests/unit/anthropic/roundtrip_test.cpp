// Golden round trips through both sides of the Anthropic dialect: a client's Messages request read
// by the surface and re-encoded by the provider codec for an Anthropic upstream; an upstream
// Message decoded by the codec and rendered by the surface; an upstream stream decoded in random
// slices and re-encoded event by event.
#include <gtest/gtest.h>

#include <random>

#include "providers/anthropic/codec.h"
#include "surfaces/anthropic/messages.h"
#include "test_support.h"

namespace switchyard::anthropic_test {
namespace {

using canonical::Arena;
using canonical::ChatRequest;
using canonical::ChatResponse;

config::Provider anthropicProvider() {
  config::Provider provider;
  provider.name = "claude";
  provider.kind = "anthropic";
  provider.endpoint = config::Endpoint{true, "api.anthropic.com", 443, ""};
  provider.api_key = "sk-ant-test";
  return provider;
}

std::string reencodeRequest(const std::string& client_body) {
  Arena arena;
  ChatRequest request(arena);
  const auto error = surfaces::anthropic::parseMessagesRequest(client_body, arena, request);
  EXPECT_FALSE(error) << error->message;
  const auto codec = providers::anthropic::makeAnthropicCodec(anthropicProvider(), "claude-sonnet-4-5");
  std::string head;
  std::string body;
  const auto encode_error = codec->encode(request, arena, head, body);
  EXPECT_FALSE(encode_error) << encode_error->message;
  return body;
}

TEST(AnthropicRoundTrip, TextRequestSurvivesSurfaceAndCodec) {
  const auto body = reencodeRequest(readGolden("text_request.client.json"));
  SY_EXPECT_SAME_JSON(body, readGolden("text_request.upstream.json"));
  // Key order as the SDK sends it.
  EXPECT_EQ(keysOf(parseJson(body)),
            (std::vector<std::string>{"model", "max_tokens", "system", "messages", "stop_sequences", "temperature",
                                      "top_p", "top_k", "metadata", "stream"}));
}

TEST(AnthropicRoundTrip, ToolsAndImagesRequestSurvivesSurfaceAndCodec) {
  SY_EXPECT_SAME_JSON(reencodeRequest(readGolden("tools_request.client.json")),
                      readGolden("tools_request.upstream.json"));
}

TEST(AnthropicRoundTrip, MessageSurvivesCodecAndSurface) {
  Arena arena;
  ChatResponse response(arena);
  std::string why;
  const auto codec = providers::anthropic::makeAnthropicCodec(anthropicProvider(), "claude-sonnet-4-5");
  ASSERT_TRUE(codec->decodeResponse(readGolden("message_response.upstream.json"), arena, response, why)) << why;
  EXPECT_EQ(response.usage.input_tokens, 472 + 100 + 2000);  // canonical counts cache tokens in
  std::string rendered;
  surfaces::anthropic::renderMessage(response, rendered);
  SY_EXPECT_SAME_JSON(rendered, readGolden("message_response.client.json"));
  EXPECT_EQ(keysOf(parseJson(rendered)),
            (std::vector<std::string>{"id", "type", "role", "model", "content", "stop_reason", "stop_sequence",
                                      "usage"}));
}

// Feeds `text` to the decoder in random-size slices, the way bytes arrive from a socket.
void decodeInSlices(canonical::StreamDecoder& decoder, std::string_view text, canonical::EventSink& sink,
                    unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<std::size_t> slice(1, 17);
  std::string buffered;
  std::size_t fed = 0;
  while (fed < text.size() && decoder.state() == canonical::DecodeState::More) {
    const auto n = std::min(slice(random), text.size() - fed);
    buffered.append(text.substr(fed, n));
    fed += n;
    buffered.erase(0, decoder.decode(buffered, sink));
  }
  if (decoder.state() == canonical::DecodeState::More) decoder.endOfBody(sink);
}

class Reencoder final : public canonical::EventSink {
 public:
  void onEvent(const canonical::StreamEvent& event) override { encoder->encode(event, out); }
  std::unique_ptr<canonical::StreamEncoder> encoder = surfaces::anthropic::makeStreamEncoder();
  std::string out;
};

TEST(AnthropicRoundTrip, StreamSurvivesDecoderAndEncoderEventByEvent) {
  const auto codec = providers::anthropic::makeAnthropicCodec(anthropicProvider(), "claude-sonnet-4-5");
  const auto expected = splitSse(readGolden("tools_stream.client.sse"));
  for (unsigned seed = 1; seed <= 20; ++seed) {
    auto decoder = codec->streamDecoder();
    Reencoder sink;
    decodeInSlices(*decoder, readGolden("tools_stream.upstream.sse"), sink, seed);
    ASSERT_EQ(decoder->state(), canonical::DecodeState::Done) << decoder->error().message;
    sink.encoder->finish(sink.out);
    const auto actual = splitSse(sink.out);
    ASSERT_EQ(actual.size(), expected.size()) << sink.out;
    for (std::size_t i = 0; i < actual.size(); ++i) {
      EXPECT_EQ(actual[i].name, expected[i].name) << "event " << i;
      SY_EXPECT_SAME_JSON(actual[i].data, expected[i].data);
    }
  }
}

}  // namespace
}  // namespace switchyard::anthropic_test
