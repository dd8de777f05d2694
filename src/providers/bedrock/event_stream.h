#pragma once
// The AWS event-stream framing (application/vnd.amazon.eventstream) that Bedrock's streaming
// operations answer with. One message:
//   total length u32 BE | headers length u32 BE | CRC32 of the 8 bytes before it
//   headers: name length u8, name, value type u8, value (by type; strings carry a u16 BE length)
//   payload | CRC32 of everything before it
// Frames are read one at a time from the start of a buffer that may hold part of one, so a
// decoder can be fed the body in whatever pieces the network delivers.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace switchyard::providers::bedrock {

// Larger frames are refused as malformed: Bedrock's events are a few hundred bytes, and a corrupt
// length must not make the caller buffer gigabytes.
inline constexpr std::size_t kMaxEventStreamFrame = 16 * 1024 * 1024;
inline constexpr std::size_t kEventStreamPrelude = 12;   // two lengths and their CRC
inline constexpr std::size_t kEventStreamOverhead = 16;  // prelude plus the message CRC

// The headers this gateway acts on (string-typed); views into the frame.
struct EventStreamMessage {
  std::string_view message_type;    // ":message-type": "event", "exception" or "error"
  std::string_view event_type;      // ":event-type" (events)
  std::string_view exception_type;  // ":exception-type" (exceptions)
  std::string_view error_code;      // ":error-code" (errors)
  std::string_view error_message;   // ":error-message" (errors)
  std::string_view content_type;    // ":content-type"
  std::string_view payload;
};

enum class FrameStatus : std::uint8_t { Incomplete, Complete, Malformed };

struct FrameRead {
  FrameStatus status = FrameStatus::Incomplete;
  std::size_t size = 0;        // Complete: the bytes the frame took
  EventStreamMessage message;  // Complete
  std::string_view why;        // Malformed: a static description
};

// Reads the frame at the start of `buffered`. Incomplete: wait for more bytes (a bad prelude is
// reported as soon as its 12 bytes are in, before the rest arrives).
FrameRead readFrame(std::string_view buffered);

}  // namespace switchyard::providers::bedrock
