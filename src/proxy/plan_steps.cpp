#include "proxy/plan_steps.h"

#include <algorithm>

#include "base/executor.h"

namespace switchyard::proxy {

// Headers a client's Anthropic request carries to an Anthropic target.
std::string_view attemptResult(const AttemptOutcome& outcome) {
  if (outcome.kind == AttemptOutcome::Kind::ClientGone) return "client_gone";
  if (outcome.failure != base::FailureKind::None) return base::toToken(outcome.failure);
  return "ok";
}

std::string anthropicHeadLines(const http::Request& request, const providers::ForwardEndpoint& endpoint) {
  std::string lines = "anthropic-version: ";
  const auto version = request.find("anthropic-version");
  lines.append(version != request.end() ? std::string_view(version->value()) : std::string_view(endpoint.default_version));
  lines.append("\r\n");
  if (const auto beta = request.find("anthropic-beta"); beta != request.end()) {
    lines.append("anthropic-beta: ").append(beta->value()).append("\r\n");
  }
  return lines;
}

// What the target's health record learns from one attempt. Failures that say nothing about the
// target's health (it could not carry the request, the prompt is too long for it, the client left)
// only free the breaker's probe slot.
void recordOutcome(resilience::TargetHealth& health, resilience::Admission admission, const AttemptOutcome& outcome,
                   SteadyTime started, SteadyTime ended) {
  using Kind = AttemptOutcome::Kind;
  const auto ms = [](auto duration) { return std::chrono::duration_cast<std::chrono::milliseconds>(duration); };
  if (outcome.kind == Kind::ClientGone || outcome.failure == base::FailureKind::ContextLength ||
      outcome.failure == base::FailureKind::Unsupported || outcome.failure == base::FailureKind::HedgeLost) {
    health.recordAbandoned(admission);
  } else if (outcome.kind == Kind::Failed || outcome.failure != base::FailureKind::None) {
    health.recordFailure(ended, admission, outcome.failure, outcome.detail);
  } else {
    const SteadyTime first_token = outcome.first_token_at == SteadyTime{} ? ended : outcome.first_token_at;
    health.recordSuccess(ended, admission, ms(first_token - started), ms(ended - started));
  }
}

std::int64_t knownContextWindow(const GatewayState& state, const routing::TargetRef& target) {
  const std::int64_t learnt = state.learned[target.health]->context_window.load(std::memory_order_relaxed);
  return learnt > 0 ? learnt : target.context_window;
}

bool mayFitElsewhere(const GatewayState& state, const routing::RouteSpec& route, const RequestPlan& plan,
                     const resilience::RetryState& retry, std::size_t current) {
  const std::int64_t window = knownContextWindow(state, route.targets[plan.order[current]]);
  for (std::size_t p = 0; p < plan.order.size(); ++p) {
    if (p == current || retry.excluded(p)) continue;
    const std::int64_t other = knownContextWindow(state, route.targets[plan.order[p]]);
    if (other == 0 || window == 0 || other > window) return true;
  }
  return false;
}

void excludeNoLargerWindows(const GatewayState& state, const routing::RouteSpec& route, const RequestPlan& plan,
                            resilience::RetryState& retry, std::size_t failed, std::optional<std::int64_t> stated) {
  const routing::TargetRef& target = route.targets[plan.order[failed]];
  if (stated && *stated > 0) state.learned[target.health]->context_window.store(*stated, std::memory_order_relaxed);
  retry.exclude(failed);
  const std::int64_t window = knownContextWindow(state, target);
  if (window == 0) return;  // nothing known to compare the others with
  for (std::size_t p = 0; p < plan.order.size(); ++p) {
    const std::int64_t other = knownContextWindow(state, route.targets[plan.order[p]]);
    if (other > 0 && other <= window) retry.exclude(p);
  }
}

// Diversity: after a failure, the next attempt of the round goes to another failure domain when
// one is left (the round's remaining targets are reordered; `failed` indexes plan.order).
void preferOtherDomain(const routing::RouteSpec& route, RequestPlan& plan, const resilience::RetryState& retry,
                       std::size_t failed) {
  if (route.plan.diversity == routing::Diversity::None) return;
  std::vector<std::size_t> positions;  // the rest of this round, not excluded
  std::vector<std::size_t> remaining;  // their targets
  for (std::size_t p = failed + 1; p < plan.order.size(); ++p) {
    if (retry.excluded(p)) continue;
    positions.push_back(p);
    remaining.push_back(plan.order[p]);
  }
  if (positions.size() < 2) return;
  const std::size_t chosen = routing::nextAfterFailure(plan.views, plan.order[failed], remaining, route.plan);
  std::swap(plan.order[positions[0]], plan.order[positions[chosen]]);
}

Task<AttemptOutcome> runPrepared(const PreparedAttempt& attempt, http::ClientPool& pool,
                                                   http::ResponseWriter& writer) {
  if (const auto* forwarded = std::get_if<AttemptInput>(&attempt.input)) {
    co_return co_await runAttempt(*forwarded, pool, writer);
  }
  co_return co_await runTranslatedAttempt(std::get<TranslatedInput>(attempt.input), pool, writer);
}

// The hedge delay: fixed, or the target's observed p95 time to first token (the fixed delay, else
// one second, until it has been measured).
std::chrono::milliseconds hedgeDelay(const routing::RouteSpec& route, const resilience::TargetHealth& health) {
  if (route.hedge.delay_is_p95) {
    const double p95 = health.firstTokenP95Ms();
    if (p95 > 0) return std::chrono::milliseconds(static_cast<std::int64_t>(p95) + 1);
    return route.hedge.delay.count() > 0 ? route.hedge.delay : std::chrono::milliseconds(1000);
  }
  return route.hedge.delay;
}

// Mid-stream failover's candidates: the plan's targets after the broken one, then those before it.
std::vector<std::size_t> continuationCandidates(const RequestPlan& plan, std::size_t broken_position) {
  std::vector<std::size_t> candidates;
  const std::size_t n = plan.order.size();
  for (std::size_t step = 1; step < n; ++step) candidates.push_back(plan.order[(broken_position + step) % n]);
  return candidates;
}

// Every target that was skipped or failed while its incident is open counts this request.
void noteIncidentEffects(const GatewayState& state, std::vector<std::size_t>& troubled,
                         const routing::TargetRef* served_by, bool forced, bool incomplete) {
  std::sort(troubled.begin(), troubled.end());
  troubled.erase(std::unique(troubled.begin(), troubled.end()), troubled.end());
  for (const std::size_t health : troubled) {
    if (served_by != nullptr && served_by->health == health) continue;
    state.health[health]->noteEffect(served_by != nullptr ? resilience::IncidentEffect::FailedOver
                                                          : resilience::IncidentEffect::Lost);
  }
  if (forced && served_by != nullptr) state.health[served_by->health]->noteEffect(resilience::IncidentEffect::ServedAnyway);
  if (incomplete && served_by != nullptr) state.health[served_by->health]->noteEffect(resilience::IncidentEffect::Lost);
}


}  // namespace switchyard::proxy
