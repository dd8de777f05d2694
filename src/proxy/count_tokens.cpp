// Anthropic's POST /v1/messages/count_tokens: the route's Anthropic target counts, else an estimate.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "base/executor.h"
#include "canonical/arena.h"
#include "proxy/audit_trail.h"
#include "proxy/client_errors.h"
#include "proxy/target_plan.h"
#include "proxy/gateway_handler.h"
#include "proxy/plan_steps.h"
#include "proxy/response_headers.h"
#include "proxy/upstream_attempt.h"
#include "surfaces/anthropic/messages.h"
#include "surfaces/openai/chat_request.h"

namespace switchyard::proxy {

namespace beast_http = boost::beast::http;
using canonical::Dialect;
using Clock = std::chrono::steady_clock;

namespace {

// Anthropic's count_tokens, estimated: about four characters per token for text and JSON, plus a
// few tokens of framing per turn. Exact counts need the target's own tokenizer.
std::int64_t estimateTokens(const canonical::ChatRequest& request) {
  std::size_t characters = 0;
  for (const auto& text : request.system) characters += text.size();
  for (const auto& part : request.parts) {
    characters += part.text.size() + part.arguments.size() + part.name.size();
    if (part.type == canonical::PartType::Image) characters += 6000;  // ~1,500 tokens per image
  }
  for (const auto& tool : request.tools) characters += tool.name.size() + tool.description.size() + tool.parameters.size();
  return static_cast<std::int64_t>((characters + 3) / 4 + 4 * request.messages.size());
}

}  // namespace

Task<void> GatewayHandler::countTokens(http::Request& request, http::ResponseWriter& writer) {
  Caller caller;
  if (auto refusal = authenticateCaller(Dialect::Anthropic, request, writer.requestId(), caller)) {
    co_await writer.send(std::move(*refusal));
    co_return;
  }
  canonical::Arena arena;
  canonical::ChatRequest parsed(arena);
  if (auto error = surfaces::anthropic::parseCountTokensRequest(request.body(), arena, parsed)) {
    co_await writer.send(providerError(Dialect::Anthropic, writer.requestId(), *error));
    co_return;
  }
  const routing::RouteSpec* route = state_.routes.find(parsed.model);
  if (route == nullptr) {
    co_await writer.send(unknownRoute(Dialect::Anthropic, parsed.model, writer.requestId()));
    co_return;
  }
  // The same governance as chat: counting sends the prompt to a provider too. A prompt that would
  // be redacted is estimated here rather than sent (the count of placeholders is not its count).
  AuditTrail audit(writer.requestId(), Dialect::Anthropic, "messages.count_tokens");
  audit.identity(caller.identity);
  audit.route(route->name);
  RequestPolicy policy;
  if (auto refusal = applyGovernance(Dialect::Anthropic, caller, *route, request, writer.requestId(), policy)) {
    audit.policy(state_, policy);
    const int status = refusal->result_int();
    co_await writer.send(std::move(*refusal));
    recordAudit(audit.finish("refused", status, {}, {}, 0, "policy"));
    co_return;
  }
  audit.policy(state_, policy);
  // The route's Anthropic targets count exactly; the first one that answers does. Each attempt goes
  // through the same admission as chat: its breaker, the retry budget, the route's total deadline,
  // and the client's hang-up.
  const auto probe = surfaces::openai::parseChatRequest(request.body());
  const auto* chat = std::get_if<surfaces::openai::ChatRequest>(&probe);
  const auto started = Clock::now();
  const SteadyTime deadline = started + route->timeouts.total;
  writer.setDeadline(deadline);
  auto& client_socket = writer.stream().socket();
  auto watch = makeClientWatch(io_);
  const WatchRegistration registered(watches_, *watch);
  watchClient(client_socket, watch);
  state_.retry_budget->recordPrimary(started);
  int attempts = 0;
  for (const auto& target : route->targets) {
    const auto& endpoint = state_.count_tokens[target.slot];
    if (!targetAllowed(state_, target, policy.classes)) {
      audit.skipped(target.id, "skipped_policy", exclusionReason(state_, target, policy));
      continue;
    }
    if (!endpoint || chat == nullptr || policy.redacted) continue;
    if (Clock::now() >= deadline || watch->gone || watch->shutdown) break;
    auto& health = *state_.health[target.health];
    const auto admission = health.admit(Clock::now());
    if (admission == resilience::Admission::Rejected) continue;
    if (attempts > 0 && !state_.retry_budget->tryAcquire(Clock::now())) {
      health.recordAbandoned(admission);
      break;
    }
    const std::string extra_head = anthropicHeadLines(request, *endpoint);
    const AttemptInput input{*route, target, *endpoint, extra_head, state_.served_by[target.slot], request,
                             chat->model_span, false, ++attempts, deadline, *watch};
    const auto attempt_started = Clock::now();
    health.attemptStarted();
    auto outcome = co_await runAttempt(input, *pools_[target.provider], writer);
    health.attemptEnded();
    if (watch->gone) outcome.kind = AttemptOutcome::Kind::ClientGone;
    recordOutcome(health, admission, outcome, attempt_started, Clock::now());
    audit.tried(target.id, attempts, attemptResult(outcome), outcome.status);
    if (outcome.kind == AttemptOutcome::Kind::ClientGone) {
      stopWatching(client_socket, *watch);
      writer.abort();
      recordAudit(audit.finish("client_gone", 499, {}, {}, attempts));
      co_return;
    }
    if (outcome.kind != AttemptOutcome::Kind::Failed) {
      stopWatching(client_socket, *watch);
      recordAudit(audit.finish(attempts > 1 ? "failed_over" : "ok", outcome.status, target.id, {}, attempts));
      co_return;
    }
  }
  stopWatching(client_socket, *watch);
  if (watch->gone) {
    writer.abort();
    co_return;
  }
  http::Response response{http::Status::ok, 11};
  response.set(beast_http::field::content_type, "application/json");
  setSwitchyardHeaders(response, route->name, {}, attempts);
  response.set(kTokenCountHeader, "estimate");
  response.body() = "{\"input_tokens\":" + std::to_string(estimateTokens(parsed)) + "}";
  co_await writer.send(std::move(response));
  recordAudit(audit.finish("ok", 200, {}, {}, attempts, "estimated"));
}

}  // namespace switchyard::proxy
