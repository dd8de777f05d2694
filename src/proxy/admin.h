#pragma once
// The operator's view: GET /admin/targets (every target's breaker, latency and load) and
// GET /admin/incidents (every breaker opening, with what it did to requests).
#include <string>

#include <boost/json/value.hpp>

#include "http/server.h"
#include "proxy/gateway_state.h"

namespace switchyard::proxy {

http::Response adminTargets(const GatewayState& state);
// JSON text as /admin writes it (doubles in their shortest form, "1.3" rather than "1.3E0").
std::string adminJsonText(const boost::json::value& value);
http::Response adminIncidents(const GatewayState& state);

}  // namespace switchyard::proxy
