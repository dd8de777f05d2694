#pragma once
// The operator's view: GET /admin/targets (every target's breaker, latency and load) and
// GET /admin/incidents (every breaker opening, with what it did to requests).
#include "http/server.h"
#include "proxy/gateway_state.h"

namespace switchyard::proxy {

http::Response adminTargets(const GatewayState& state);
http::Response adminIncidents(const GatewayState& state);

}  // namespace switchyard::proxy
