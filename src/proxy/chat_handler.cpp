// The chat endpoints of both client surfaces: POST /v1/chat/completions (OpenAI) and POST
// /v1/messages (Anthropic): plan, attempts with failover, hedging and mid-stream continuation.
#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/string.hpp>

#include "canonical/arena.h"
#include "http/asio_fwd.h"
#include "http/field_lookup.h"
#include "observability/log.h"
#include "proxy/audit_trail.h"
#include "proxy/canonical_form.h"
#include "proxy/client_errors.h"
#include "proxy/client_watch.h"
#include "proxy/decision_log.h"
#include "proxy/economics.h"
#include "proxy/gateway_handler.h"
#include "proxy/gateway_metrics.h"
#include "proxy/hedge_race.h"
#include "proxy/plan_steps.h"
#include "proxy/provider_quotas.h"
#include "proxy/request_trace.h"
#include "proxy/response_headers.h"
#include "proxy/stream_continuation.h"
#include "proxy/target_plan.h"
#include "proxy/translated_attempt.h"
#include "proxy/upstream_attempt.h"
#include "resilience/failover_policy.h"
#include "surfaces/openai/chat_request.h"

namespace switchyard::proxy {

namespace beast_http = boost::beast::http;
using canonical::Dialect;
using observability::LogLevel;
using Clock = std::chrono::steady_clock;

// nginx's convention for "the client closed the connection before the answer was complete".
constexpr int kClientClosedRequest = 499;

namespace {

// An explicit non-JSON type is the client's mistake; no Content-Type at all (curl -d without -H,
// simple load tools) is taken as JSON, and the body is still validated as JSON.
bool isJsonContentType(std::string_view value) {
  if (value.empty()) return true;
  const auto semicolon = value.find(';');
  std::string_view media = value.substr(0, semicolon);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media.size() < 16) return false;
  return boost::beast::iequals(media, "application/json") ||
         boost::beast::iequals(media.substr(media.size() - 5), "+json");
}

struct AttemptRecord {
  std::string target;
  base::FailureKind failure;
  std::string detail;
  int status = 0;  // the upstream status, when it answered one
  std::optional<std::chrono::milliseconds> retry_after;
};

std::string describeFailures(std::string_view route, const std::vector<AttemptRecord>& attempts,
                             std::string_view why, int attempt_count) {
  std::string message = "Route '" + std::string(route) + "': " + std::string(why) + " after " +
                        std::to_string(attempt_count) + " attempt" + (attempt_count == 1 ? "" : "s");
  message += attempts.empty() ? "." : ":";
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    message += (i == 0 ? " " : "; ");
    message += "#" + std::to_string(i + 1) + " " + attempts[i].target + ": " +
               std::string(base::toToken(attempts[i].failure));
    if (!attempts[i].detail.empty()) message += " " + attempts[i].detail;
  }
  return message;
}

// 503 when every attempt failed, 504 when the total deadline ran out, 429 when every target that
// answered said "rate limited"; the message lists them all. The gateway already retried, so the
// client's SDK is told not to (`x-should-retry: false`, which the official SDKs honour); and
// when a provider said when to come back, the soonest is passed on as Retry-After.
http::Response allTargetsFailed(Dialect surface, std::string_view request_id, std::string_view route,
                                const std::vector<AttemptRecord>& failures, int attempts, bool timed_out) {
  std::optional<std::chrono::milliseconds> soonest;
  bool answered = false;
  bool all_rate_limited = true;
  for (const auto& failure : failures) {
    if (failure.failure == base::FailureKind::BreakerOpen || failure.failure == base::FailureKind::Unsupported ||
        failure.failure == base::FailureKind::BudgetExhausted) {
      continue;  // not tried
    }
    answered = true;
    if (failure.status != 429) all_rate_limited = false;
    if (failure.retry_after && (!soonest || *failure.retry_after < *soonest)) soonest = failure.retry_after;
  }
  const bool rate_limited = !timed_out && answered && all_rate_limited;
  auto status = http::Status::service_unavailable;
  const char* why = "every target failed";
  const char* code = "all_targets_failed";
  if (timed_out) {
    status = http::Status::gateway_timeout;
    why = "total deadline exceeded";
    code = "deadline_exceeded";
  } else if (rate_limited) {
    status = http::Status::too_many_requests;
    why = "every target is rate limited";
    code = "rate_limit_exceeded";
  }
  auto response = clientError(surface, request_id, status, describeFailures(route, failures, why, attempts), code);
  setSwitchyardHeaders(response, route, {}, attempts);
  response.set("x-should-retry", "false");
  if (soonest) {
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(*soonest).count();
    response.set(beast_http::field::retry_after, std::to_string(std::max<std::int64_t>(seconds, 1)));
  }
  return response;
}

// The request's data classes left no target, or only targets that failed: the error says so, with
// the class and how many targets the policy kept out, never "every target failed" when the policy
// made it so. 403 when no target may take it (the client cannot fix that by retrying), 503 when
// the allowed ones failed.
http::Response policyRefusal(const GatewayState& state, Dialect surface, std::string_view request_id,
                             const routing::RouteSpec& route, const RequestPlan& plan, const RequestPolicy& policy,
                             const std::vector<AttemptRecord>& failures, int attempts) {
  const std::string classes = state.classes.names(policy.classes);
  const std::string excluded = std::to_string(plan.excluded.size()) + " of " + std::to_string(route.targets.size()) +
                               " target" + (route.targets.size() == 1 ? "" : "s");
  http::Response response{};
  if (plan.order.empty()) {
    std::string message = "Route '" + route.name + "': no target may receive data class '" + classes + "' (" +
                          excluded + " excluded by policy";
    for (std::size_t i = 0; i < plan.excluded.size() && i < 4; ++i) {
      const auto& target = route.targets[plan.excluded[i]];
      const std::string reason = exclusionReason(state, target, policy);  // "phi: lacks compliance hipaa_baa"
      message += (i == 0 ? ": " : "; ") + target.id + " " + reason.substr(reason.find(": ") + 2);
    }
    message += ").";
    response = clientError(surface, request_id, http::Status::forbidden, message, "data_class_unroutable");
  } else {
    const std::string message =
        describeFailures(route.name, failures,
                         "every target allowed for data class '" + classes + "' failed (" + excluded +
                             " excluded by policy, not contacted)",
                         attempts);
    response = clientError(surface, request_id, http::Status::service_unavailable, message, "allowed_targets_failed");
    response.set("x-should-retry", "false");
  }
  setSwitchyardHeaders(response, route.name, {}, attempts);
  response.set("x-switchyard-policy-excluded", std::to_string(plan.excluded.size()));
  return response;
}

// The gateway's shutdown grace ran out before an answer: nothing was sent, so the client may retry
// (on another instance, behind a load balancer), and the SDK is told it may.
http::Response shuttingDown(Dialect surface, std::string_view request_id) {
  auto response = clientError(surface, request_id, http::Status::service_unavailable,
                              "The gateway is shutting down and its grace period (shutdown_grace) ran out before an "
                              "answer; the request was not completed.",
                              "shutting_down");
  response.set("x-should-retry", "true");
  return response;
}

// One line per chat request: what served it, how, and how long it took. The outcome says what the
// client got: ok; failed_over (served, but not by the first attempt, or continued mid-stream);
// client_error (the provider's 4xx passed through, or no target could carry it); incomplete (a stream that broke and ended with
// an error event); failed (the gateway's own error: every target failed, deadline); client_gone.
// Failures are logged at warning, so an operator watching warnings sees every request a client lost.
std::string_view logRequest(std::string_view request_id, Dialect surface, std::string_view route,
                const routing::TargetRef* served_by, const routing::TargetRef* continued_by, int attempts, bool stream,
                const AttemptOutcome& outcome, Clock::time_point started) {
  std::string_view result = "ok";
  auto level = LogLevel::Info;
  if (outcome.kind == AttemptOutcome::Kind::ClientGone) {
    result = "client_gone";
  } else if (served_by == nullptr && outcome.status >= 400 && outcome.status < 500 && outcome.status != 429) {
    result = "client_error";  // no target could carry the request, or the prompt fits none
  } else if (served_by == nullptr) {
    result = "failed";
    level = LogLevel::Warn;
  } else if (outcome.failure != base::FailureKind::None) {
    result = "incomplete";
    level = LogLevel::Warn;
  } else if (outcome.status >= 400) {
    result = "client_error";
  } else if (attempts > 1 || continued_by != nullptr) {
    result = "failed_over";
  }
  if (!observability::enabled(level)) return result;
  const auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  observability::log(level, "request",
                     {{"request_id", request_id},
                      {"api", canonical::toString(surface)},
                      {"route", route},
                      {"target", served_by ? std::string_view(served_by->id) : std::string_view()},
                      {"continued_by", continued_by ? std::string_view(continued_by->id) : std::string_view()},
                      {"attempts", attempts},
                      {"status", outcome.status},
                      {"stream", stream},
                      {"outcome", result},
                      {"failure", outcome.failure == base::FailureKind::None ? std::string_view()
                                                                             : base::toToken(outcome.failure)},
                      {"ms", elapsed}});
  return result;
}

// A request refused before any routing, so a request log shows every answer.
void logRejected(std::string_view request_id, int status, std::string_view why) {
  if (!observability::enabled(LogLevel::Info)) return;
  observability::log(LogLevel::Info, "request rejected", {{"request_id", request_id}, {"status", status}, {"reason", why}});
}

}  // namespace

boost::asio::awaitable<void> GatewayHandler::serveChat(Dialect surface, http::Request& request,
                                                       http::ResponseWriter& writer) {
  const auto started = Clock::now();
  const std::string_view request_id = writer.requestId();
  AuditTrail audit(request_id, surface, surface == Dialect::Anthropic ? "messages" : "chat.completions");
  RequestTrace trace(governance_.tracing, request);  // spans, when the request is traced (`otlp:`)
  RequestMeter meter(state_.metrics);  // every exit below ends it once
  Caller caller;
  if (auto refusal = authenticateCaller(surface, request, request_id, caller)) {
    const int status = refusal->result_int();
    meter.end("refused", status);
    co_await writer.send(std::move(*refusal));
    recordAudit(trace, audit.finish("refused", status, {}, {}, 0, "authentication"));
    co_return;
  }
  audit.identity(caller.identity);
  if (!isJsonContentType(http::fieldValue(request, "content-type"))) {
    logRejected(request_id, 415, "unsupported content type");
    meter.end("refused", 415);
    co_await writer.send(clientError(surface, request_id, http::Status::unsupported_media_type,
                                     "Content-Type must be application/json.", "unsupported_media_type"));
    co_return;
  }
  // What routing needs (model, stream), read without building a document: the same-dialect path
  // forwards the body as it is.
  auto parsed = surfaces::openai::parseChatRequest(request.body());
  if (auto* error = std::get_if<surfaces::openai::ClientError>(&parsed)) {
    logRejected(request_id, 400, error->message);
    meter.end("refused", 400);
    co_await writer.send(
        clientError(surface, request_id, http::Status::bad_request, error->message, error->code, error->param));
    co_return;
  }
  const auto& chat = std::get<surfaces::openai::ChatRequest>(parsed);
  const routing::RouteSpec* route = state_.routes.find(chat.model);
  if (route == nullptr) {
    logRejected(request_id, 404, "unknown route '" + chat.model + "'");
    meter.end("refused", 404);
    co_await writer.send(unknownRoute(surface, chat.model, request_id));
    co_return;
  }
  audit.route(route->name);
  audit.stream(chat.stream);
  trace.requestModel(chat.model);
  meter.routed(route->index, chat.stream);
  RouteMetrics& route_metrics = *state_.metrics.routes[route->index];
  RequestPolicy policy;
  if (auto refusal = applyGovernance(surface, caller, *route, request, request_id, policy)) {
    audit.policy(state_, policy);
    trace.classes(state_, policy);
    const int status = refusal->result_int();
    logRejected(request_id, status, "governance");
    meter.end("refused", status);
    co_await writer.send(std::move(*refusal));
    recordAudit(trace, audit.finish("refused", status, {}, {}, 0, status == 403 ? "route_not_allowed" : "policy"));
    co_return;
  }
  audit.policy(state_, policy);
  trace.classes(state_, policy);
  if (policy.redacted) parsed = surfaces::openai::parseChatRequest(request.body());  // spans into the new body
  // Hybrid routing: the first rule of the route that matches the request's shape picks the target
  // list (a spec with the route's name, policy and limits); from here on `route` is that spec.
  if (!route->rules.empty()) route = &specFor(*route, request, caller);

  auto& client_socket = writer.stream().socket();
  auto watch = std::make_shared<ClientWatch>(io_);
  const WatchRegistration registered(watches_, *watch);
  watchClient(client_socket, watch);
  const SteadyTime deadline = started + route->timeouts.total;
  writer.setDeadline(deadline);
  state_.retry_budget->recordPrimary(started);
  RequestPlan plan = planRequest(state_, *route, started,
                                 PlanOptions{policy.classes, chat.stream, &strategy_state_});
  DecisionLog decisions(request_id, *route);
  decisions.plan(plan);
  for (const std::size_t index : plan.excluded) {
    const auto& target = route->targets[index];
    audit.skipped(target.id, "skipped_policy", exclusionReason(state_, target, policy));
  }
  for (const std::size_t index : plan.skipped) audit.skipped(route->targets[index].id, "skipped_breaker");
  for (const std::size_t index : plan.order) {
    if (!quotaDemoted(plan, index)) continue;  // still planned, after the targets not near their quota
    audit.skipped(route->targets[index].id, "demoted_quota", quotaDemotionReason(state_, route->targets[index]));
  }
  if (plan.order.empty()) {
    stopWatching(client_socket, *watch);
    auto response = policyRefusal(state_, surface, request_id, *route, plan, policy, {}, 0);
    logRejected(request_id, 403, "no target allowed for the request's data classes");
    meter.end("refused", 403);
    co_await writer.send(std::move(response));
    recordAudit(trace, audit.finish("refused", 403, {}, {}, 0, "data_class_unroutable"));
    co_return;
  }
  // Every target open: one attempt at the one most likely to have recovered, not a retry loop on it.
  resilience::RetryLimits limits = route->retry;
  if (plan.forced) limits.max_attempts = 1;
  resilience::RetryState retry(limits, plan.order.size(), deadline, [this] {
    return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  });
  CanonicalForm canonical_form(surface, request.body());
  // Budgets and rate limits: the request's worst case is reserved before each attempt (at that
  // target's price) and settled to what the provider billed after it.
  EconomicsState& economics = *state_.economics;
  const std::string_view key_id = caller.identity != nullptr ? std::string_view(caller.identity->id) : std::string_view();
  // max_tokens comes from the routing probe: a forwarded body is never parsed whole for it.
  const RequestSpend::Identity spender{request_id, audit.timeMs(), key_id, route->name};
  RequestSpend spend(economics, spender, request.body().size(), chat.max_tokens, governance_.journal);
  if (!key_id.empty() && economics.key_limits.limits(key_id)) {
    const auto decision = economics.key_limits.admit(key_id, spend.tokenEstimate(0), Clock::now());
    if (!decision.admitted) {
      stopWatching(client_socket, *watch);
      logRejected(request_id, 429, "client key over its rate limit");
      meter.end("refused", 429);
      co_await writer.send(keyRateLimited(surface, request_id, key_id, decision));
      recordAudit(trace, audit.finish("refused", 429, {}, {}, 0, "rate_limited"));
      co_return;
    }
  }
  accounting::Reservation primary_hold;
  accounting::Reservation hedge_hold;
  std::optional<accounting::Refusal> budget_refusal;   // the first budget that refused an attempt
  std::optional<accounting::RateDecision> target_limited;  // the soonest target rate limit that refused one
  std::optional<canonical::Error> unsupported;  // the first target that could not carry the request
  // Encodes the request for a target of another API into `head`/`body` (replaced); the error when
  // the target cannot carry it.
  const auto encodeFor = [&](const routing::TargetRef& target, std::string& head,
                             std::string& body) -> std::optional<canonical::Error> {
    const canonical::ChatRequest* form = canonical_form.get();
    if (form == nullptr) return canonical_form.error();
    return state_.codecs[target.slot]->encode(*form, canonical_form.arena(), head, body);
  };
  const auto sameApi = [&](const routing::TargetRef& target) {
    // A redacted request is translated even to its own dialect: the answer's text is where the
    // values go back, event by event.
    const auto& forward = state_.forward[target.slot];
    return forward && forward->dialect == surface && !policy.redacted;
  };
  // An attempt's end into its target's metrics: result, latencies, and what it cost this key.
  const auto meterAttempt = [&](const routing::TargetRef& target, const AttemptOutcome& result, SteadyTime began,
                                std::int64_t cost) {
    TargetMetrics& metrics = *state_.metrics.targets[target.health];
    metrics.attempt(result, began, Clock::now());
    if (result.usage_known) metrics.usage(key_id, result.usage, cost);
  };
  std::string upstream_head;
  std::string upstream_body;
  std::string extra_head;
  std::vector<AttemptRecord> failures;
  std::vector<std::size_t> troubled;  // health indexes skipped or failed: their incidents count this request
  for (const std::size_t index : plan.skipped) troubled.push_back(route->targets[index].health);
  AttemptOutcome outcome;
  const routing::TargetRef* served_by = nullptr;
  const routing::TargetRef* continued_by = nullptr;
  bool deadline_hit = false;
  BrokenStream broken;
  BrokenStream* const continuable = chat.stream && route->mid_stream_failover ? &broken : nullptr;
  // One attempt at `target`, forwarded (same API) or translated (`head`/`body` already encoded).
  const auto prepare = [&](PreparedAttempt& out, const routing::TargetRef& target, std::string& extra,
                           const std::string& head, const std::string& body, bool context_fallback,
                           AttemptJournal& journal) {
    const auto& forward = state_.forward[target.slot];
    const providers::TargetCodec* codec = state_.codecs[target.slot].get();
    out.span = trace.attemptSpan();
    trace.upstreamLines(out.span, out.trace_lines);
    if (sameApi(target)) {
      extra = surface == Dialect::Anthropic ? anthropicHeadLines(request, *forward) : std::string();
      auto& forwarded = out.forwarded.emplace(AttemptInput{*route, target, *forward, extra, state_.served_by[target.slot], request,
                                         chat.model_span, chat.stream, retry.attempts(), deadline, *watch,
                                         context_fallback ? codec : nullptr, continuable, codec});
      forwarded.price = &target.price;
      forwarded.quota = &state_.learned[target.health]->quota;
      forwarded.metrics = state_.metrics.targets[target.health].get();
      forwarded.journal = &journal;
      forwarded.trace_lines = out.trace_lines;
    } else {
      out.translated.emplace(TranslatedInput{*route, target, *codec, state_.served_by[target.slot], surface,
                                             chat.stream, canonical_form.get()->include_usage, head, body,
                                             retry.attempts(), deadline, *watch, canonical_form.arena(),
                                             context_fallback, continuable, {},
                                             policy.restorer ? &*policy.restorer : nullptr});
      out.translated->price = &target.price;
      out.translated->quota = &state_.learned[target.health]->quota;
      out.translated->metrics = state_.metrics.targets[target.health].get();
      out.translated->journal = &journal;
      out.translated->trace_lines = out.trace_lines;
    }
  };
  // An attempt's end into the request's trace (when it is traced).
  const auto traceAttempt = [&](const routing::TargetRef& target, const observability::SpanId& span, SteadyTime began,
                                const AttemptOutcome& result, bool hedge, bool continuation) {
    if (!trace.sampled()) return;
    trace.attempt({target, state_.metrics.targets[target.health]->provider_name, span, began, retry.attempts(), hedge,
                   continuation, result, attemptResult(result)});
  };
  for (;;) {
    const auto next = retry.next(Clock::now());
    if (next.decision != resilience::RetryState::Decision::Try) {
      deadline_hit = next.decision == resilience::RetryState::Decision::GiveUpDeadline;
      decisions.gaveUp(deadline_hit                              ? "deadline"
                       : retry.attempts() >= limits.max_attempts ? "max_attempts"
                                                                 : "no_target_left",
                       retry.attempts());
      break;
    }
    const std::size_t position = next.target;
    const routing::TargetRef& target = route->targets[plan.order[position]];
    resilience::TargetHealth& health = *state_.health[target.health];
    if (!targetAllowed(state_, target, policy.classes)) {  // fail closed: the plan holds only allowed targets
      retry.exclude(position);
      continue;
    }
    if (!sameApi(target)) {
      if (auto error = encodeFor(target, upstream_head, upstream_body)) {
        // Not this target's fault and not worth an attempt: the next target may carry it.
        failures.push_back({target.id, base::FailureKind::Unsupported, std::string(error->message)});
        if (!unsupported) unsupported = *error;
        retry.exclude(position);
        decisions.skippedAt(plan, position, "cannot_carry", error->message);
        audit.skipped(target.id, "skipped_unsupported", error->message);
        continue;
      }
    }
    // An open breaker skips its target at once; a route whose every target is open still sends to
    // the one most likely to have recovered (plan.forced).
    auto admission = resilience::Admission::Allowed;
    if (!plan.forced) {
      admission = health.admit(Clock::now());
      if (admission == resilience::Admission::Rejected) {
        failures.push_back({target.id, base::FailureKind::BreakerOpen, {}});
        troubled.push_back(target.health);
        retry.exclude(position);
        decisions.skippedAt(plan, position, "breaker_open");
        audit.skipped(target.id, "skipped_breaker");
        continue;
      }
    }
    if (auto refusal = spend.reserve(target.price, target.max_output_tokens, primary_hold)) {
      // A cheaper target of the plan may still fit the budget.
      health.recordAbandoned(admission);
      audit.skipped(target.id, "skipped_budget", refusal->budget);
      decisions.skippedAt(plan, position, "budget", refusal->budget);
      if (!budget_refusal) budget_refusal = std::move(refusal);
      retry.exclude(position);
      continue;
    }
    const bool target_metered = economics.target_limits.any() && economics.target_limits.limits(target.id);
    const std::int64_t token_estimate = spend.tokenEstimate(target.max_output_tokens);
    if (target_metered) {
      const auto decision = economics.target_limits.admit(target.id, token_estimate, Clock::now());
      if (!decision.admitted) {
        health.recordAbandoned(admission);
        primary_hold.release();
        audit.skipped(target.id, "skipped_rate_limit", accounting::rateKindName(decision.limited_by));
        decisions.skippedAt(plan, position, "rate_limit", accounting::rateKindName(decision.limited_by));
        if (!target_limited || decision.retry_after < target_limited->retry_after) target_limited = decision;
        retry.exclude(position);
        continue;
      }
    }
    // Every attempt after the first is a retry, paid from the gateway-wide budget.
    if (retry.attempts() > 0 && !state_.retry_budget->tryAcquire(Clock::now())) {
      health.recordAbandoned(admission);
      failures.push_back({target.id, base::FailureKind::BudgetExhausted, {}});
      decisions.skippedAt(plan, position, "retry_budget", "the gateway-wide retry budget is spent: no more retries");
      audit.skipped(target.id, "skipped_budget", "retry budget");
      route_metrics.add(RouteMetrics::RetryBudgetRefused);
      break;
    }
    if (next.wait.count() > 0) {
      boost::asio::steady_timer timer(io_, next.wait);
      co_await timer.async_wait(http::kAwaitTuple);
    }
    if (watch->gone) {
      health.recordAbandoned(admission);
      outcome.kind = AttemptOutcome::Kind::ClientGone;
      break;
    }
    if (watch->shutdown) {
      health.recordAbandoned(admission);
      break;
    }
    const bool context_fallback = mayFitElsewhere(state_, *route, plan, retry, position);
    retry.startAttempt(next);
    decisions.attempt(target, retry.attempts(), next, sameApi(target));
    const auto attempt_started = Clock::now();
    // Each attempt's cost reaches the spend journal before its answer's last byte goes out.
    AttemptJournal primary_journal(spend);
    AttemptJournal hedge_journal(spend);
    PreparedAttempt primary;
    prepare(primary, target, extra_head, upstream_head, upstream_body, context_fallback, primary_journal);
    health.attemptStarted();
    const std::size_t route_index = route->index;
    resilience::RetryBudget* hedge_budget = state_.hedge_budgets[route_index].get();
    const bool hedging = hedge_budget != nullptr && retry.attempts() == 1 && !plan.forced;
    if (hedging) hedge_budget->recordPrimary(attempt_started);
    if (!hedging) {
      outcome = co_await runPrepared(primary, *pools_[target.provider], writer);
    } else {
      // The hedge is the plan's next target that can carry the request and is admitted, within the
      // route's hedge budget and the retry budget.
      const HedgePicker pick = [&](HedgeEntrant& entrant) {
        for (std::size_t p = position + 1; p < plan.order.size(); ++p) {
          if (retry.excluded(p)) continue;
          const routing::TargetRef& candidate = route->targets[plan.order[p]];
          if (!targetAllowed(state_, candidate, policy.classes)) continue;  // fail closed, as above
          std::string head;
          std::string body;
          if (!sameApi(candidate) && encodeFor(candidate, head, body)) {
            decisions.skipped(candidate, "cannot_carry", {}, true);
            continue;
          }
          auto& candidate_health = *state_.health[candidate.health];
          const auto candidate_admission = candidate_health.admit(Clock::now());
          if (candidate_admission == resilience::Admission::Rejected) {
            decisions.skipped(candidate, "breaker_open", {}, true);
            continue;
          }
          if (spend.reserve(candidate.price, candidate.max_output_tokens, hedge_hold)) {
            candidate_health.recordAbandoned(candidate_admission);
            decisions.skipped(candidate, "budget", {}, true);
            continue;
          }
          const bool hedge_paid = hedge_budget->tryAcquire(Clock::now());
          if (!hedge_paid || !state_.retry_budget->tryAcquire(Clock::now())) {
            candidate_health.recordAbandoned(candidate_admission);
            decisions.skipped(candidate, hedge_paid ? "retry_budget" : "hedge_budget", {}, true);
            route_metrics.add(RouteMetrics::HedgeBudgetRefused);
            return false;
          }
          decisions.hedgeStarted(candidate, target);
          route_metrics.add(RouteMetrics::HedgesStarted);
          entrant.target = &candidate;
          entrant.admission = candidate_admission;
          entrant.pool = pools_[candidate.provider].get();
          entrant.head = std::move(head);
          entrant.body = std::move(body);
          retry.countExtraAttempt();
          prepare(entrant.attempt, candidate, entrant.extra, entrant.head, entrant.body, false, hedge_journal);
          candidate_health.attemptStarted();
          return true;
        }
        return false;
      };
      HedgeRace race(io_, writer);
      HedgeEntrant hedge;
      RaceResult result = co_await race.run(primary, *pools_[target.provider], hedgeDelay(*route, health), hedge, pick);
      outcome = std::move(result.primary);
      if (result.hedge) {
        auto& hedge_health = *state_.health[hedge.target->health];
        AttemptOutcome& hedge_outcome = *result.hedge;
        hedge_health.attemptEnded();
        if (watch->gone) hedge_outcome.kind = AttemptOutcome::Kind::ClientGone;
        recordOutcome(hedge_health, hedge.admission, hedge_outcome, hedge.started, Clock::now());
        const std::int64_t hedge_cost =
            spend.settle(hedge.target->id, hedge_hold, hedge_outcome.usage, hedge_outcome.usage_known,
                         hedge.target->price, hedge_journal);
        meterAttempt(*hedge.target, hedge_outcome, hedge.started, hedge_cost);
        traceAttempt(*hedge.target, hedge.attempt.span, hedge.started, hedge_outcome, true, false);
        audit.tried(hedge.target->id, retry.attempts(), attemptResult(hedge_outcome), hedge_outcome.status, true, false,
                    hedge_outcome.usage_known ? &hedge_outcome.usage : nullptr, hedge_cost, hedge_outcome.usage_estimated);
        health.noteEffect(resilience::IncidentEffect::Hedged);
        if (result.hedge_won) {
          health.attemptEnded();
          recordOutcome(health, admission, outcome, attempt_started, Clock::now());
          const std::int64_t lost_cost =
              spend.settle(target.id, primary_hold, outcome.usage, outcome.usage_known, target.price, primary_journal);
          meterAttempt(target, outcome, attempt_started, lost_cost);
          traceAttempt(target, primary.span, attempt_started, outcome, false, false);
          route_metrics.add(RouteMetrics::HedgesWon);
          audit.tried(target.id, retry.attempts(), attemptResult(outcome), outcome.status, false, false,
                      outcome.usage_known ? &outcome.usage : nullptr, lost_cost, outcome.usage_estimated);
          if (outcome.failure != base::FailureKind::HedgeLost) {
            failures.push_back({target.id, outcome.failure, outcome.detail, outcome.status, outcome.retry_after});
          }
          outcome = std::move(hedge_outcome);
          served_by = hedge.target;
          if (broken.open) {
            // A hedge's broken stream is not continued (documented): end it in the client's dialect.
            const std::string event = streamErrorEvent(surface, "The upstream stream broke: " + broken.detail,
                                                       "stream_interrupted", request_id);
            if (co_await writer.writeChunk(event, true)) outcome.kind = AttemptOutcome::Kind::ClientGone;
          }
          break;
        }
        if (hedge_outcome.kind == AttemptOutcome::Kind::Failed &&
            hedge_outcome.failure != base::FailureKind::HedgeLost) {
          failures.push_back({hedge.target->id, hedge_outcome.failure, hedge_outcome.detail, hedge_outcome.status,
                              hedge_outcome.retry_after});
          observability::log(LogLevel::Warn, "attempt failed",
                             {{"request_id", request_id}, {"route", route->name}, {"target", hedge.target->id},
                              {"attempt", retry.attempts()}, {"hedge", true},
                              {"failure", base::toToken(hedge_outcome.failure)}, {"detail", hedge_outcome.detail}});
        }
      }
    }
    health.attemptEnded();
    if (watch->gone) outcome.kind = AttemptOutcome::Kind::ClientGone;
    recordOutcome(health, admission, outcome, attempt_started, Clock::now());
    {
      const std::int64_t cost =
          spend.settle(target.id, primary_hold, outcome.usage, outcome.usage_known, target.price, primary_journal);
      meterAttempt(target, outcome, attempt_started, cost);
      traceAttempt(target, primary.span, attempt_started, outcome, false, false);
      if (target_metered) {
        const std::int64_t actual = outcome.usage_known ? outcome.usage.input_tokens + outcome.usage.output_tokens : 0;
        economics.target_limits.correct(target.id, token_estimate, actual, Clock::now());
      }
      audit.tried(target.id, retry.attempts(), attemptResult(outcome), outcome.status, false, false,
                  outcome.usage_known ? &outcome.usage : nullptr, cost, outcome.usage_estimated);
    }
    if (outcome.kind == AttemptOutcome::Kind::Delivered && broken.open && !watch->gone) {
      // The stream broke after the client got part of it: continue it on the plan's other targets.
      if (const canonical::ChatRequest* form = canonical_form.get()) {
        const std::vector<std::size_t> candidates = continuationCandidates(plan, position);
        AttemptJournal continued_journal(spend);
        const ContinuationInput input{state_,  *route, surface, form->include_usage, *form,
                                      canonical_form.arena(), candidates, pools_, deadline, *watch,
                                      policy.classes, &continued_journal, &trace};
        const auto continued = co_await continueStream(input, broken, writer);
        outcome.kind = continued.outcome.kind;
        outcome.failure = continued.outcome.failure;
        if (continued.outcome.failure != base::FailureKind::None) outcome.detail = continued.outcome.detail;
        continued_by = continued.continued_by;
        route_metrics.add(continued.outcome.failure == base::FailureKind::None ? RouteMetrics::ContinuationsCompleted
                                                                               : RouteMetrics::ContinuationsFailed);
        if (continued_by != nullptr) {
          health.noteEffect(resilience::IncidentEffect::Continued);  // counted when the broken target's incident is open
          accounting::Reservation none;
          const std::int64_t continued_cost =
              spend.settle(continued_by->id, none, continued.outcome.usage, continued.outcome.usage_known,
                           continued_by->price, continued_journal);
          if (continued.outcome.usage_known) {
            state_.metrics.targets[continued_by->health]->usage(key_id, continued.outcome.usage, continued_cost);
          }
          audit.tried(continued_by->id, retry.attempts(), attemptResult(continued.outcome), 200, false, true,
                      continued.outcome.usage_known ? &continued.outcome.usage : nullptr, continued_cost,
                      continued.outcome.usage_estimated);
        }
      } else {
        const std::string event = streamErrorEvent(surface, "The upstream stream broke: " + broken.detail,
                                                   "stream_interrupted", request_id);
        if (co_await writer.writeChunk(event, true)) outcome.kind = AttemptOutcome::Kind::ClientGone;
      }
    }
    if (outcome.kind != AttemptOutcome::Kind::Failed) {
      served_by = &target;
      break;
    }
    failures.push_back({target.id, outcome.failure, outcome.detail, outcome.status, outcome.retry_after});
    if (watch->shutdown) break;  // cut by the gateway's shutdown: not the target's failure
    troubled.push_back(target.health);
    observability::log(LogLevel::Warn, "attempt failed",
                       {{"request_id", request_id}, {"route", route->name}, {"target", target.id},
                        {"attempt", retry.attempts()}, {"failure", base::toToken(outcome.failure)},
                        {"detail", outcome.detail}});
    if (outcome.failure == base::FailureKind::DeadlineExceeded) {
      deadline_hit = true;
      break;
    }
    if (outcome.failure == base::FailureKind::ContextLength) {
      excludeNoLargerWindows(state_, *route, plan, retry, position, outcome.context_limit);
      decisions.newlyExcluded(plan, retry, "context_window");
      continue;
    }
    retry.recordFailure(position, outcome.retry_after, Clock::now(),
                        resilience::isTransientFailure(outcome.failure, outcome.status));
    preferOtherDomain(*route, plan, retry, position);
  }

  stopWatching(client_socket, *watch);
  if (outcome.kind == AttemptOutcome::Kind::ClientGone) {
    writer.abort();
    outcome.status = kClientClosedRequest;
  } else {
    noteIncidentEffects(state_, troubled, served_by, plan.forced, outcome.failure != base::FailureKind::None);
  }
  if (served_by == nullptr && outcome.kind != AttemptOutcome::Kind::ClientGone) {
    // The client's to fix only when no target of the route could carry the request at all, not
    // because the ones that could happened to be down.
    const auto carriable = [&](const routing::TargetRef& target) {
      std::string head;
      std::string body;
      return targetAllowed(state_, target, policy.classes) && (sameApi(target) || !encodeFor(target, head, body));
    };
    http::Response response{};
    if (retry.attempts() == 0 && unsupported && std::none_of(route->targets.begin(), route->targets.end(), carriable)) {
      response = providerError(surface, request_id, *unsupported);
      setSwitchyardHeaders(response, route->name, {}, 0);
    } else if (!failures.empty() && failures.back().failure == base::FailureKind::ContextLength) {
      // The prompt is too long for every target that could have taken it: the client's to shorten.
      const std::string message = describeFailures(route->name, failures, "the prompt is too long for every target",
                                                   retry.attempts());
      const canonical::Error error{400, canonical::ErrorCategory::ContextLengthExceeded, message, "messages",
                                   "context_length_exceeded"};
      response = providerError(surface, request_id, error);
      setSwitchyardHeaders(response, route->name, {}, retry.attempts());
    } else if (watch->shutdown) {
      response = shuttingDown(surface, request_id);
    } else if (retry.attempts() == 0 && budget_refusal) {
      response = budgetExceeded(surface, request_id, *budget_refusal);
      setSwitchyardHeaders(response, route->name, {}, 0);
    } else if (retry.attempts() == 0 && target_limited) {
      const auto seconds = std::max<std::int64_t>(
          std::chrono::ceil<std::chrono::seconds>(target_limited->retry_after).count(), 1);
      response = clientError(surface, request_id, http::Status::too_many_requests,
                             "Route '" + route->name + "': every target is over its rate limit (" +
                                 accounting::rateKindName(target_limited->limited_by) + "); retry in " +
                                 std::to_string(seconds) + " s.",
                             "rate_limit_exceeded");
      setSwitchyardHeaders(response, route->name, {}, 0);
      response.set(beast_http::field::retry_after, std::to_string(seconds));
    } else if (!plan.excluded.empty() && !(deadline_hit && Clock::now() >= deadline)) {
      response = policyRefusal(state_, surface, request_id, *route, plan, policy, failures, retry.attempts());
    } else {
      const bool timed_out = deadline_hit && Clock::now() >= deadline;
      response = allTargetsFailed(surface, request_id, route->name, failures, retry.attempts(), timed_out);
    }
    outcome.status = response.result_int();
    co_await writer.send(std::move(response));
  }
  const std::string_view result = logRequest(request_id, surface, route->name, served_by, continued_by,
                                             retry.attempts(), chat.stream, outcome, started);
  meter.end(result, outcome.status, served_by);
  audit.spent(spend.totalNanoUsd(), spend.totalTokens());
  recordAudit(trace, audit.finish(result, outcome.status, served_by ? std::string_view(served_by->id) : std::string_view(),
                           continued_by ? std::string_view(continued_by->id) : std::string_view(), retry.attempts()));
}

}  // namespace switchyard::proxy
