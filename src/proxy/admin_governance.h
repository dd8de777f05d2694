#pragma once
// The governance part of the admin API: client keys (POST/GET /admin/keys, PATCH/DELETE
// /admin/keys/{id}) and the audit trail (GET /admin/requests, GET /admin/requests/{id}). Every
// store access runs on the store's thread; the event loop only awaits it.
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "base/executor.h"
#include "http/server.h"
#include "proxy/gateway_state.h"
#include "proxy/governance.h"

namespace switchyard::proxy {

// Whether `path` is one of the endpoints above.
bool isGovernancePath(std::string_view path);

Task<http::Response> serveGovernance(const GatewayState& state, Governance& governance,
                                                       http::Request& request, std::string_view path,
                                                       std::string_view query);

}  // namespace switchyard::proxy
