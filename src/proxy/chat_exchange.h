#pragma once
// One chat request while its attempt loop runs: what every step of the loop reads (the request, its
// route, plan, policy and budgets), what the steps leave behind for the answer and the audit record
// (the failures, the targets in trouble), and the per-target helpers the steps share. The chat
// handler builds it once the request is planned; the hedge race and the mid-stream continuation run
// as coroutines of their own on it, so that their state is allocated only when they run and not in
// every request's frame.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "accounting/budget_ledger.h"
#include "accounting/rate_limiter.h"
#include "canonical/chat.h"
#include "http/client.h"
#include "http/response_writer.h"
#include "http/server.h"
#include "proxy/audit_trail.h"
#include "proxy/broken_stream.h"
#include "proxy/canonical_form.h"
#include "proxy/client_watch.h"
#include "proxy/decision_log.h"
#include "proxy/economics.h"
#include "proxy/gateway_metrics.h"
#include "proxy/gateway_state.h"
#include "proxy/plan_steps.h"
#include "proxy/request_policy.h"
#include "proxy/request_trace.h"
#include "proxy/target_plan.h"
#include "resilience/retry_state.h"
#include "surfaces/openai/chat_request.h"

namespace switchyard::proxy {

// A target that did not serve the request, and why: the all-targets-failed message lists them.
struct AttemptRecord {
  std::string target;
  base::FailureKind failure;
  std::string detail;
  int status = 0;  // the upstream status, when it answered one
  std::optional<std::chrono::milliseconds> retry_after;
};

// Whether an attempt at a planned target may go, and what its admission holds for after it.
struct AttemptGate {
  enum class Verdict { Go, Skip, Stop };  // Skip: the next target may; Stop: no more attempts
  Verdict verdict = Verdict::Go;
  resilience::Admission admission = resilience::Admission::Allowed;
  bool target_metered = false;       // the target has rate limits: corrected to the tokens used after
  std::int64_t token_estimate = 0;  // what its rate limits were charged
};

struct ChatExchange {
  // The request and where it goes.
  const GatewayState& state;
  boost::asio::io_context& io;
  std::vector<std::unique_ptr<http::ClientPool>>& pools;  // the worker's, by provider
  canonical::Dialect surface;
  std::string_view request_id;
  http::Request& request;
  http::ResponseWriter& writer;
  const surfaces::openai::ChatRequest& chat;
  const routing::RouteSpec& route;  // the spec the route's rules picked
  const RequestPolicy& policy;
  RequestPlan& plan;
  resilience::RetryState& retry;
  CanonicalForm& canonical_form;
  RequestSpend& spend;
  std::string_view key_id;  // the client key's id ("" for an anonymous caller)
  SteadyTime deadline;
  ClientWatch& watch;
  // Where it is recorded.
  AuditTrail& audit;
  RequestTrace& trace;
  DecisionLog& decisions;
  RouteMetrics& route_metrics;
  // A forwarded stream's record for mid-stream failover: set when the route continues broken streams.
  BrokenStream broken;
  BrokenStream* continuable = nullptr;

  // What the attempts leave behind.
  std::vector<AttemptRecord> failures;
  std::vector<std::size_t> troubled;  // health indexes skipped or failed: their incidents count this request
  std::optional<accounting::Refusal> budget_refusal;      // the first budget that refused an attempt
  std::optional<accounting::RateDecision> target_limited;  // the soonest target rate limit that refused one
  std::optional<canonical::Error> unsupported;            // the first target that could not carry the request
  bool deadline_hit = false;

  // The checks before an attempt at plan position `position`: the target may take the request's data
  // classes and can carry it (encoded into `head`/`body` when translated), its breaker admits it, a
  // budget has room (reserved into `hold`), its rate limits too, and a retry is paid from the
  // gateway-wide budget. Every refusal is recorded (failures, audit, decision log) and excludes
  // the position, except a spent retry budget, which ends the attempts.
  AttemptGate admitAttempt(std::size_t position, const routing::TargetRef& target, resilience::TargetHealth& health,
                           accounting::Reservation& hold, std::string& head, std::string& body);
  // Whether `target` takes the client's body as it is (same API). A redacted request is translated
  // even to its own dialect: the answer's text is where the values go back, event by event.
  bool sameApi(const routing::TargetRef& target) const;
  // Encodes the request for a target of another API into `head`/`body` (replaced); the error when
  // the target cannot carry it.
  std::optional<canonical::Error> encodeFor(const routing::TargetRef& target, std::string& head,
                                            std::string& body);
  // One attempt at `target`, forwarded (same API) or translated (`head`/`body` already encoded).
  void prepare(PreparedAttempt& out, const routing::TargetRef& target, std::string& extra, const std::string& head,
               const std::string& body, bool context_fallback, AttemptJournal& journal);
  // An attempt's end into its target's metrics (result, latencies, what it cost this key) and into
  // the request's trace, when it is traced.
  void meterAttempt(const routing::TargetRef& target, const AttemptOutcome& result, SteadyTime began,
                    std::int64_t cost) const;
  void traceAttempt(const routing::TargetRef& target, const observability::SpanId& span, SteadyTime began,
                    const AttemptOutcome& result, bool hedge, bool continuation);
  // A failed attempt into the failures the answer lists; its warning log line.
  void noteFailure(const routing::TargetRef& target, const AttemptOutcome& outcome);
  void logFailure(const routing::TargetRef& target, const AttemptOutcome& outcome, bool hedge) const;
};

}  // namespace switchyard::proxy
