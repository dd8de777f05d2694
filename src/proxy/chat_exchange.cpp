#include "proxy/chat_exchange.h"

#include "observability/log.h"
#include "resilience/retry_budget.h"
#include "resilience/target_health.h"

namespace switchyard::proxy {

using canonical::Dialect;
using observability::LogLevel;
using Clock = std::chrono::steady_clock;

AttemptGate ChatExchange::admitAttempt(std::size_t position, const routing::TargetRef& target,
                                       resilience::TargetHealth& health, accounting::Reservation& hold,
                                       std::string& head, std::string& body) {
  AttemptGate gate;
  const auto skip = [&] {
    retry.exclude(position);
    gate.verdict = AttemptGate::Verdict::Skip;
    return gate;
  };
  if (!targetAllowed(state, target, policy.classes)) return skip();  // fail closed: the plan holds only allowed targets
  if (!sameApi(target)) {
    if (auto error = encodeFor(target, head, body)) {
      // Not this target's fault and not worth an attempt: the next target may carry it.
      failures.push_back({target.id, base::FailureKind::Unsupported, std::string(error->message)});
      if (!unsupported) unsupported = *error;
      decisions.skippedAt(plan, position, "cannot_carry", error->message);
      audit.skipped(target.id, "skipped_unsupported", error->message);
      return skip();
    }
  }
  // An open breaker skips its target at once; a route whose every target is open still sends to
  // the one most likely to have recovered (plan.forced).
  if (!plan.forced) {
    gate.admission = health.admit(Clock::now());
    if (gate.admission == resilience::Admission::Rejected) {
      failures.push_back({target.id, base::FailureKind::BreakerOpen, {}});
      troubled.push_back(target.health);
      decisions.skippedAt(plan, position, "breaker_open");
      audit.skipped(target.id, "skipped_breaker");
      return skip();
    }
  }
  if (auto budget = spend.reserve(target.price, target.max_output_tokens, hold)) {
    // A cheaper target of the plan may still fit the budget.
    health.recordAbandoned(gate.admission);
    audit.skipped(target.id, "skipped_budget", budget->budget);
    decisions.skippedAt(plan, position, "budget", budget->budget);
    if (!budget_refusal) budget_refusal = std::move(budget);
    return skip();
  }
  EconomicsState& economics = *state.economics;
  gate.target_metered = economics.target_limits.any() && economics.target_limits.limits(target.id);
  gate.token_estimate = spend.tokenEstimate(target.max_output_tokens);
  if (gate.target_metered) {
    const auto decision = economics.target_limits.admit(target.id, gate.token_estimate, Clock::now());
    if (!decision.admitted) {
      health.recordAbandoned(gate.admission);
      hold.release();
      audit.skipped(target.id, "skipped_rate_limit", accounting::rateKindName(decision.limited_by));
      decisions.skippedAt(plan, position, "rate_limit", accounting::rateKindName(decision.limited_by));
      if (!target_limited || decision.retry_after < target_limited->retry_after) target_limited = decision;
      return skip();
    }
  }
  // Every attempt after the first is a retry, paid from the gateway-wide budget.
  if (retry.attempts() > 0 && !state.retry_budget->tryAcquire(Clock::now())) {
    health.recordAbandoned(gate.admission);
    failures.push_back({target.id, base::FailureKind::BudgetExhausted, {}});
    decisions.skippedAt(plan, position, "retry_budget", "the gateway-wide retry budget is spent: no more retries");
    audit.skipped(target.id, "skipped_budget", "retry budget");
    route_metrics.add(RouteMetrics::RetryBudgetRefused);
    gate.verdict = AttemptGate::Verdict::Stop;
  }
  return gate;
}

bool ChatExchange::sameApi(const routing::TargetRef& target) const {
  const auto& forward = state.forward[target.slot];
  return forward && forward->dialect == surface && !policy.redacted;
}

std::optional<canonical::Error> ChatExchange::encodeFor(const routing::TargetRef& target, std::string& head,
                                                        std::string& body) {
  const canonical::ChatRequest* form = canonical_form.get();
  if (form == nullptr) return canonical_form.error();
  return state.codecs[target.slot]->encode(*form, canonical_form.arena(), head, body);
}

void ChatExchange::prepare(PreparedAttempt& out, const routing::TargetRef& target, std::string& extra,
                           const std::string& head, const std::string& body, bool context_fallback,
                           AttemptJournal& journal) {
  const auto& forward = state.forward[target.slot];
  const providers::TargetCodec* codec = state.codecs[target.slot].get();
  out.span = trace.attemptSpan();
  trace.upstreamLines(out.span, out.trace_lines);
  if (sameApi(target)) {
    extra = surface == Dialect::Anthropic ? anthropicHeadLines(request, *forward) : std::string();
    auto& forwarded = out.input.emplace<AttemptInput>(AttemptInput{route, target, *forward, extra, state.served_by[target.slot],
                                                         request, chat.model_span, chat.stream, retry.attempts(),
                                                         deadline, watch, context_fallback ? codec : nullptr,
                                                         continuable, codec});
    forwarded.price = &target.price;
    forwarded.quota = &state.learned[target.health]->quota;
    forwarded.metrics = state.metrics.targets[target.health].get();
    forwarded.journal = &journal;
    forwarded.trace_lines = out.trace_lines;
  } else {
    auto& translated = out.input.emplace<TranslatedInput>(
        TranslatedInput{route, target, *codec, state.served_by[target.slot], surface, chat.stream,
                        canonical_form.get()->include_usage, head, body, retry.attempts(), deadline, watch,
                        canonical_form.arena(), context_fallback, continuable, {},
                        policy.restorer ? &*policy.restorer : nullptr});
    translated.price = &target.price;
    translated.quota = &state.learned[target.health]->quota;
    translated.metrics = state.metrics.targets[target.health].get();
    translated.journal = &journal;
    translated.trace_lines = out.trace_lines;
  }
}

void ChatExchange::meterAttempt(const routing::TargetRef& target, const AttemptOutcome& result, SteadyTime began,
                                std::int64_t cost) const {
  TargetMetrics& metrics = *state.metrics.targets[target.health];
  metrics.attempt(result, began, Clock::now());
  if (result.usage_known) metrics.usage(key_id, result.usage, cost);
}

void ChatExchange::traceAttempt(const routing::TargetRef& target, const observability::SpanId& span, SteadyTime began,
                                const AttemptOutcome& result, bool hedge, bool continuation) {
  if (!trace.sampled()) return;
  trace.attempt({target, state.metrics.targets[target.health]->provider_name, span, began, retry.attempts(), hedge,
                 continuation, result, attemptResult(result)});
}

void ChatExchange::noteFailure(const routing::TargetRef& target, const AttemptOutcome& outcome) {
  failures.push_back({target.id, outcome.failure, outcome.detail, outcome.status, outcome.retry_after});
}

void ChatExchange::logFailure(const routing::TargetRef& target, const AttemptOutcome& outcome, bool hedge) const {
  if (!observability::enabled(LogLevel::Warn)) return;
  if (hedge) {
    observability::log(LogLevel::Warn, "attempt failed",
                       {{"request_id", request_id}, {"route", route.name}, {"target", target.id},
                        {"attempt", retry.attempts()}, {"hedge", true}, {"failure", base::toToken(outcome.failure)},
                        {"detail", outcome.detail}});
  } else {
    observability::log(LogLevel::Warn, "attempt failed",
                       {{"request_id", request_id}, {"route", route.name}, {"target", target.id},
                        {"attempt", retry.attempts()}, {"failure", base::toToken(outcome.failure)},
                        {"detail", outcome.detail}});
  }
}

}  // namespace switchyard::proxy
