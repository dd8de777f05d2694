#pragma once
// GET /metrics: the gateway's metrics in the Prometheus text format 0.0.4, behind the admin gate
// (GatewayFront). Everything is read at scrape time: the sharded counters of GatewayMetrics summed,
// breakers and in-flight attempts from the targets' health, budget and rate-limit headroom from the
// ledger and limiters, dropped log lines and audit records from the logger and the store.
#include "http/server.h"
#include "proxy/gateway_state.h"
#include "proxy/governance.h"

namespace switchyard::proxy {

std::string renderMetrics(const GatewayState& state, const Governance& governance);
http::Response metricsResponse(const GatewayState& state, const Governance& governance);

}  // namespace switchyard::proxy
