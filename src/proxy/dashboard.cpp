#include "proxy/dashboard.h"

#include <boost/beast/http/field.hpp>

#include "proxy/admin_auth.h"
#include "proxy/client_errors.h"
#include "proxy/dashboard_assets.h"

namespace switchyard::proxy {

namespace beast_http = boost::beast::http;

namespace {

constexpr std::string_view kPrefix = "/dashboard";

std::string_view contentType(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  if (name.ends_with(".png")) return "image/png";
  return "application/octet-stream";
}

const EmbeddedAsset* findAsset(std::string_view name) {
  for (const auto& asset : dashboardAssets()) {
    if (asset.name == name) return &asset;
  }
  return nullptr;
}

}  // namespace

bool isDashboardPath(std::string_view path) {
  return path == kPrefix || (path.starts_with(kPrefix) && path.size() > kPrefix.size() && path[kPrefix.size()] == '/');
}

http::Response dashboardResponse(const config::Config& config, http::Request& request, bool from_loopback) {
  // With no admin key the shell is as private as /admin: loopback only. With keys, the shell (no
  // data in it) is served so that the operator can paste the key; its fetches are checked.
  if (config.auth.admin_key_sha256_hex.empty()) {
    if (auto refusal = refuseAdmin(config, request, from_loopback)) return std::move(*refusal);
  }
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (request.method() != beast_http::verb::get) {
    auto response = clientError(canonical::Dialect::OpenAi, http::Status::method_not_allowed,
                                "The dashboard answers GET only.", "method_not_allowed");
    response.set(beast_http::field::allow, "GET");
    return response;
  }
  std::string_view name = path.substr(kPrefix.size());
  if (name.starts_with('/')) name.remove_prefix(1);
  if (name.empty()) name = "index.html";
  const EmbeddedAsset* asset = findAsset(name);
  if (asset == nullptr) {
    return clientError(canonical::Dialect::OpenAi, http::Status::not_found,
                       "No such dashboard file: " + std::string(path) + ".", "unknown_url");
  }
  http::Response response{http::Status::ok, request.version()};
  response.set(beast_http::field::content_type, contentType(asset->name));
  // Small files compiled into the binary: always revalidated, so that an upgraded gateway's page
  // never runs with a stale script.
  response.set(beast_http::field::cache_control, "no-cache");
  response.set("x-content-type-options", "nosniff");
  response.set("referrer-policy", "no-referrer");
  // Same-origin only: no inline script, nothing fetched from anywhere else.
  response.set("content-security-policy",
               "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  response.set("x-frame-options", "DENY");
  response.body().assign(reinterpret_cast<const char*>(asset->bytes), asset->size);
  return response;
}

}  // namespace switchyard::proxy
