#pragma once
// What the gateway keeps of a stream in case it breaks mid-way and must be continued on another
// target (proxy/stream_continuation.h): the partial answer in canonical form and the client's
// encoder in step with it. A forwarded stream's events are kept as relayed and decoded only if it
// breaks, so relaying an event costs one copy and no parsing; once they pass limits.max_resume_bytes
// they are decoded in batches of that size, and what is kept is the answer's text, bounded by it.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/failure.h"
#include "canonical/chat.h"
#include "canonical/continuation.h"
#include "canonical/stream_codec.h"
#include "providers/target_codec.h"

namespace switchyard::proxy {

struct BrokenStream {
  bool open = false;  // a stream broke after the client got part of it, and was left open
  // The answer grew past limits.max_resume_bytes: it is no longer continued if it breaks.
  bool too_long = false;
  // The client's encoder, mid-stream, and what it has sent. The translated path hands over its own
  // at the break; the forwarded path builds them from the relayed events (recordRelayed).
  std::unique_ptr<canonical::StreamEncoder> encoder;
  std::unique_ptr<canonical::PartialAnswer> partial;
  base::FailureKind failure = base::FailureKind::None;
  std::string detail;  // what broke

  // Forwarded path: `events` (whole SSE events, in the upstream's dialect, which is the client's)
  // reached the client. Returns false once the answer is past `max_resume_bytes`.
  bool recordRelayed(std::string_view events, const providers::TargetCodec& codec, canonical::Dialect surface,
                     std::size_t max_resume_bytes);
  // Decodes what recordRelayed still holds: afterwards `partial` and `encoder` describe every
  // recorded event (both exist, possibly empty, even when nothing was recorded).
  void settle(canonical::Dialect surface);

  BrokenStream() = default;
  ~BrokenStream();  // gives the record's buffer back to the thread's spares
  BrokenStream(const BrokenStream&) = delete;
  BrokenStream& operator=(const BrokenStream&) = delete;

  static constexpr std::size_t kMinDecodeBatch = 16 * 1024;
  static constexpr std::size_t kFastStreamPiece = 8 * 1024;     // relayed at once: a fast stream
  static constexpr std::size_t kFastStreamReserve = 64 * 1024;  // what a fast stream's record starts with

 private:
  std::string undecoded_;  // recorded bytes not decoded yet (about max_resume_bytes at most)
  std::unique_ptr<canonical::StreamDecoder> decoder_;
  std::size_t max_resume_bytes_ = 0;
};

// The client's stream encoder for its API.
std::unique_ptr<canonical::StreamEncoder> makeClientEncoder(canonical::Dialect surface, bool include_usage);

}  // namespace switchyard::proxy
