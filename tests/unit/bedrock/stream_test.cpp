// ConverseStream decoding: streams rendered by the simulator's Bedrock dialect (so the sim's
// encoder and the gateway's decoder are proved to agree), fed whole and split at every byte;
// exceptions; and the ways a stream can end.
#include <gtest/gtest.h>

#include "sim/dialect.h"
#include "sim/dialects/bedrock_event_stream.h"
#include "test_support.h"

namespace switchyard::providers::bedrock {
namespace {

using canonical::DecodeState;
using canonical::ErrorCategory;
using sim::bedrock::eventFrame;
using sim::bedrock::exceptionFrame;

sim::SimReply textReply() {
  sim::SimReply reply;
  reply.model = testing::kHaiku;
  reply.words = {"Hello ", "from ", "Bedrock."};
  reply.input_tokens = 7;
  reply.output_tokens = 3;
  return reply;
}

sim::SimReply toolReply() {
  sim::SimReply reply;
  reply.model = testing::kHaiku;
  reply.tool_call = sim::SimToolCall{"tooluse_abc", "get_weather", R"({"input":"Weather in Paris?"})"};
  reply.finish = sim::SimFinish::ToolUse;
  reply.input_tokens = 20;
  reply.output_tokens = 12;
  return reply;
}

std::string simStream(const sim::SimReply& reply) {
  const auto stream = sim::bedrockDialect().stream(reply, sim::SimChat{});
  std::string bytes = stream->start(reply);
  if (reply.tool_call) {
    bytes += stream->toolCall(*reply.tool_call);
  } else {
    for (const auto& word : reply.words) bytes += stream->text(word);
  }
  return bytes + stream->finish(reply);
}

// Feeds `bytes` in pieces of `piece` bytes, keeping what the decoder leaves, as the relay does.
std::vector<std::string> decodeInPieces(std::string_view bytes, std::size_t piece,
                                        DecodeState* state = nullptr, bool end_of_body = true) {
  auto decoder = testing::haikuCodec()->streamDecoder();
  testing::RecordingSink sink;
  std::string buffered;
  for (std::size_t at = 0; at < bytes.size() && decoder->state() == DecodeState::More; at += piece) {
    buffered.append(bytes.substr(at, piece));
    buffered.erase(0, decoder->decode(buffered, sink));
  }
  if (end_of_body) decoder->endOfBody(sink);
  if (state != nullptr) *state = decoder->state();
  return sink.lines;
}

const std::vector<std::string> kTextEvents = {"start anthropic.claude-3-haiku-20240307-v1:0",
                                              "text Hello ",
                                              "text from ",
                                              "text Bedrock.",
                                              "finish end_turn",
                                              "usage 7 3 0 0"};

TEST(BedrockStream, SimulatorTextStreamDecodesToCanonicalEvents) {
  DecodeState state;
  EXPECT_EQ(decodeInPieces(simStream(textReply()), 1 << 20, &state), kTextEvents);
  EXPECT_EQ(state, DecodeState::Done);
}

TEST(BedrockStream, FramesSplitAtEveryByteOffsetDecodeTheSame) {
  const std::string bytes = simStream(textReply());
  for (std::size_t piece = 1; piece <= 64; ++piece) {
    DecodeState state;
    EXPECT_EQ(decodeInPieces(bytes, piece, &state), kTextEvents) << "pieces of " << piece;
    EXPECT_EQ(state, DecodeState::Done);
  }
  // Every single cut point into two pieces.
  for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
    auto decoder = testing::haikuCodec()->streamDecoder();
    testing::RecordingSink sink;
    std::string buffered = bytes.substr(0, cut);
    buffered.erase(0, decoder->decode(buffered, sink));
    buffered += bytes.substr(cut);
    buffered.erase(0, decoder->decode(buffered, sink));
    ASSERT_EQ(sink.lines, kTextEvents) << "cut at " << cut;
    EXPECT_TRUE(buffered.empty());
  }
}

TEST(BedrockStream, SimulatorToolCallStreamDecodesToToolCallEvents) {
  DecodeState state;
  const auto lines = decodeInPieces(simStream(toolReply()), 7, &state);
  ASSERT_EQ(lines.size(), 6u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0], "start anthropic.claude-3-haiku-20240307-v1:0");
  EXPECT_EQ(lines[1], "tool_start 0 tooluse_abc get_weather");
  EXPECT_EQ(lines[2].substr(0, 13), "tool_delta 0 ");
  EXPECT_EQ(lines[2].substr(13) + lines[3].substr(13), R"({"input":"Weather in Paris?"})");
  EXPECT_EQ(lines[4], "finish tool_use");
  EXPECT_EQ(lines[5], "usage 20 12 0 0");
  EXPECT_EQ(state, DecodeState::Done);
}

TEST(BedrockStream, TextThenTwoToolCallsAreNumberedInOrder) {
  std::string bytes = eventFrame("messageStart", R"({"p":"abc","role":"assistant"})");
  bytes +=
      eventFrame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Checking."},"p":"ab"})");
  bytes += eventFrame("contentBlockDelta",
                      R"({"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"hmm"}}})");
  bytes += eventFrame("contentBlockStop", R"({"contentBlockIndex":0})");
  bytes += eventFrame("contentBlockStart",
                      R"({"contentBlockIndex":1,"start":{"toolUse":{"name":"a","toolUseId":"tooluse_1"}}})");
  bytes +=
      eventFrame("contentBlockDelta", R"({"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"x\":"}}})");
  bytes += eventFrame("contentBlockStart",
                      R"({"contentBlockIndex":2,"start":{"toolUse":{"name":"b","toolUseId":"tooluse_2"}}})");
  bytes += eventFrame("contentBlockDelta", R"({"contentBlockIndex":1,"delta":{"toolUse":{"input":"1}"}}})");
  bytes += eventFrame("contentBlockDelta", R"({"contentBlockIndex":2,"delta":{"toolUse":{"input":"{}"}}})");
  bytes += eventFrame("messageStop", R"({"p":"abcdef","stopReason":"tool_use"})");
  bytes += eventFrame(
      "metadata",
      R"({"metrics":{"latencyMs":5},"usage":{"cacheReadInputTokens":4,"inputTokens":3,"outputTokens":2,"totalTokens":9}})");
  const std::vector<std::string> expected = {"start anthropic.claude-3-haiku-20240307-v1:0",
                                             "text Checking.",
                                             "tool_start 0 tooluse_1 a",
                                             "tool_delta 0 {\"x\":",
                                             "tool_start 1 tooluse_2 b",
                                             "tool_delta 0 1}",
                                             "tool_delta 1 {}",
                                             "finish tool_use",
                                             "usage 7 2 4 0"};
  EXPECT_EQ(decodeInPieces(bytes, 3), expected);
}

struct ExceptionCase {
  std::string_view type;
  int status;
  ErrorCategory category;
};

TEST(BedrockStream, ExceptionsBecomeErrorsOfTheirCategory) {
  const ExceptionCase cases[] = {
      {"throttlingException", 429, ErrorCategory::RateLimited},
      {"modelStreamErrorException", 500, ErrorCategory::Server},
      {"internalServerException", 500, ErrorCategory::Server},
      {"serviceUnavailableException", 503, ErrorCategory::Overloaded},
      {"validationException", 400, ErrorCategory::InvalidRequest},
      {"modelTimeoutException", 504, ErrorCategory::Timeout},
  };
  for (const auto& c : cases) {
    std::string bytes = eventFrame("messageStart", R"({"role":"assistant"})");
    bytes += eventFrame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})");
    bytes += exceptionFrame(c.type, R"({"message":"it broke"})");
    bytes += eventFrame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"never"}})");
    auto decoder = testing::haikuCodec()->streamDecoder();
    testing::RecordingSink sink;
    const std::size_t consumed = decoder->decode(bytes, sink);
    EXPECT_LT(consumed, bytes.size()) << "nothing after the exception is decoded";
    EXPECT_EQ(decoder->state(), DecodeState::Error) << c.type;
    EXPECT_EQ(decoder->error().status, c.status) << c.type;
    EXPECT_EQ(decoder->error().category, c.category) << c.type;
    EXPECT_EQ(decoder->error().message, "it broke");
    EXPECT_EQ(sink.lines.size(), 2u);
  }
}

TEST(BedrockStream, ValidationExceptionAboutLengthIsContextLengthExceeded) {
  auto decoder = testing::haikuCodec()->streamDecoder();
  testing::RecordingSink sink;
  decoder->decode(
      exceptionFrame("validationException", R"({"message":"Input is too long for requested model."})"), sink);
  EXPECT_EQ(decoder->error().category, ErrorCategory::ContextLengthExceeded);
}

TEST(BedrockStream, EndOfBodyAfterMessageStopWithoutMetadataIsDone) {
  std::string bytes = eventFrame("messageStart", R"({"role":"assistant"})");
  bytes += eventFrame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})");
  bytes += eventFrame("messageStop", R"({"stopReason":"max_tokens"})");
  DecodeState state;
  const auto lines = decodeInPieces(bytes, 1 << 20, &state);
  EXPECT_EQ(lines.back(), "finish max_tokens");
  EXPECT_EQ(state, DecodeState::Done);
}

TEST(BedrockStream, EndOfBodyBeforeMessageStopIsMalformed) {
  std::string bytes = eventFrame("messageStart", R"({"role":"assistant"})");
  bytes += eventFrame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})");
  DecodeState state;
  decodeInPieces(bytes, 1 << 20, &state);
  EXPECT_EQ(state, DecodeState::Malformed);
}

// A tool call cut after its last delta (contentBlockStop seen, messageStop not) is still a cut.
TEST(BedrockStream, EndOfBodyAfterTheLastBlockButBeforeMessageStopIsACut) {
  std::string bytes = eventFrame("messageStart", R"({"role":"assistant"})");
  bytes += eventFrame("contentBlockStart",
                      R"({"contentBlockIndex":0,"start":{"toolUse":{"name":"a","toolUseId":"tooluse_1"}}})");
  bytes += eventFrame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"toolUse":{"input":"{}"}}})");
  bytes += eventFrame("contentBlockStop", R"({"contentBlockIndex":0})");
  auto decoder = testing::haikuCodec()->streamDecoder();
  testing::RecordingSink sink;
  EXPECT_EQ(decoder->decode(bytes, sink), bytes.size());
  ASSERT_EQ(decoder->state(), DecodeState::More);
  decoder->endOfBody(sink);
  EXPECT_EQ(decoder->state(), DecodeState::Malformed);
  EXPECT_EQ(decoder->error().message, "Bedrock stream ended before messageStop");
  EXPECT_EQ(decoder->error().status, 502);
  EXPECT_EQ(sink.lines.back(), "tool_delta 0 {}");  // no finish was made up
}

TEST(BedrockStream, CorruptFrameInTheStreamIsMalformed) {
  std::string bytes = simStream(textReply());
  bytes[40] = static_cast<char>(bytes[40] ^ 0x20);
  DecodeState state;
  decodeInPieces(bytes, 1 << 20, &state, false);
  EXPECT_EQ(state, DecodeState::Malformed);
}

TEST(BedrockStream, SimulatorMalformedPieceIsMalformedJson) {
  const auto stream = sim::bedrockDialect().stream(textReply(), sim::SimChat{});
  std::string bytes = stream->start(textReply());
  bytes += stream->malformed();
  auto decoder = testing::haikuCodec()->streamDecoder();
  testing::RecordingSink sink;
  EXPECT_EQ(decoder->decode(bytes, sink), bytes.size());
  EXPECT_EQ(decoder->state(), DecodeState::Malformed);
  EXPECT_NE(decoder->error().message.find("JSON"), std::string_view::npos);
}

TEST(BedrockStream, MetadataBeforeMessageStopIsMalformed) {
  std::string bytes = eventFrame("messageStart", R"({"role":"assistant"})");
  bytes += eventFrame("metadata", R"({"usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2}})");
  DecodeState state;
  decodeInPieces(bytes, 1 << 20, &state, false);
  EXPECT_EQ(state, DecodeState::Malformed);
}

TEST(BedrockStream, ToolDeltaForAnUnstartedBlockIsMalformed) {
  std::string bytes = eventFrame("messageStart", R"({"role":"assistant"})");
  bytes += eventFrame("contentBlockDelta", R"({"contentBlockIndex":3,"delta":{"toolUse":{"input":"{}"}}})");
  DecodeState state;
  decodeInPieces(bytes, 1 << 20, &state, false);
  EXPECT_EQ(state, DecodeState::Malformed);
}

// Found by fuzz/bedrock_provider.cpp: an exception whose payload is not JSON was quoted whole and
// as it was (invalid UTF-8 included) into the error the client's stream ends with.
TEST(BedrockStream, ExceptionWithAForeignPayloadIsQuotedAsValidUtf8AndBounded) {
  auto decoder = testing::haikuCodec()->streamDecoder();
  testing::RecordingSink sink;
  constexpr char kStart[] = "Too m\xE9\x00" "any requests";  // a NUL inside, and a cut character
  const std::string payload = std::string(kStart, sizeof kStart - 1) + std::string(2000, 'x');
  decoder->decode(eventFrame("messageStart", R"({"role":"assistant"})") +
                      exceptionFrame("throttlingException", payload),
                  sink);
  ASSERT_EQ(decoder->state(), DecodeState::Error);
  EXPECT_EQ(decoder->error().category, ErrorCategory::RateLimited);
  const std::string_view message = decoder->error().message;
  EXPECT_TRUE(message.starts_with(std::string("Too m\xEF\xBF\xBD") + '\0' + "any requests")) << message;
  EXPECT_LE(message.size(), 520u);
}

}  // namespace
}  // namespace switchyard::providers::bedrock
