#pragma once
// The decisions a chat request's attempt loop takes between attempts, kept apart from the loop so
// each reads on its own: what a target's health learns, the context-window and diversity moves on
// the plan, hedging's pieces, mid-stream failover's candidates, and incident accounting.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "base/executor.h"
#include "http/server.h"
#include "observability/trace_context.h"
#include "proxy/gateway_state.h"
#include "proxy/target_plan.h"
#include "proxy/translated_attempt.h"
#include "proxy/upstream_attempt.h"
#include "resilience/retry_state.h"

namespace switchyard::proxy {

// Headers a client's Anthropic request carries to an Anthropic target (anthropic-version, -beta).
std::string anthropicHeadLines(const http::Request& request, const providers::ForwardEndpoint& endpoint);

// An attempt's result as the audit record writes it: "ok", "client_gone", or the failure token.
std::string_view attemptResult(const AttemptOutcome& outcome);

// What the target's health record learns from one attempt. Failures that say nothing about the
// target's health (it could not carry the request, the prompt is too long for it, a lost hedge, the
// client left) only free the breaker's probe slot.
void recordOutcome(resilience::TargetHealth& health, resilience::Admission admission, const AttemptOutcome& outcome,
                   SteadyTime started, SteadyTime ended);

// The context window known for a target: what its answers stated (learnt), else what the config or
// the bundled catalog declares; 0 when unknown.
std::int64_t knownContextWindow(const GatewayState& state, const routing::TargetRef& target);
// Whether another plan position not yet excluded might take a prompt too long for `current`: its
// window is larger, or unknown. Only then does "context length exceeded" move the request on.
bool mayFitElsewhere(const GatewayState& state, const routing::RouteSpec& route, const RequestPlan& plan,
                     const resilience::RetryState& retry, std::size_t current);
// After "context length exceeded" at plan position `failed` (whose window `stated` was learnt
// from the message, when it said): that target is not tried again, nor any target known to be no
// larger.
void excludeNoLargerWindows(const GatewayState& state, const routing::RouteSpec& route, const RequestPlan& plan,
                            resilience::RetryState& retry, std::size_t failed, std::optional<std::int64_t> stated);
// Diversity: after a failure, the next attempt of the round goes to another failure domain when
// one is left (the round's remaining targets are reordered; `failed` indexes plan.order).
void preferOtherDomain(const routing::RouteSpec& route, RequestPlan& plan, const resilience::RetryState& retry,
                       std::size_t failed);

// One attempt, ready to run: forwarded (same dialect) or translated.
struct PreparedAttempt {
  // Forwarded (AttemptInput) or translated (TranslatedInput): one or the other, in one slot.
  std::variant<std::monostate, AttemptInput, TranslatedInput> input;
  observability::SpanId span;  // the attempt's span (all zero: the request is not traced)
  std::string trace_lines;     // the trace context it sends upstream (the inputs view it)
  void race(HedgeRacer racer) {
    if (auto* forwarded = std::get_if<AttemptInput>(&input)) forwarded->race = racer;
    if (auto* translated = std::get_if<TranslatedInput>(&input)) translated->race = racer;
  }
};
Task<AttemptOutcome> runPrepared(const PreparedAttempt& attempt, http::ClientPool& pool,
                                                   http::ResponseWriter& writer);
// The hedge delay: fixed, or the target's observed p95 time to first token (the fixed delay, else
// one second, until it has been measured).
std::chrono::milliseconds hedgeDelay(const routing::RouteSpec& route, const resilience::TargetHealth& health);

// Mid-stream failover's candidates: the plan's targets after the broken one, then those before it.
std::vector<std::size_t> continuationCandidates(const RequestPlan& plan, std::size_t broken_position);

// Every target that was skipped or failed while its incident is open counts this request; so does
// the target that served it, as lost, when its answer ended incomplete (a stream it broke that no
// other target could finish).
void noteIncidentEffects(const GatewayState& state, std::vector<std::size_t>& troubled,
                         const routing::TargetRef* served_by, bool forced, bool incomplete);

}  // namespace switchyard::proxy
