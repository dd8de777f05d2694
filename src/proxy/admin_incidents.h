#pragma once
// GET /admin/incidents/{id}/report (a post-mortem, Markdown or ?format=json) and the drills:
// POST /admin/drills, GET /admin/drills, DELETE /admin/drills/{target} (issue 14). The admin gate
// (GatewayFront) has let the caller in.
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "base/executor.h"
#include "http/server.h"
#include "proxy/gateway_state.h"
#include "proxy/governance.h"

namespace switchyard::proxy {

bool isIncidentReportPath(std::string_view path);  // /admin/incidents/{id}/report
bool isDrillsPath(std::string_view path);          // /admin/drills[/...]

Task<http::Response> adminIncidentReport(const GatewayState& state, Governance& governance,
                                                          std::string_view path, std::string_view query);
http::Response adminDrills(const GatewayState& state, Governance& governance, http::Request& request,
                           std::string_view path);

}  // namespace switchyard::proxy
