#pragma once
// One same-dialect upstream exchange for one chat request: send the (model-rewritten) body to one target and
// either deliver the answer to the client or report why the target failed, so the caller can fail
// over. Nothing reaches the client until the answer is known good (non-stream: the whole body;
// stream: the first event), which is what makes failover invisible.
#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "accounting/provider_quota.h"
#include "base/executor.h"
#include "base/failure.h"
#include "canonical/chat.h"
#include "canonical/json_scan.h"
#include "canonical/price.h"
#include "proxy/client_watch.h"
#include "http/client.h"
#include "http/server.h"
#include "providers/forward_endpoint.h"
#include "providers/target_codec.h"
#include "routing/route_table.h"

namespace switchyard::proxy {

class AttemptJournal;
struct BrokenStream;
struct TargetMetrics;

// Hedging: two attempts race; the first to have something for the client (first token, whole
// answer) claims it, and the other's upstream connection is closed at once. `active` is set and
// cleared only by each racer's UpstreamLease.
struct HedgeGate {
  int winner = -1;
  http::UpstreamConnection* active[2] = {nullptr, nullptr};
  // True when `racer` may write to the client (it won, now or before).
  bool claim(int racer) {
    if (winner >= 0) return winner == racer;
    winner = racer;
    if (auto* other = active[1 - racer]) other->close();
    return true;
  }
};
struct HedgeRacer {
  HedgeGate* gate = nullptr;  // null: not racing
  int racer = 0;
  bool claim() const { return gate == nullptr || gate->claim(racer); }
};

using SteadyTime = std::chrono::steady_clock::time_point;

struct AttemptInput {
  const routing::RouteSpec& route;
  const routing::TargetRef& target;
  const providers::ForwardEndpoint& endpoint;  // the target, same dialect as the client
  std::string_view extra_head;           // per-request header lines (anthropic-version...), CRLF-ended
  const std::string& served_by;          // pre-rendered x-switchyard-route/-target lines
  const http::Request& request;          // the client's request (body forwarded)
  canonical::ByteSpan model_span;        // where the model sits in that body
  bool stream = false;
  int attempt_number = 1;
  SteadyTime deadline;                   // the request's total deadline
  ClientWatch& client;                   // told which upstream connection to cancel
  // Context-window fallback: when set and the target answers "context length exceeded", the
  // attempt fails (a target with a larger window is tried) instead of passing the error through.
  const providers::TargetCodec* context_fallback = nullptr;
  // Mid-stream failover: when set, a stream that breaks after the client got part of it is left
  // open and described here (the flow continues it on another target) instead of being ended.
  struct BrokenStream* broken = nullptr;
  const providers::TargetCodec* codec = nullptr;  // reads this target's stream back (for `broken`)
  HedgeRacer race{};
  // The target's price: a whole answer whose usage the provider reported gets x-switchyard-cost-usd
  // (when the price is known). Streams carry no cost header; their usage is in the outcome.
  const canonical::TokenPrice* price = nullptr;
  // The target's quota reading, updated from the answer's rate-limit headers (null: not read, as
  // for count_tokens, which has limits of its own).
  accounting::QuotaTracker* quota = nullptr;
  // The target's metrics: a stream's time between events is recorded as it is relayed (null: not).
  TargetMetrics* metrics = nullptr;
  // Where the attempt's cost is journaled before its answer's last byte goes out (null: not; see
  // AttemptJournal in economics.h).
  AttemptJournal* journal = nullptr;
  // The trace context sent upstream ("traceparent: ...\r\n", maybe "tracestate: ...\r\n"; empty:
  // none): proxy/request_trace.h.
  std::string_view trace_lines;
};

struct AttemptOutcome {
  enum class Kind {
    Delivered,   // the client has its answer (success, a passed-through client error, or a cut stream)
    Failed,      // nothing reached the client; the caller may try another target
    ClientGone,  // the client went away; stop
  };
  Kind kind = Kind::Failed;
  base::FailureKind failure = base::FailureKind::None;
  int status = 0;                                  // upstream HTTP status, when there was one
  bool usage_known = false;      // see `usage` below (here: in the padding after status)
  bool usage_estimated = false;
  std::optional<std::chrono::milliseconds> retry_after;
  std::optional<std::int64_t> context_limit;       // ContextLength: the window the provider stated
  std::string detail;                              // short human-readable reason
  // Streams delivered: when the first token reached the client (the target's latency record learns
  // time to first token from it; for whole answers the attempt's end stands in).
  SteadyTime first_token_at{};
  // What the upstream's answer cost in tokens, whenever the attempt read one (a success, a
  // delivered stream, cut or whole; also a whole answer that lost a hedge or whose client left):
  // - usage_known: `usage` holds the provider's figures (canonical: input_tokens is the whole prompt,
  //   cached tokens included; reasoning_tokens is part of output_tokens);
  // - usage_estimated (with usage_known): the stream ended without its final usage (cut, or a server
  //   that ignores stream_options.include_usage): output_tokens is estimated from the text relayed
  //   (bytes / 4, rounded up) or what the provider said before the break, whichever is larger;
  //   input_tokens is what the provider said before the break (Anthropic's message_start), else 0.
  // Unknown (false) for failures that read no answer, error answers, and answers without usage.
  canonical::Usage usage;
};


Task<AttemptOutcome> runAttempt(const AttemptInput& input, http::ClientPool& pool,
                                                  http::ResponseWriter& writer);

}  // namespace switchyard::proxy
