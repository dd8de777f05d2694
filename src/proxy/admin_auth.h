#pragma once
// Who may call /admin/*: a client presenting one of auth.admin_keys (Authorization: Bearer or
// x-api-key), or, while no admin key is configured, a client on a loopback address (local
// development stays one command). Everyone else gets 401 and nothing is done.
#include <optional>
#include <string_view>

#include "config/config.h"
#include "http/server.h"

namespace switchyard::proxy {

// nullopt: allowed; else the 401 to send.
std::optional<http::Response> refuseAdmin(const config::Config& config, http::Request& request, bool from_loopback);

// Whether the connection's peer is 127.0.0.0/8, ::1 or an IPv4-mapped loopback address.
bool peerIsLoopback(http::ResponseWriter& writer);

}  // namespace switchyard::proxy
