#include "providers/bedrock/event_stream.h"

#include <boost/crc.hpp>

namespace switchyard::providers::bedrock {
namespace {

// Header value types of the event-stream format and the fixed sizes of those without a length.
enum HeaderType : std::uint8_t {
  kBoolTrue = 0,
  kBoolFalse = 1,
  kByte = 2,
  kShort = 3,
  kInteger = 4,
  kLong = 5,
  kByteArray = 6,
  kString = 7,
  kTimestamp = 8,
  kUuid = 9,
};

std::uint32_t readU32(std::string_view bytes, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

std::uint16_t readU16(std::string_view bytes, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::uint32_t crc32(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

// Fixed value size for a type, or -1 for the length-prefixed ones, -2 for unknown types.
int fixedSize(std::uint8_t type) {
  switch (type) {
    case kBoolTrue:
    case kBoolFalse:
      return 0;
    case kByte:
      return 1;
    case kShort:
      return 2;
    case kInteger:
      return 4;
    case kLong:
    case kTimestamp:
      return 8;
    case kUuid:
      return 16;
    case kByteArray:
    case kString:
      return -1;
    default:
      return -2;
  }
}

void keep(EventStreamMessage& message, std::string_view name, std::string_view value) {
  if (name == ":message-type")
    message.message_type = value;
  else if (name == ":event-type")
    message.event_type = value;
  else if (name == ":exception-type")
    message.exception_type = value;
  else if (name == ":error-code")
    message.error_code = value;
  else if (name == ":error-message")
    message.error_message = value;
  else if (name == ":content-type")
    message.content_type = value;
}

// Walks the header block; false when a header runs past it or has an unknown type.
bool readHeaders(std::string_view headers, EventStreamMessage& message) {
  std::size_t at = 0;
  while (at < headers.size()) {
    const std::size_t name_length = static_cast<unsigned char>(headers[at++]);
    if (name_length == 0 || at + name_length + 1 > headers.size()) return false;
    const std::string_view name = headers.substr(at, name_length);
    at += name_length;
    const auto type = static_cast<std::uint8_t>(headers[at++]);
    const int size = fixedSize(type);
    if (size == -2) return false;
    if (size >= 0) {
      if (at + static_cast<std::size_t>(size) > headers.size()) return false;
      at += static_cast<std::size_t>(size);
      continue;
    }
    if (at + 2 > headers.size()) return false;
    const std::size_t value_length = readU16(headers, at);
    at += 2;
    if (at + value_length > headers.size()) return false;
    if (type == kString) keep(message, name, headers.substr(at, value_length));
    at += value_length;
  }
  return true;
}

FrameRead malformed(std::string_view why) {
  FrameRead read;
  read.status = FrameStatus::Malformed;
  read.why = why;
  return read;
}

}  // namespace

FrameRead readFrame(std::string_view buffered) {
  if (buffered.size() < kEventStreamPrelude) return {};
  const std::uint32_t total = readU32(buffered, 0);
  const std::uint32_t headers_length = readU32(buffered, 4);
  if (readU32(buffered, 8) != crc32(buffered.substr(0, 8))) {
    return malformed("event-stream prelude CRC mismatch");
  }
  if (total < kEventStreamOverhead || total > kMaxEventStreamFrame) {
    return malformed("event-stream frame length out of bounds");
  }
  if (headers_length > total - kEventStreamOverhead) {
    return malformed("event-stream headers longer than their frame");
  }
  if (buffered.size() < total) return {};
  const std::string_view frame = buffered.substr(0, total);
  if (readU32(frame, total - 4) != crc32(frame.substr(0, total - 4))) {
    return malformed("event-stream message CRC mismatch");
  }
  FrameRead read;
  if (!readHeaders(frame.substr(kEventStreamPrelude, headers_length), read.message)) {
    return malformed("event-stream header block is malformed");
  }
  read.message.payload =
      frame.substr(kEventStreamPrelude + headers_length, total - kEventStreamOverhead - headers_length);
  read.status = FrameStatus::Complete;
  read.size = total;
  return read;
}

}  // namespace switchyard::providers::bedrock
