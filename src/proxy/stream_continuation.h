#pragma once
// Failover in the middle of a stream. When a stream breaks after the client already has part of the
// answer (the connection drops, no event for timeouts.inter_token, a malformed chunk, an upstream
// error event), the attempt leaves the client's stream open and hands over a BrokenStream; another
// target gives the rest and its stream is spliced into the same client stream, so the client sees
// one stream with one id, one finish reason and the combined usage.
//
// The answer stays one model's answer. Each candidate target is asked, in this order:
//   1. prefill: the partial text as a trailing assistant turn, in the target's documented way
//      (providers/prefill_support.h); a 400 saying it refuses a prefill is learnt (never shown to
//      the client) and the same target is asked again by replay;
//   2. replay: the original request again; while its answer repeats what the client has
//      (whitespace normalised) it is discarded, then the rest is relayed; an answer that says
//      something else is refused and the next candidate is tried;
//   3. instruction (only with `mid_stream_failover: best_effort`): the partial text and a user turn
//      asking to continue; its text is that model's guess at the rest.
// When none gives the rest, the stream ends with the dialect's error event and no normal end.
// Not continued: a stream that has started a tool call (its arguments may be half-sent), and a
// continuation that itself breaks after sending text; those end with the dialect's error event.
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "base/executor.h"
#include "canonical/continuation.h"
#include "canonical/stream_codec.h"
#include "http/client.h"
#include "http/response_writer.h"
#include "proxy/broken_stream.h"
#include "proxy/client_watch.h"
#include "proxy/gateway_state.h"
#include "proxy/upstream_attempt.h"
#include "resilience/retry_state.h"

namespace switchyard::proxy {

class RequestTrace;

struct ContinuationInput {
  const GatewayState& state;
  const routing::RouteSpec& route;
  canonical::Dialect surface;
  bool include_usage = false;
  const canonical::ChatRequest& request;  // the client's request, canonical
  canonical::Arena& arena;
  const std::vector<std::size_t>& candidates;  // route target indexes to try, in order
  std::vector<std::unique_ptr<http::ClientPool>>& pools;  // by provider
  SteadyTime deadline;
  ClientWatch& client;
  std::uint64_t required_classes = 0;  // the request's data classes: a candidate must satisfy them
  // Where the continuation's cost (every continuation attempt's, at the completing target's price,
  // as it is settled) is journaled before the answer's last byte goes out (null: not).
  AttemptJournal* journal = nullptr;
  // The request's trace: each continuation attempt gets its own span (marked as a continuation) and
  // sends its upstream the trace context naming it (null: no trace context at all).
  RequestTrace* trace = nullptr;
};

struct ContinuationOutcome {
  // Delivered (the client's stream is closed either way). Its usage is what the continuation
  // attempts themselves cost (summed; see AttemptOutcome::usage), apart from the broken attempt's:
  // the request's usage is the broken attempt's outcome.usage plus this one.
  AttemptOutcome outcome;
  const routing::TargetRef* continued_by = nullptr;  // the target whose continuation completed the answer
  int attempts = 0;                              // continuation attempts made
};

// Completes a broken stream: continues it on the candidates, or ends it with the dialect's error
// event when none can.
Task<ContinuationOutcome> continueStream(const ContinuationInput& input, BrokenStream& broken,
                                                           http::ResponseWriter& writer);

// Ends a broken stream that will not be continued: the dialect's error event, then the end of the
// response. Used by the attempts themselves when mid-stream failover is off.
// `request_id`, when given, goes into the event as in a whole error body (proxy/client_errors.h).
std::string streamErrorEvent(canonical::Dialect dialect, std::string_view message, std::string_view code,
                             std::string_view request_id = {});

}  // namespace switchyard::proxy
