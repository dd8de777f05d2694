// The chat endpoints of both client surfaces: POST /v1/chat/completions (OpenAI) and POST
// /v1/messages (Anthropic): plan, attempts with failover, hedging and mid-stream continuation.
#include <algorithm>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/string.hpp>

#include "base/recycling_allocator.h"
#include "canonical/arena.h"
#include "http/asio_fwd.h"
#include "http/field_lookup.h"
#include "observability/log.h"
#include "proxy/audit_trail.h"
#include "proxy/canonical_form.h"
#include "proxy/chat_attempt_steps.h"
#include "proxy/chat_exchange.h"
#include "proxy/chat_failures.h"
#include "proxy/client_errors.h"
#include "proxy/client_watch.h"
#include "proxy/decision_log.h"
#include "proxy/economics.h"
#include "proxy/gateway_handler.h"
#include "proxy/gateway_metrics.h"
#include "proxy/plan_steps.h"
#include "proxy/provider_quotas.h"
#include "proxy/request_trace.h"
#include "proxy/response_headers.h"
#include "proxy/target_plan.h"
#include "proxy/translated_attempt.h"
#include "proxy/upstream_attempt.h"
#include "resilience/failover_policy.h"
#include "surfaces/openai/chat_request.h"

namespace switchyard::proxy {

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

// Everything one chat request keeps while it is served. It lives in a block the worker recycles
// (base::makeRecycled), not in serveChat's coroutine frame: a frame that large (4.8 KB) is past
// what Asio's frame cache and malloc's per-thread cache keep, so each request paid malloc's slow
// path (a bin search, and a merge with the neighbours when freed) for it. The members are declared
// in the order the request first needs them, so that they are destroyed in the reverse order, as
// the locals they replace were; the later ones are empty until the request gets that far.
struct GatewayHandler::ChatCall {
  ChatCall(std::string_view request_id, Dialect surface, OtlpExporter* tracing, const http::Request& request,
           const GatewayMetrics& metrics)
      : started(Clock::now()),
        surface(surface),
        request_id(request_id),
        audit(request_id, surface, surface == Dialect::Anthropic ? "messages" : "chat.completions"),
        trace(tracing, request),
        meter(metrics) {}

  const SteadyTime started;
  const Dialect surface;
  const std::string_view request_id;
  AuditTrail audit;
  RequestTrace trace;  // spans, when the request is traced (`otlp:`)
  RequestMeter meter;  // every exit ends it once
  Caller caller;
  // Every answer the handler makes itself goes through this one object.
  std::optional<http::Response> refusal;
  // A refusal's reason in its audit record; empty: the refusal has no record (the request was not
  // authenticated and routed far enough to have one).
  std::string_view refusal_audit;
  std::optional<std::variant<surfaces::openai::ChatRequest, surfaces::openai::ClientError>> parsed;
  const surfaces::openai::ChatRequest* chat = nullptr;
  const routing::RouteSpec* route = nullptr;  // the spec the route's rules picked
  RequestPolicy policy;
  std::shared_ptr<ClientWatch> watch;
  std::optional<WatchRegistration> registered;
  SteadyTime deadline;
  std::optional<RequestPlan> plan;
  std::optional<DecisionLog> decisions;
  std::optional<resilience::RetryState> retry;
  std::optional<CanonicalForm> canonical_form;
  std::string_view key_id;  // the client key's id ("" for an anonymous caller)
  std::optional<RequestSpend> spend;
  base::Recycled<ChatExchange> exchange;
  accounting::Reservation primary_hold;
  std::string upstream_head;
  std::string upstream_body;
  std::string extra_head;
  AttemptOutcome outcome;
  // The attempt in flight: made anew for each one.
  std::optional<PreparedAttempt> primary;
  AttemptJournal primary_journal;
};

namespace {

// The wait before a retry, in a frame of its own: only a retry pays for the timer.
Task<void> waitBeforeRetry(boost::asio::io_context& io, std::chrono::milliseconds wait) {
  SteadyTimer timer(io, wait);
  co_await timer.async_wait(http::kAwaitTuple);
}

}  // namespace

bool GatewayHandler::admitChat(ChatCall& call, http::Request& request, http::ResponseWriter& writer) {
  const Dialect surface = call.surface;
  const std::string_view request_id = call.request_id;
  AuditTrail& audit = call.audit;
  std::optional<http::Response>& refusal = call.refusal;
  refusal = authenticateCaller(surface, request, request_id, call.caller);
  if (refusal) {
    call.meter.end("refused", refusal->result_int());
    call.refusal_audit = "authentication";
    return false;
  }
  audit.identity(call.caller.identity);
  if (!isJsonContentType(http::fieldValue(request, "content-type"))) {
    logRejected(request_id, 415, "unsupported content type");
    call.meter.end("refused", 415);
    refusal = clientError(surface, request_id, http::Status::unsupported_media_type,
                          "Content-Type must be application/json.", "unsupported_media_type");
    return false;
  }
  // What routing needs (model, stream), read without building a document: the same-dialect path
  // forwards the body as it is.
  auto& parsed = call.parsed.emplace(surfaces::openai::parseChatRequest(request.body()));
  if (auto* error = std::get_if<surfaces::openai::ClientError>(&parsed)) {
    logRejected(request_id, 400, error->message);
    call.meter.end("refused", 400);
    refusal = clientError(surface, request_id, http::Status::bad_request, error->message, error->code, error->param);
    return false;
  }
  const surfaces::openai::ChatRequest* chat = &std::get<surfaces::openai::ChatRequest>(parsed);
  const routing::RouteSpec* route = state_.routes.find(chat->model);
  if (route == nullptr) {
    logRejected(request_id, 404, "unknown route '" + chat->model + "'");
    call.meter.end("refused", 404);
    refusal = unknownRoute(surface, chat->model, request_id);
    return false;
  }
  audit.route(route->name);
  audit.stream(chat->stream);
  call.trace.requestModel(chat->model);
  call.meter.routed(route->index, chat->stream);
  RequestPolicy& policy = call.policy;
  refusal = applyGovernance(surface, call.caller, *route, request, request_id, policy);
  audit.policy(state_, policy);
  call.trace.classes(state_, policy);
  if (refusal) {
    const int status = refusal->result_int();
    logRejected(request_id, status, "governance");
    call.meter.end("refused", status);
    call.refusal_audit = status == 403 ? "route_not_allowed" : "policy";
    return false;
  }
  if (policy.redacted) {  // spans into the new body
    parsed = surfaces::openai::parseChatRequest(request.body());
    chat = &std::get<surfaces::openai::ChatRequest>(parsed);
  }
  call.chat = chat;
  // Hybrid routing: the first rule of the route that matches the request's shape picks the target
  // list (a spec with the route's name, policy and limits); from here on `route` is that spec.
  if (!route->rules.empty()) route = &specFor(*route, request, call.caller);
  call.route = route;

  auto& client_socket = writer.stream().socket();
  ClientWatch& watch = *(call.watch = makeClientWatch(io_));
  call.registered.emplace(watches_, watch);
  watchClient(client_socket, call.watch);
  call.deadline = call.started + route->timeouts.total;
  writer.setDeadline(call.deadline);
  state_.retry_budget->recordPrimary(call.started);
  RequestPlan& plan = call.plan.emplace(
      planRequest(state_, *route, call.started, PlanOptions{policy.classes, chat->stream, &strategy_state_}));
  call.decisions.emplace(request_id, *route).plan(plan);
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
    stopWatching(client_socket, watch);
    refusal = policyRefusal(state_, surface, request_id, *route, plan, policy, {}, 0);
    logRejected(request_id, 403, "no target allowed for the request's data classes");
    call.meter.end("refused", 403);
    call.refusal_audit = "data_class_unroutable";
    return false;
  }
  // Every target open: one attempt at the one most likely to have recovered, not a retry loop on it.
  resilience::RetryLimits limits = route->retry;
  if (plan.forced) limits.max_attempts = 1;
  call.retry.emplace(limits, plan.order.size(), call.deadline, [this] {
    return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  });
  call.canonical_form.emplace(surface, request.body());
  // Budgets and rate limits: the request's worst case is reserved before each attempt (at that
  // target's price) and settled to what the provider billed after it.
  EconomicsState& economics = *state_.economics;
  const ClientIdentity* identity = call.caller.identity;
  const std::string_view key_id = identity != nullptr ? std::string_view(identity->id) : std::string_view();
  call.key_id = key_id;
  // max_tokens comes from the routing probe: a forwarded body is never parsed whole for it.
  RequestSpend& spend = call.spend.emplace(economics, RequestSpend::Identity{request_id, audit.timeMs(), key_id, route->name},
                                           request.body().size(), chat->max_tokens, governance_.journal);
  if (!key_id.empty() && economics.key_limits.limits(key_id)) {
    const auto decision = economics.key_limits.admit(key_id, spend.tokenEstimate(0), Clock::now());
    if (!decision.admitted) {
      stopWatching(client_socket, watch);
      logRejected(request_id, 429, "client key over its rate limit");
      call.meter.end("refused", 429);
      refusal = keyRateLimited(surface, request_id, key_id, decision);
      call.refusal_audit = "rate_limited";
      return false;
    }
  }
  return true;
}

Task<void> GatewayHandler::serveChat(Dialect surface, http::Request& request,
                                                       http::ResponseWriter& writer) {
  const base::Recycled<ChatCall> call =
      base::makeRecycled<ChatCall>(writer.requestId(), surface, governance_.tracing, request, state_.metrics);
  if (!admitChat(*call, request, writer)) {
    const int status = call->refusal->result_int();
    co_await writer.send(*call->refusal);
    if (!call->refusal_audit.empty()) {
      recordAudit(call->trace, call->audit.finish("refused", status, {}, {}, 0, call->refusal_audit));
    }
    co_return;
  }
  const std::string_view request_id = call->request_id;
  const routing::RouteSpec& route = *call->route;
  const RequestPlan& plan = *call->plan;
  resilience::RetryState& retry = *call->retry;
  DecisionLog& decisions = *call->decisions;
  RequestSpend& spend = *call->spend;
  ClientWatch& watch = *call->watch;
  call->exchange = base::makeRecycled<ChatExchange>(
      state_, io_, pools_, surface, request_id, request, writer, *call->chat, route, call->policy, *call->plan, retry,
      *call->canonical_form, spend, call->key_id, call->deadline, watch, call->audit, call->trace, decisions,
      *state_.metrics.routes[route.index]);
  ChatExchange& x = *call->exchange;
  x.continuable = call->chat->stream && route.mid_stream_failover ? &x.broken : nullptr;
  for (const std::size_t index : plan.skipped) x.troubled.push_back(route.targets[index].health);
  AttemptOutcome& outcome = call->outcome;
  const routing::TargetRef* served_by = nullptr;
  const routing::TargetRef* continued_by = nullptr;
  for (;;) {
    const auto next = retry.next(Clock::now());
    if (next.decision != resilience::RetryState::Decision::Try) {
      x.deadline_hit = next.decision == resilience::RetryState::Decision::GiveUpDeadline;
      decisions.gaveUp(x.deadline_hit                                    ? "deadline"
                       : retry.attempts() >= retry.limits().max_attempts ? "max_attempts"
                                                                         : "no_target_left",
                       retry.attempts());
      break;
    }
    const std::size_t position = next.target;
    const routing::TargetRef& target = route.targets[plan.order[position]];
    resilience::TargetHealth& health = *state_.health[target.health];
    const AttemptGate gate =
        x.admitAttempt(position, target, health, call->primary_hold, call->upstream_head, call->upstream_body);
    if (gate.verdict == AttemptGate::Verdict::Skip) continue;
    if (gate.verdict == AttemptGate::Verdict::Stop) break;
    const resilience::Admission admission = gate.admission;
    if (next.wait.count() > 0) co_await waitBeforeRetry(io_, next.wait);
    if (watch.gone) {
      health.recordAbandoned(admission);
      outcome.kind = AttemptOutcome::Kind::ClientGone;
      break;
    }
    if (watch.shutdown) {
      health.recordAbandoned(admission);
      break;
    }
    const bool context_fallback = mayFitElsewhere(state_, route, *call->plan, retry, position);
    retry.startAttempt(next);
    decisions.attempt(target, retry.attempts(), next, x.sameApi(target));
    const auto attempt_started = Clock::now();
    // Each attempt's cost reaches the spend journal before its answer's last byte goes out.
    AttemptJournal& primary_journal = call->primary_journal = AttemptJournal(spend);
    PreparedAttempt& primary = call->primary.emplace();
    x.prepare(primary, target, call->extra_head, call->upstream_head, call->upstream_body, context_fallback,
              primary_journal);
    health.attemptStarted();
    resilience::RetryBudget* hedge_budget = state_.hedge_budgets[route.index].get();
    const bool hedging = hedge_budget != nullptr && retry.attempts() == 1 && !plan.forced;
    if (!hedging) {
      outcome = co_await runPrepared(primary, *pools_[target.provider], writer);
    } else {
      hedge_budget->recordPrimary(attempt_started);
      const PrimaryAttempt racing{target,          position,           health,          admission,    primary,
                                  attempt_started, call->primary_hold, primary_journal, *hedge_budget};
      if (co_await raceWithHedge(x, racing, outcome, served_by)) break;  // the hedge won and served
    }
    health.attemptEnded();
    if (watch.gone) outcome.kind = AttemptOutcome::Kind::ClientGone;
    settleAttempt(*call, target, health, admission, gate, attempt_started);
    if (outcome.kind == AttemptOutcome::Kind::Delivered && x.broken.open && !watch.gone) {
      // The stream broke after the client got part of it: continue it on the plan's other targets.
      co_await continueBrokenStream(x, position, health, outcome, continued_by);
    }
    if (outcome.kind != AttemptOutcome::Kind::Failed) {
      served_by = &target;
      break;
    }
    if (!afterFailedAttempt(*call, target, position)) break;
  }

  stopWatching(writer.stream().socket(), watch);
  if (outcome.kind == AttemptOutcome::Kind::ClientGone) {
    writer.abort();
    outcome.status = kClientClosedRequest;
  } else {
    noteIncidentEffects(state_, x.troubled, served_by, plan.forced, outcome.failure != base::FailureKind::None);
  }
  if (served_by == nullptr && outcome.kind != AttemptOutcome::Kind::ClientGone) {
    call->refusal = noAnswer(x);
    outcome.status = call->refusal->result_int();
    co_await writer.send(*call->refusal);
  }
  const std::string_view result = logRequest(request_id, surface, route.name, served_by, continued_by,
                                             retry.attempts(), call->chat->stream, outcome, call->started);
  call->meter.end(result, outcome.status, served_by);
  call->audit.spent(spend.totalNanoUsd(), spend.totalTokens());
  recordAudit(call->trace,
              call->audit.finish(result, outcome.status, served_by ? std::string_view(served_by->id) : std::string_view(),
                                 continued_by ? std::string_view(continued_by->id) : std::string_view(),
                                 retry.attempts()));
}

void GatewayHandler::settleAttempt(ChatCall& call, const routing::TargetRef& target, resilience::TargetHealth& health,
                                   resilience::Admission admission, const AttemptGate& gate,
                                   std::chrono::steady_clock::time_point attempt_started) {
  const AttemptOutcome& outcome = call.outcome;
  recordOutcome(health, admission, outcome, attempt_started, Clock::now());
  const std::int64_t cost = call.spend->settle(target.id, call.primary_hold, outcome.usage, outcome.usage_known,
                                               target.price, call.primary_journal);
  ChatExchange& x = *call.exchange;
  x.meterAttempt(target, outcome, attempt_started, cost);
  x.traceAttempt(target, call.primary->span, attempt_started, outcome, false, false);
  if (gate.target_metered) {
    const std::int64_t actual = outcome.usage_known ? outcome.usage.input_tokens + outcome.usage.output_tokens : 0;
    state_.economics->target_limits.correct(target.id, gate.token_estimate, actual, Clock::now());
  }
  call.audit.tried(target.id, call.retry->attempts(), attemptResult(outcome), outcome.status, false, false,
                   outcome.usage_known ? &outcome.usage : nullptr, cost, outcome.usage_estimated);
}

bool GatewayHandler::afterFailedAttempt(ChatCall& call, const routing::TargetRef& target, std::size_t position) {
  ChatExchange& x = *call.exchange;
  const AttemptOutcome& outcome = call.outcome;
  x.noteFailure(target, outcome);
  if (call.watch->shutdown) return false;  // cut by the gateway's shutdown: not the target's failure
  x.troubled.push_back(target.health);
  x.logFailure(target, outcome, false);
  if (outcome.failure == base::FailureKind::DeadlineExceeded) {
    x.deadline_hit = true;
    return false;
  }
  RequestPlan& plan = *call.plan;
  resilience::RetryState& retry = *call.retry;
  if (outcome.failure == base::FailureKind::ContextLength) {
    excludeNoLargerWindows(state_, *call.route, plan, retry, position, outcome.context_limit);
    call.decisions->newlyExcluded(plan, retry, "context_window");
    return true;
  }
  retry.recordFailure(position, outcome.retry_after, Clock::now(),
                      resilience::isTransientFailure(outcome.failure, outcome.status));
  preferOtherDomain(*call.route, plan, retry, position);
  return true;
}

}  // namespace switchyard::proxy
