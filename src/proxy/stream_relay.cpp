#include "proxy/stream_relay.h"

#include "base/executor.h"
#include "base/spare_strings.h"
#include "proxy/gateway_metrics.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "base/utf8.h"
#include "canonical/usage_scan.h"
#include "http/sse.h"
#include "proxy/attempt_support.h"
#include "proxy/response_headers.h"
#include "proxy/stream_continuation.h"

namespace switchyard::proxy {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using base::FailureKind;
using Kind = AttemptOutcome::Kind;

namespace {

// Complete events in `pending` from `scanned` on: advances `scanned` past each and notes what the
// gateway decides on.
struct StreamScan {
  StreamScan(canonical::Dialect d, bool strip, canonical::StreamUsageMeter& meter)
      : dialect(d), strip_usage_chunk(strip), usage(meter) {}
  canonical::Dialect dialect = canonical::Dialect::OpenAi;
  bool strip_usage_chunk = false;  // OpenAI: drop the usage-only chunk (the gateway asked for it)
  std::size_t scanned = 0;
  std::size_t error_start = 0;  // where the error event begins, once saw_error
  bool saw_data = false;  // the first event that carries the answer (the "first token")
  bool saw_finish = false;  // OpenAI: a chunk carried a finish_reason
  bool missing_finish = false;  // OpenAI: [DONE] came without one (the "malformed" event is that [DONE])
  bool saw_done = false;
  bool saw_error = false;
  bool malformed = false;  // the error is a chunk that is not JSON
  bool first_data_is_error = false;
  std::size_t data_events = 0;  // complete events with data: what timeouts.inter_token waits for
  canonical::StreamUsageMeter& usage;  // what the events scanned say the answer cost
};

// What one event means for the relay, per dialect. OpenAI: every data event is the answer, `[DONE]`
// ends it, {"error":...} breaks it. Anthropic: message_start, content_block_start and ping come
// before any token and do not count as the answer yet; message_stop ends it; `event: error` breaks it.
enum class EventRole { Preamble, Answer, Done, Error, Malformed };

// A chunk cut off or garbled on the way has lost its closing brace: checking the ends costs nothing,
// where validating every event's JSON on the forwarded path would cost more than relaying it.
bool looksLikeJsonObject(std::string_view data) {
  while (!data.empty() && (data.back() == ' ' || data.back() == '\r')) data.remove_suffix(1);
  return data.size() >= 2 && data.front() == '{' && data.back() == '}';
}

// Whether `needle` occurs in `data`: memmem, not string_view::find, which stops at each of a chunk's
// dozens of '"' to compare what follows.
bool contains(std::string_view data, std::string_view needle) {
  return ::memmem(data.data(), data.size(), needle.data(), needle.size()) != nullptr;
}

// OpenAI's first chunk names the role and carries no text ({"delta":{"role":"assistant",
// "content":""}}): providers send it at once and may fail right after, so it is held back with the
// preamble, and a failure after it is still invisible to the client.
bool isRoleOnlyChunk(std::string_view data) {
  return contains(data, "\"role\"") && contains(data, "\"content\":\"\"") && !contains(data, "\"tool_calls\"") &&
         contains(data, "\"finish_reason\":null");
}

EventRole roleOf(canonical::Dialect dialect, const http::SseEvent& event, bool first) {
  if (dialect == canonical::Dialect::Anthropic) {
    if (event.name == "message_stop") return EventRole::Done;
    if (event.name == "error") return EventRole::Error;
    if (event.has_data && !looksLikeJsonObject(event.first_data)) return EventRole::Malformed;
    if (event.name == "content_block_delta" || event.name == "message_delta") return EventRole::Answer;
    return EventRole::Preamble;
  }
  if (!event.has_data) return EventRole::Preamble;
  if (http::isOpenAiDone(event)) return EventRole::Done;
  if (http::isOpenAiError(event)) return EventRole::Error;
  // A chunk that is not JSON breaks the stream as surely as a cut: the client's SDK could not read it.
  if (!looksLikeJsonObject(event.first_data)) return EventRole::Malformed;
  if (first && isRoleOnlyChunk(event.first_data)) return EventRole::Preamble;
  return EventRole::Answer;
}

// What the relay reads in an OpenAI chunk, from one walk over its underscores: a rare byte in a
// chunk, which memchr skips to (a few per chunk), where string_view::find would stop at every '"'
// (dozens per chunk) and memmem pays a setup per call. "finish_reason" and every usage count
// ("prompt_tokens", "cached_tokens"...) hold one.
constexpr std::string_view kFinishReasonKey = "\"finish_reason\"";

// Whether `data` holds `literal` at `at`: two word loads, not a call to memcmp.
template <std::size_t N>
bool holdsAt(std::string_view data, std::size_t at, const char (&literal)[N]) {
  constexpr std::size_t kSize = N - 1;
  static_assert(kSize >= 8 && kSize <= 16);
  if (at > data.size() || data.size() - at < kSize) return false;
  const auto word = [](const char* p) {
    std::uint64_t value;
    std::memcpy(&value, p, sizeof(value));
    return value;
  };
  const char* p = data.data() + at;
  return word(p) == word(literal) && word(p + kSize - 8) == word(literal + kSize - 8);
}

struct ChunkMarks {
  bool finish = false;        // a non-null finish_reason (whatever the spacing around the colon)
  bool usage_count = false;   // a key ending in _tokens: the chunk may carry a usage object
};

ChunkMarks markChunk(std::string_view data) {
  constexpr std::size_t kUnderscore = 7;
  static_assert(kFinishReasonKey[kUnderscore] == '_');
  ChunkMarks marks;
  for (std::size_t at = 0; at < data.size();) {
    const void* found = std::memchr(data.data() + at, '_', data.size() - at);
    if (found == nullptr) break;
    const auto underscore = static_cast<std::size_t>(static_cast<const char*>(found) - data.data());
    at = underscore + 1;
    if (holdsAt(data, underscore, "_tokens\"")) {
      marks.usage_count = true;
      continue;
    }
    if (underscore < kUnderscore) continue;
    const std::size_t start = underscore - kUnderscore;
    if (!holdsAt(data, start, "\"finish_reason\"")) continue;
    std::size_t i = start + kFinishReasonKey.size();
    while (i < data.size() && (data[i] == ' ' || data[i] == ':')) ++i;
    if (i < data.size() && data[i] == '"') marks.finish = true;
  }
  return marks;
}

// An OpenAI answer chunk: its finish_reason, its share of the answer (one token, for the estimate of
// a stream that ends without usage) and its usage. Returns true when the chunk is to be dropped: a
// usage-only chunk the client did not ask for.
bool readOpenAiChunk(std::string_view data, StreamScan& scan) {
  const ChunkMarks marks = markChunk(data);
  if (!scan.saw_finish) {
    if (!marks.finish) scan.usage.addChunk();
    scan.saw_finish = marks.finish;
  }
  if (!marks.usage_count) return false;
  const bool usage_only = scan.usage.onOpenAiUsageChunk(canonical::scanOpenAiChunkUsage(data));
  return usage_only && scan.strip_usage_chunk;
}

// An Anthropic event's usage (message_start, message_delta) or text (content_block_delta).
void readAnthropicEvent(const http::SseEvent& event, StreamScan& scan) {
  if (event.name == "content_block_delta") {
    scan.usage.addText(canonical::anthropicDeltaTextBytes(event.first_data));
  } else if (event.name == "message_start") {
    scan.usage.onAnthropicMessageStart(event.first_data);
  } else if (event.name == "message_delta") {
    scan.usage.onAnthropicMessageDelta(event.first_data);
  }
}

void scanEvents(std::string& pending, StreamScan& scan) {
  while (!scan.saw_done && !scan.saw_error) {
    const std::size_t end = http::findSseEventEnd(pending, scan.scanned);
    if (end == http::kSseNoEvent) return;
    const std::string_view raw = std::string_view(pending).substr(scan.scanned, end - scan.scanned);
    const auto event = http::parseSseEvent(raw);
    const std::size_t start = scan.scanned;
    scan.scanned = end;
    if (event.has_data) ++scan.data_events;
    // Invalid UTF-8 would make the client's SDK fail on the stream: a malformed event, never relayed.
    EventRole role = base::isValidUtf8(raw) ? roleOf(scan.dialect, event, !scan.saw_data) : EventRole::Malformed;
    if (scan.dialect == canonical::Dialect::OpenAi) {
      if (role == EventRole::Answer && readOpenAiChunk(event.first_data, scan)) {
        // The usage chunk the gateway asked for: read, and gone from what the client receives.
        pending.erase(start, end - start);
        scan.scanned = start;
        continue;
      }
      // [DONE] without a finish chunk ends an answer that never said it was whole: a cut, and the
      // [DONE] never reaches the client.
      if (role == EventRole::Done && !scan.saw_finish) {
        role = EventRole::Malformed;
        scan.missing_finish = true;
      }
    } else if (role == EventRole::Answer || role == EventRole::Preamble) {
      readAnthropicEvent(event, scan);
    }
    switch (role) {
      case EventRole::Preamble: continue;
      case EventRole::Done: scan.saw_done = true; break;
      case EventRole::Malformed:
        scan.malformed = true;
        [[fallthrough]];
      case EventRole::Error:
        scan.saw_error = true;
        scan.error_start = start;
        if (!scan.saw_data) scan.first_data_is_error = true;
        break;
      case EventRole::Answer: break;
    }
    scan.saw_data = true;
  }
}

// A body that ended cleanly ends its last event too, even without the blank line the SSE format
// asks for (some servers omit it after `data: [DONE]`).
void terminateTrailingEvent(std::string& pending, StreamScan& scan) {
  if (scan.saw_done || scan.saw_error) return;
  const auto rest = std::string_view(pending).substr(scan.scanned);
  if (rest.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
  pending += "\n\n";
  scanEvents(pending, scan);
}


// The event that ends, for the client, a stream that broke and is not continued.
std::string brokenStreamEvent(const AttemptInput& input, const AttemptOutcome& outcome, std::size_t relayed,
                              std::string_view request_id) {
  const std::string message = "The upstream stream from " + input.target.id + " broke after " +
                              std::to_string(relayed) + " bytes (" + outcome.detail + "); the answer is incomplete.";
  const bool deadline = outcome.failure == FailureKind::DeadlineExceeded;
  return streamErrorEvent(input.endpoint.dialect, message, deadline ? "deadline_exceeded" : "stream_interrupted",
                          request_id);
}

}  // namespace

Task<AttemptOutcome> relayStream(const AttemptInput& input,
                                                   http::UpstreamConnection& connection,
                                                   http::ResponseWriter& writer,
                                                   SteadyTime first_token_deadline, bool strip_usage_chunk,
                                                   canonical::StreamUsageMeter& usage) {
  base::SpareString pending_storage;  // the capacity an earlier stream on this thread left, if any
  std::string& pending = *pending_storage;
  // No reservation: the first read sizes it (a slow stream must stay small).
  StreamScan scan(input.endpoint.dialect, strip_usage_chunk, usage);
  bool done = false;
  while (!scan.saw_data) {
    if (done) co_return failed(FailureKind::MalformedResponse, "stream ended before its first event", 200);
    const auto ec = co_await connection.readSome(pending, done, first_token_deadline);
    if (ec) {
      co_return failed(ioFailure(ec, false, first_token_deadline, input.deadline,
                                 FailureKind::FirstTokenTimeout),
                       "stream: " + ec.message(), 200);
    }
    scanEvents(pending, scan);
    if (!scan.saw_data && pending.size() - scan.scanned > input.route.limits.max_event_bytes) {
      co_return failed(FailureKind::EventTooLarge, eventTooLarge(input.route.limits.max_event_bytes), 200);
    }
  }
  if (scan.first_data_is_error) {
    const auto end = http::findSseEventEnd(pending, 0);
    co_return failed(scan.malformed ? FailureKind::MalformedResponse : FailureKind::UpstreamError,
                     (scan.malformed ? "malformed chunk: " : "error event: ") +
                         pending.substr(0, std::min<std::size_t>(end, kDetailMax)),
                     200);
  }

  if (!input.race.claim()) {
    connection.close();
    co_return hedgeLost();
  }
  writer.beginStream(beast_http::status::ok, streamHeaderLines(input.served_by, input.attempt_number));

  AttemptOutcome outcome;
  outcome.kind = Kind::Delivered;
  outcome.first_token_at = std::chrono::steady_clock::now();
  outcome.status = 200;
  std::size_t relayed = 0;
  // Set to null once the answer is too long to be continued: from then on a break ends the stream.
  BrokenStream* broken = input.codec != nullptr ? input.broken : nullptr;
  // timeouts.inter_token runs from the last complete event with data: neither partial bytes nor
  // comments (": keepalive") keep a stalled stream alive.
  std::size_t data_events = scan.data_events;
  SteadyTime last_event_at = outcome.first_token_at;
  for (;;) {
    // A continuable stream keeps an upstream error event from the client: the continuation replaces it.
    // A malformed chunk never reaches the client either: its SDK could not read it.
    const bool hold_back = scan.saw_error && (broken != nullptr || scan.malformed);
    const std::size_t deliver = hold_back ? scan.error_start : scan.scanned;
    if (deliver > 0) {
      // The event that ends the stream leaves with the terminating chunk, in one write.
      const bool last = scan.saw_done || (scan.saw_error && !hold_back);
      const std::string_view bytes = std::string_view(pending).substr(0, deliver);
      if (last) journalBeforeTheEnd(input.journal, input.target, input.price, usage);
      if (co_await writer.writeChunk(bytes, last)) co_return AttemptOutcome{Kind::ClientGone};
      if (broken != nullptr && !broken->recordRelayed(bytes, *input.codec, input.endpoint.dialect,
                                                      input.route.limits.max_resume_bytes)) {
        broken = nullptr;
      }
      relayed += deliver;
      pending.erase(0, deliver);
      scan.scanned -= deliver;
    }
    if (scan.saw_done || scan.saw_error || done) break;
    // Silence longer than inter_token counts as a broken stream; the total deadline still bounds all.
    const SteadyTime silence_limit = std::min(last_event_at + input.route.timeouts.inter_token, input.deadline);
    const auto ec = co_await connection.readSome(pending, done, silence_limit);
    if (ec) {
      // Bytes already reached the client: whatever broke, for the client the stream was cut.
      const bool total = ec == beast::error::timeout && silence_limit >= input.deadline;
      outcome.failure = total ? FailureKind::DeadlineExceeded : FailureKind::StreamCut;
      outcome.detail = ec == beast::error::timeout && !total ? "no event within inter_token" : ec.message();
      break;
    }
    scanEvents(pending, scan);
    if (done) terminateTrailingEvent(pending, scan);
    if (scan.data_events != data_events) {
      const SteadyTime now = std::chrono::steady_clock::now();
      if (input.metrics != nullptr) input.metrics->tokenGap(now - last_event_at, scan.data_events - data_events - 1);
      data_events = scan.data_events;
      last_event_at = now;
    }
    if (!scan.saw_done && !scan.saw_error && pending.size() - scan.scanned > input.route.limits.max_event_bytes) {
      outcome.failure = FailureKind::EventTooLarge;
      outcome.detail = eventTooLarge(input.route.limits.max_event_bytes);
      // What came before the oversized event still reaches the client.
      if (scan.scanned > 0 && co_await writer.writeChunk(std::string_view(pending).substr(0, scan.scanned), false)) {
        co_return AttemptOutcome{Kind::ClientGone};
      }
      if (broken != nullptr && scan.scanned > 0 &&
          !broken->recordRelayed(std::string_view(pending).substr(0, scan.scanned), *input.codec,
                                 input.endpoint.dialect, input.route.limits.max_resume_bytes)) {
        broken = nullptr;
      }
      relayed += scan.scanned;
      break;
    }
  }

  if (scan.saw_done) {
    // Read what follows [DONE] (the terminating chunk) so the connection can serve again.
    pending.clear();
    if (!done && co_await readWholeBody(connection, pending, input.deadline)) connection.close();
    co_return outcome;
  }
  connection.close();
  if (scan.saw_error && scan.malformed) {
    outcome.failure = FailureKind::MalformedResponse;
    outcome.detail = (scan.missing_finish ? "[DONE] without a finish_reason after " : "malformed chunk after ") +
                     std::to_string(relayed) + " bytes";
  } else if (scan.saw_error) {
    outcome.failure = FailureKind::UpstreamError;
    outcome.detail = "upstream error event after " + std::to_string(relayed) + " bytes";
    if (broken == nullptr) co_return outcome;  // the provider's error event ended the client's stream
  } else if (outcome.failure == FailureKind::None) {
    outcome.failure = FailureKind::StreamCut;
    outcome.detail = input.endpoint.dialect == canonical::Dialect::Anthropic ? "stream ended without message_stop"
                                                                          : "stream ended without [DONE]";
  }
  if (broken != nullptr && outcome.failure != FailureKind::DeadlineExceeded) {
    broken->open = true;
    broken->failure = outcome.failure;
    broken->detail = outcome.detail;
    co_return outcome;
  }
  const std::string event = brokenStreamEvent(input, outcome, relayed, writer.requestId());
  journalBeforeTheEnd(input.journal, input.target, input.price, usage);
  if (co_await writer.writeChunk(event, true)) co_return AttemptOutcome{Kind::ClientGone};
  co_return outcome;
}


}  // namespace switchyard::proxy
