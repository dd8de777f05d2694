#pragma once
// The gateway's HTTP front: dispatches each request to its endpoint (chat completions, models,
// health) on the worker that accepted it. One instance per worker; owns that worker's upstream
// connection pools.
#include <memory>
#include <random>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/executor.h"
#include "canonical/chat.h"
#include "http/client.h"
#include "http/server.h"
#include "proxy/client_watch.h"
#include "proxy/gateway_state.h"
#include "proxy/governance.h"
#include "proxy/request_policy.h"
#include "proxy/request_id.h"
#include "routing/strategy.h"

namespace switchyard::proxy {

class RequestTrace;
struct AttemptGate;

class GatewayHandler final : public http::RequestHandler {
 public:
  // `watches` is the worker's (shared by the handlers of successive config generations).
  GatewayHandler(const GatewayState& state, boost::asio::io_context& io, WatchRegistry& watches,
                 Governance& governance);

  Task<void> handle(http::Request& request, http::ResponseWriter& writer) override;
  http::Response reject(http::Status status, std::string_view message, std::string_view target) override;

 private:
  // POST /v1/chat/completions (OpenAI) and POST /v1/messages (Anthropic): route, attempt targets
  // (forwarding to same-dialect targets, translating for the others), answer in the client's dialect.
  Task<void> serveChat(canonical::Dialect surface, http::Request& request,
                                         http::ResponseWriter& writer);
  // What serveChat keeps for one request, outside its coroutine frame (chat_handler.cpp).
  struct ChatCall;
  // The steps before the first attempt (authentication, validation, routing, governance, planning,
  // the key's rate limit): false when the request is refused, with the answer in call.refusal.
  bool admitChat(ChatCall& call, http::Request& request, http::ResponseWriter& writer);
  // An attempt's end: its target's health, the spend it settles, its metrics, trace and audit entry.
  void settleAttempt(ChatCall& call, const routing::TargetRef& target, resilience::TargetHealth& health,
                     resilience::Admission admission, const AttemptGate& gate,
                     std::chrono::steady_clock::time_point attempt_started);
  // After an attempt that failed: its record and what it tells the plan. false: no attempt follows.
  bool afterFailedAttempt(ChatCall& call, const routing::TargetRef& target, std::size_t position);
  // Everything but chat and count_tokens: models, health, admin, and the errors for the rest.
  Task<void> serveOther(http::Request& request, http::ResponseWriter& writer);
  // POST /v1/messages/count_tokens.
  Task<void> countTokens(http::Request& request, http::ResponseWriter& writer);
  // GET /v1/models in OpenAI's list shape, or Anthropic's when the client sent anthropic-version.
  http::Response models(canonical::Dialect surface) const;
  http::Response model(canonical::Dialect surface, const std::string& id, std::string_view request_id) const;
  // Who is calling: fills `caller` and returns nullopt, or returns the 401 to send.
  struct Caller {
    KeyRegistry::Reader::Lease keys;
    const ClientIdentity* identity = nullptr;
  };
  std::optional<http::Response> authenticateCaller(canonical::Dialect surface, http::Request& request,
                                                   std::string_view request_id, Caller& caller);
  // The request's governance before planning: route permission (403), data classes (400 for an
  // unknown one), PII (400 when blocked; the body redacted in place). nullopt: go on.
  std::optional<http::Response> applyGovernance(canonical::Dialect surface, const Caller& caller,
                                                const routing::RouteSpec& route, http::Request& request,
                                                std::string_view request_id, RequestPolicy& policy);
  void recordAudit(const store::AuditRecordView& record);
  // The same, once the request's trace has its span (proxy/request_trace.h).
  void recordAudit(RequestTrace& trace, const store::AuditRecordView& record);
  // The spec a request of `route` takes under the route's rules (the route itself when none matches).
  const routing::RouteSpec& specFor(const routing::RouteSpec& route, http::Request& request, const Caller& caller);
  // 404 naming the known routes, for a `model` that is not one.
  http::Response unknownRoute(canonical::Dialect surface, std::string_view name, std::string_view request_id) const;

  const GatewayState& state_;
  Governance& governance_;
  KeyRegistry::Reader keys_;  // this worker's view of the client keys
  boost::asio::io_context& io_;
  WatchRegistry& watches_;  // the exchanges in flight, cut when a shutdown's grace runs out
  std::vector<std::unique_ptr<http::ClientPool>> pools_;  // per provider
  std::mt19937_64 random_;
  RequestIdSource request_ids_;  // this worker's generated x-request-id values
  routing::StrategyState strategy_state_;  // this worker's turns of `fastest` and `weighted`
};


}  // namespace switchyard::proxy
