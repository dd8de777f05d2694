#pragma once
// A fault is what the simulator does to one chat request instead of (or on top of) answering it
// normally. Faults come from the x-sim-fault header, the body's "sim_fault" field, the control API's
// queue or --schedule. Parsing is pure so that every accepted spelling is pinned by unit tests.
#include <boost/json/fwd.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::sim {

struct Fault {
  std::optional<unsigned> status;           // answer with this HTTP status and an OpenAI error body
  std::optional<std::string> retry_after;   // Retry-After header value, sent verbatim
  std::optional<std::string> body;          // raw body replacing the OpenAI-shaped one
  // Extra response header lines, sent as given on whatever the answer is (a provider's quota
  // headers: x-ratelimit-*, anthropic-ratelimit-*). Names are HTTP tokens; values one line.
  std::vector<std::pair<std::string, std::string>> headers;
  bool reset = false;                       // close with RST instead of answering
  bool hang = false;                        // never answer; hold the connection until the peer leaves
  bool malformed = false;                   // 200 with invalid JSON / a malformed SSE event
  std::chrono::milliseconds delay{0};       // before the response headers
  std::chrono::milliseconds token_delay{0}; // between stream chunks
  // Streams: after K content chunks, stall forever / close the socket. The role chunk goes out
  // with the first content chunk, so K = 0 means "headers, then nothing"; K equal to the reply's
  // word count cuts before the finish chunk, a larger K never triggers. Non-stream answers send
  // the headers (with the full Content-Length) and half the body instead.
  std::optional<unsigned> stall_after;
  std::optional<unsigned> truncate_after;
  // Streams: after K content chunks, send the provider's error event / a malformed chunk, then end
  // the HTTP response properly (the break is in the stream's content, not its framing).
  std::optional<unsigned> error_after;
  std::optional<unsigned> malformed_after;
  // Hostile upstreams (issue 10). oversized_bytes: a non-stream answer whose body is the completion
  // padded with blanks (valid JSON, honest Content-Length) to N bytes; a stream whose first content
  // piece is N bytes of text (one event of about N bytes). endless_event_after / keepalive_after:
  // streams, after K content chunks, an event that never ends (drip_bytes every drip_ms) / ": keepalive"
  // comments every drip_ms, until the peer leaves. content_length_delta: a non-stream answer whose
  // Content-Length is off by D (D < 0: the body's last -D bytes follow as extra bytes on a kept-alive
  // connection; D > 0: the whole body, then FIN). extra_bytes: sent after a complete answer (stream or
  // not) on the kept-alive connection, extra_bytes_after_ms later (default at once: then they usually
  // arrive with the answer; later, they arrive while the connection is idle). invalid_utf8_after: content piece K (0-based) ends with the
  // invalid UTF-8 bytes C3 28 FF (raw, inside the JSON string).
  std::optional<std::uint64_t> oversized_bytes;
  std::optional<unsigned> endless_event_after;
  std::optional<unsigned> keepalive_after;
  std::optional<std::int64_t> content_length_delta;
  std::optional<std::string> extra_bytes;
  std::optional<unsigned> extra_bytes_after_ms;
  std::optional<unsigned> invalid_utf8_after;
  std::optional<unsigned> drip_ms;     // default 10
  std::optional<unsigned> drip_bytes;  // default 65536

  // True when the fault changes nothing ({} or {"ok":true}).
  bool isNormal() const;
  // True when the answer is a status/body of the fault's choosing rather than a completion.
  bool answersWithError() const;

  bool operator==(const Fault&) const = default;
};

using FaultResult = boost::system::result<Fault, std::string>;
using ScheduleResult = boost::system::result<std::vector<Fault>, std::string>;

// Reads a FAULT object. Unknown fields are rejected so that a typo in a test fails loudly.
FaultResult parseFault(const boost::json::value& value);
// Same, from JSON text (the x-sim-fault header).
FaultResult parseFaultText(std::string_view text);
// One --schedule token: ok | NNN | reset | hang | malformed | delay:MS | truncate:K | stall:K |
// oversized:BYTES | endless:K | keepalive:K | utf8:K.
FaultResult parseScheduleToken(std::string_view token);
// A comma-separated --schedule SPEC; blanks around tokens are ignored, an empty token is an error.
ScheduleResult parseSchedule(std::string_view spec);
// The FAULT object that parseFault reads back into the same Fault (for GET /_sim/faults).
boost::json::object faultToJson(const Fault& fault);

}  // namespace switchyard::sim
