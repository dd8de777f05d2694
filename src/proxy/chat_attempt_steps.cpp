#include "proxy/chat_attempt_steps.h"

#include "base/executor.h"
#include "proxy/hedge_race.h"
#include "proxy/stream_continuation.h"
#include "resilience/retry_budget.h"
#include "resilience/target_health.h"

namespace switchyard::proxy {

using Clock = std::chrono::steady_clock;

Task<bool> raceWithHedge(ChatExchange& x, const PrimaryAttempt& primary, AttemptOutcome& outcome,
                                           const routing::TargetRef*& served_by) {
  accounting::Reservation hedge_hold;
  AttemptJournal hedge_journal(x.spend);
  // The hedge is the plan's next target that can carry the request and is admitted, within the
  // route's hedge budget and the retry budget.
  const HedgePicker pick = [&x, &primary, &hedge_hold, &hedge_journal](HedgeEntrant& entrant) {
    for (std::size_t p = primary.position + 1; p < x.plan.order.size(); ++p) {
      if (x.retry.excluded(p)) continue;
      const routing::TargetRef& candidate = x.route.targets[x.plan.order[p]];
      if (!targetAllowed(x.state, candidate, x.policy.classes)) continue;  // fail closed, as the loop does
      std::string head;
      std::string body;
      if (!x.sameApi(candidate) && x.encodeFor(candidate, head, body)) {
        x.decisions.skipped(candidate, "cannot_carry", {}, true);
        continue;
      }
      auto& candidate_health = *x.state.health[candidate.health];
      const auto candidate_admission = candidate_health.admit(Clock::now());
      if (candidate_admission == resilience::Admission::Rejected) {
        x.decisions.skipped(candidate, "breaker_open", {}, true);
        continue;
      }
      if (x.spend.reserve(candidate.price, candidate.max_output_tokens, hedge_hold)) {
        candidate_health.recordAbandoned(candidate_admission);
        x.decisions.skipped(candidate, "budget", {}, true);
        continue;
      }
      const bool hedge_paid = primary.hedge_budget.tryAcquire(Clock::now());
      if (!hedge_paid || !x.state.retry_budget->tryAcquire(Clock::now())) {
        candidate_health.recordAbandoned(candidate_admission);
        x.decisions.skipped(candidate, hedge_paid ? "retry_budget" : "hedge_budget", {}, true);
        x.route_metrics.add(RouteMetrics::HedgeBudgetRefused);
        return false;
      }
      x.decisions.hedgeStarted(candidate, primary.target);
      x.route_metrics.add(RouteMetrics::HedgesStarted);
      entrant.target = &candidate;
      entrant.admission = candidate_admission;
      entrant.pool = x.pools[candidate.provider].get();
      entrant.head = std::move(head);
      entrant.body = std::move(body);
      x.retry.countExtraAttempt();
      x.prepare(entrant.attempt, candidate, entrant.extra, entrant.head, entrant.body, false, hedge_journal);
      candidate_health.attemptStarted();
      return true;
    }
    return false;
  };
  HedgeRace race(x.io, x.writer);
  HedgeEntrant hedge;
  const std::chrono::milliseconds delay = hedgeDelay(x.route, primary.health);
  RaceResult result = co_await race.run(primary.prepared, *x.pools[primary.target.provider], delay, hedge, pick);
  outcome = std::move(result.primary);
  if (!result.hedge) co_return false;

  auto& hedge_health = *x.state.health[hedge.target->health];
  AttemptOutcome& hedge_outcome = *result.hedge;
  hedge_health.attemptEnded();
  if (x.watch.gone) hedge_outcome.kind = AttemptOutcome::Kind::ClientGone;
  recordOutcome(hedge_health, hedge.admission, hedge_outcome, hedge.started, Clock::now());
  const std::int64_t hedge_cost = x.spend.settle(hedge.target->id, hedge_hold, hedge_outcome.usage,
                                                 hedge_outcome.usage_known, hedge.target->price, hedge_journal);
  x.meterAttempt(*hedge.target, hedge_outcome, hedge.started, hedge_cost);
  x.traceAttempt(*hedge.target, hedge.attempt.span, hedge.started, hedge_outcome, true, false);
  x.audit.tried(hedge.target->id, x.retry.attempts(), attemptResult(hedge_outcome), hedge_outcome.status, true, false,
                hedge_outcome.usage_known ? &hedge_outcome.usage : nullptr, hedge_cost, hedge_outcome.usage_estimated);
  primary.health.noteEffect(resilience::IncidentEffect::Hedged);
  if (!result.hedge_won) {
    if (hedge_outcome.kind == AttemptOutcome::Kind::Failed && hedge_outcome.failure != base::FailureKind::HedgeLost) {
      x.noteFailure(*hedge.target, hedge_outcome);
      x.logFailure(*hedge.target, hedge_outcome, true);
    }
    co_return false;
  }
  // The hedge won: the primary is settled and recorded as the loser here, the hedge serves.
  primary.health.attemptEnded();
  recordOutcome(primary.health, primary.admission, outcome, primary.started, Clock::now());
  const std::int64_t lost_cost = x.spend.settle(primary.target.id, primary.hold, outcome.usage, outcome.usage_known,
                                                primary.target.price, primary.journal);
  x.meterAttempt(primary.target, outcome, primary.started, lost_cost);
  x.traceAttempt(primary.target, primary.prepared.span, primary.started, outcome, false, false);
  x.route_metrics.add(RouteMetrics::HedgesWon);
  x.audit.tried(primary.target.id, x.retry.attempts(), attemptResult(outcome), outcome.status, false, false,
                outcome.usage_known ? &outcome.usage : nullptr, lost_cost, outcome.usage_estimated);
  if (outcome.failure != base::FailureKind::HedgeLost) x.noteFailure(primary.target, outcome);
  outcome = std::move(hedge_outcome);
  served_by = hedge.target;
  if (x.broken.open) {
    // A hedge's broken stream is not continued (documented): end it in the client's dialect.
    const std::string event = streamErrorEvent(x.surface, "The upstream stream broke: " + x.broken.detail,
                                               "stream_interrupted", x.request_id);
    if (co_await x.writer.writeChunk(event, true)) outcome.kind = AttemptOutcome::Kind::ClientGone;
  }
  co_return true;
}

Task<void> continueBrokenStream(ChatExchange& x, std::size_t position,
                                                  resilience::TargetHealth& health, AttemptOutcome& outcome,
                                                  const routing::TargetRef*& continued_by) {
  const canonical::ChatRequest* form = x.canonical_form.get();
  if (form == nullptr) {
    const std::string event = streamErrorEvent(x.surface, "The upstream stream broke: " + x.broken.detail,
                                               "stream_interrupted", x.request_id);
    if (co_await x.writer.writeChunk(event, true)) outcome.kind = AttemptOutcome::Kind::ClientGone;
    co_return;
  }
  const std::vector<std::size_t> candidates = continuationCandidates(x.plan, position);
  AttemptJournal continued_journal(x.spend);
  const ContinuationInput input{x.state,     x.route,    x.surface,          form->include_usage,
                                *form,       x.canonical_form.arena(), candidates, x.pools,
                                x.deadline,  x.watch,    x.policy.classes,   &continued_journal,
                                &x.trace};
  const auto continued = co_await continueStream(input, x.broken, x.writer);
  outcome.kind = continued.outcome.kind;
  outcome.failure = continued.outcome.failure;
  if (continued.outcome.failure != base::FailureKind::None) outcome.detail = continued.outcome.detail;
  continued_by = continued.continued_by;
  x.route_metrics.add(continued.outcome.failure == base::FailureKind::None ? RouteMetrics::ContinuationsCompleted
                                                                           : RouteMetrics::ContinuationsFailed);
  if (continued_by == nullptr) co_return;
  health.noteEffect(resilience::IncidentEffect::Continued);  // counted when the broken target's incident is open
  accounting::Reservation none;
  const std::int64_t continued_cost =
      x.spend.settle(continued_by->id, none, continued.outcome.usage, continued.outcome.usage_known,
                     continued_by->price, continued_journal);
  if (continued.outcome.usage_known) {
    x.state.metrics.targets[continued_by->health]->usage(x.key_id, continued.outcome.usage, continued_cost);
  }
  x.audit.tried(continued_by->id, x.retry.attempts(), attemptResult(continued.outcome), 200, false, true,
                continued.outcome.usage_known ? &continued.outcome.usage : nullptr, continued_cost,
                continued.outcome.usage_estimated);
}

}  // namespace switchyard::proxy
