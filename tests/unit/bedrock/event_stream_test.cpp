// The event-stream frame reader: frames built independently (Python struct + zlib.crc32), frames
// from the simulator's encoder, corrupt CRCs, bounds, and frames split at every byte.
#include "providers/bedrock/event_stream.h"

#include <gtest/gtest.h>

#include <boost/crc.hpp>
#include <string>

#include "sim/dialects/bedrock_event_stream.h"

namespace switchyard::providers::bedrock {
namespace {

std::string fromHex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// Built with Python: struct.pack(">II", total, headers_length), zlib.crc32 for both CRCs;
// headers :event-type contentBlockDelta, :content-type application/json, :message-type event.
const std::string kTextDeltaFrame = fromHex(
    "0000009700000057f30be03e0b3a6576656e742d74797065070011636f6e74656e74426c6f636b44656c74610d3a63"
    "6f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d747970650700"
    "056576656e747b22636f6e74656e74426c6f636b496e646578223a302c2264656c7461223a7b2274657874223a2268"
    "656c6c6f227d7d9e145a67");

// The same way: one header of every value type 0-9 (bool true, bool false, byte, short, int,
// long, byte array, timestamp, uuid), then :message-type event and :event-type messageStop.
const std::string kEveryHeaderTypeFrame = fromHex(
    "000000a000000077db64a460016100016201016302070164030007016504000000070166050000000000000007016706"
    "00030102030168080000000000000000016909111111111111111111111111111111110d3a6d6573736167652d7479"
    "70650700056576656e740b3a6576656e742d7479706507000b6d65737361676553746f707b2273746f70526561736f"
    "6e223a22656e645f7475726e227dab9121d6");

std::uint32_t crcOf(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

void appendU32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

// A frame around raw header bytes, with right CRCs; `total`/`headers_length` override the lengths.
std::string frameWithRawHeaders(const std::string& headers, std::string_view payload, std::uint32_t total = 0,
                                std::uint32_t headers_length = 0) {
  std::string out;
  appendU32(out, total != 0 ? total : static_cast<std::uint32_t>(16 + headers.size() + payload.size()));
  appendU32(out, headers_length != 0 ? headers_length : static_cast<std::uint32_t>(headers.size()));
  appendU32(out, crcOf(out));
  out.append(headers).append(payload);
  appendU32(out, crcOf(out));
  return out;
}

TEST(EventStream, ReadsAValidFrameAndItsHeaders) {
  const FrameRead read = readFrame(kTextDeltaFrame);
  ASSERT_EQ(read.status, FrameStatus::Complete);
  EXPECT_EQ(read.size, kTextDeltaFrame.size());
  EXPECT_EQ(read.message.message_type, "event");
  EXPECT_EQ(read.message.event_type, "contentBlockDelta");
  EXPECT_EQ(read.message.content_type, "application/json");
  EXPECT_EQ(read.message.payload, R"({"contentBlockIndex":0,"delta":{"text":"hello"}})");
}

TEST(EventStream, SkipsHeadersOfEveryValueType) {
  const FrameRead read = readFrame(kEveryHeaderTypeFrame);
  ASSERT_EQ(read.status, FrameStatus::Complete) << read.why;
  EXPECT_EQ(read.message.message_type, "event");
  EXPECT_EQ(read.message.event_type, "messageStop");
  EXPECT_EQ(read.message.payload, R"({"stopReason":"end_turn"})");
}

TEST(EventStream, SimulatorEncoderProducesTheSameBytesAsAnIndependentEncoder) {
  EXPECT_EQ(
      sim::bedrock::eventFrame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"hello"}})"),
      kTextDeltaFrame);
}

TEST(EventStream, ReadsOnlyTheFirstOfTwoFrames) {
  const std::string two = kTextDeltaFrame + kEveryHeaderTypeFrame;
  const FrameRead first = readFrame(two);
  ASSERT_EQ(first.status, FrameStatus::Complete);
  EXPECT_EQ(first.size, kTextDeltaFrame.size());
  const FrameRead second = readFrame(std::string_view(two).substr(first.size));
  ASSERT_EQ(second.status, FrameStatus::Complete);
  EXPECT_EQ(second.message.event_type, "messageStop");
}

TEST(EventStream, EveryProperPrefixIsIncomplete) {
  for (std::size_t cut = 0; cut < kTextDeltaFrame.size(); ++cut) {
    EXPECT_EQ(readFrame(std::string_view(kTextDeltaFrame).substr(0, cut)).status, FrameStatus::Incomplete)
        << "cut at " << cut;
  }
}

TEST(EventStream, BadPreludeCrcIsMalformedAsSoonAsThePreludeIsIn) {
  std::string frame = kTextDeltaFrame;
  frame[9] = static_cast<char>(frame[9] ^ 0x01);
  const FrameRead read = readFrame(std::string_view(frame).substr(0, kEventStreamPrelude));
  EXPECT_EQ(read.status, FrameStatus::Malformed);
  EXPECT_NE(std::string(read.why).find("prelude"), std::string::npos);
}

TEST(EventStream, CorruptLengthIsCaughtByThePreludeCrc) {
  std::string frame = kTextDeltaFrame;
  frame[3] = static_cast<char>(frame[3] + 1);
  EXPECT_EQ(readFrame(frame).status, FrameStatus::Malformed);
}

TEST(EventStream, BadMessageCrcIsMalformed) {
  std::string frame = kTextDeltaFrame;
  frame[frame.size() - 10] = 'X';  // inside the payload
  const FrameRead read = readFrame(frame);
  EXPECT_EQ(read.status, FrameStatus::Malformed);
  EXPECT_NE(std::string(read.why).find("message CRC"), std::string::npos);
}

TEST(EventStream, FrameOverSixteenMegabytesIsMalformed) {
  const std::string frame =
      sim::bedrock::encodeEventStreamMessage({}, std::string(kMaxEventStreamFrame, 'x'));
  EXPECT_EQ(readFrame(std::string_view(frame).substr(0, kEventStreamPrelude)).status, FrameStatus::Malformed);
}

TEST(EventStream, EmptyFrameIsComplete) {
  const std::string frame = sim::bedrock::encodeEventStreamMessage({}, "");
  ASSERT_EQ(frame.size(), kEventStreamOverhead);
  const FrameRead read = readFrame(frame);
  EXPECT_EQ(read.status, FrameStatus::Complete);
  EXPECT_TRUE(read.message.payload.empty());
}

TEST(EventStream, LengthBelowTheOverheadIsMalformed) {
  EXPECT_EQ(readFrame(frameWithRawHeaders("", "", 8)).status, FrameStatus::Malformed);
}

TEST(EventStream, HeadersLongerThanTheFrameAreMalformed) {
  EXPECT_EQ(readFrame(frameWithRawHeaders("", "payload", 0, 100)).status, FrameStatus::Malformed);
}

TEST(EventStream, UnknownHeaderTypeIsMalformedNotSkipped) {
  // Type 10 has no known size, so nothing after it could be trusted.
  EXPECT_EQ(readFrame(frameWithRawHeaders(std::string("\x01z\x0a\x00", 4), "{}")).status,
            FrameStatus::Malformed);
}

TEST(EventStream, HeaderRunningPastItsBlockIsMalformed) {
  // A string header announcing 200 bytes in a 6-byte block.
  EXPECT_EQ(readFrame(frameWithRawHeaders(std::string("\x01z\x07\x00\xc8x", 6), "{}")).status,
            FrameStatus::Malformed);
}

}  // namespace
}  // namespace switchyard::providers::bedrock
