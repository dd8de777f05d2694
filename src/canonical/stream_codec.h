#pragma once
// Streaming translation: a provider's StreamDecoder turns upstream body bytes into canonical
// events; a surface's StreamEncoder turns canonical events into the client's stream bytes. Both
// work event by event, so a translated stream is never buffered whole.
#include <cstddef>
#include <string>
#include <string_view>

#include "canonical/chat.h"

namespace switchyard::canonical {

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void onEvent(const StreamEvent& event) = 0;
};

enum class DecodeState : std::uint8_t {
  More,       // keep feeding
  Done,       // the stream's end marker arrived (OpenAI [DONE], Anthropic message_stop...)
  Error,      // the provider sent an error inside the stream: see error()
  Malformed,  // bytes that break the provider's framing or JSON: see error().message
};

class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // Decodes every complete frame at the start of `buffered` and returns how many bytes it consumed
  // (the caller drops them and keeps the rest for the next call). Views in emitted events are valid
  // only during onEvent. After Done, Error or Malformed nothing more is decoded.
  virtual std::size_t decode(std::string_view buffered, EventSink& sink) = 0;
  // The upstream body ended (cleanly). A stream that has not given its end (OpenAI's finish chunk
  // and [DONE], Anthropic's message_stop, Bedrock's messageStop; Gemini, which has no end marker,
  // a finishReason) is Malformed: a missing end is a cut, never a complete answer.
  virtual void endOfBody(EventSink& sink) = 0;
  virtual DecodeState state() const = 0;
  virtual const Error& error() const = 0;
};

class StreamEncoder {
 public:
  virtual ~StreamEncoder() = default;
  // Appends the client bytes for one event to `out` (possibly nothing: some events are held back
  // until the encoder can write them, such as Anthropic's message_delta, which needs the usage).
  virtual void encode(const StreamEvent& event, std::string& out) = 0;
  // The upstream stream is complete: appends whatever ends the client's stream ([DONE], message_stop).
  virtual void finish(std::string& out) = 0;
  // The stream broke after bytes reached the client: appends the dialect's error event, after which
  // the client's stream ends without its normal end marker.
  virtual void fail(const Error& error, std::string& out) = 0;
  // Whether the end of the stream reports the usage (OpenAI's stream_options.include_usage). It
  // changes only what the encoder writes, never what it keeps, so a continuation may set it on an
  // encoder that was kept in step with a stream without knowing the client's choice.
  virtual void setIncludeUsage(bool /*include*/) {}
};

}  // namespace switchyard::canonical
