#pragma once
// GET /dashboard: the operator's page (HTML, CSS, JavaScript from src/dashboard/, embedded in the
// binary). The page is a static shell with no data in it; everything it shows comes from /admin/*
// and /metrics, which the admin gate guards as always. Who gets the shell:
//   - no admin key configured: loopback clients only, as for /admin/* (everyone else gets 401);
//   - admin keys configured: anyone who reaches the listener, since a browser cannot attach an
//     Authorization header to a navigation; the page asks for the admin key, keeps it in
//     sessionStorage and sends it as `Authorization: Bearer` on every fetch.
#include <optional>
#include <string_view>

#include "config/config.h"
#include "http/server.h"

namespace switchyard::proxy {

// Whether `path` (no query) is the dashboard's: /dashboard or /dashboard/...
bool isDashboardPath(std::string_view path);

// The response for a dashboard path: the asset, 404, 405, or the gate's 401.
http::Response dashboardResponse(const config::Config& config, http::Request& request, bool from_loopback);

}  // namespace switchyard::proxy
