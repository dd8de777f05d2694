#pragma once
// The answers of a chat request that no target served: every target failed, the deadline ran out,
// the policy left no target, budgets or rate limits refused every attempt, the gateway is shutting
// down. Each says which, in the client's dialect, with what was tried.
#include "http/server.h"
#include "proxy/chat_exchange.h"

namespace switchyard::proxy {

// The request's data classes left no target, or only targets that failed: 403 when no target may
// take it, 503 when the allowed ones failed.
http::Response policyRefusal(const GatewayState& state, canonical::Dialect surface, std::string_view request_id,
                             const routing::RouteSpec& route, const RequestPlan& plan, const RequestPolicy& policy,
                             const std::vector<AttemptRecord>& failures, int attempts);

// The answer once the attempt loop ended with no target serving the request (and the client still there).
http::Response noAnswer(ChatExchange& exchange);

}  // namespace switchyard::proxy
