#include "proxy/gateway_front.h"

#include "base/executor.h"
#include "proxy/admin_auth.h"
#include "proxy/client_errors.h"
#include "proxy/dashboard.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace switchyard::proxy {

namespace beast_http = boost::beast::http;

namespace {

// Built outside the coroutines: GCC 12 miscompiles string-literal initializer lists in a coroutine frame.
http::Response statusResponse(http::Status status, std::string_view key, std::string_view value,
                              std::string_view detail_key = {}, std::string_view detail = {}) {
  boost::json::object body;
  body[key] = value;
  if (!detail_key.empty()) body[detail_key] = detail;
  http::Response response{status, 11};
  response.set(beast_http::field::content_type, "application/json");
  response.body() = boost::json::serialize(body);
  return response;
}

// The client API (not /admin, /healthz): what a draining gateway no longer takes.
bool isApiPath(std::string_view path) {
  return path.starts_with("/v1/") || path == "/chat/completions" || path == "/models" || path.starts_with("/openai/");
}

// New work while draining: nothing was done, so the client's SDK may retry (on another instance).
http::Response shuttingDown(std::string_view path) {
  auto response = clientError(dialectOfPath(path), http::Status::service_unavailable,
                              "The gateway is shutting down and takes no new requests; retry.", "shutting_down");
  response.set("x-should-retry", "true");
  return response;
}

}  // namespace

GatewayFront::GatewayFront(std::shared_ptr<const GatewayState> state, boost::asio::io_context& io,
                           Executor control, Reload reload, Governance& governance)
    : io_(io), control_(std::move(control)), reload_(std::move(reload)), governance_(governance),
      current_(std::make_shared<Generation>(std::move(state), io, watches_, governance_)) {}

void GatewayFront::adopt(std::shared_ptr<const GatewayState> state) {
  // Requests in flight keep the old generation (and its pools) alive until they end.
  current_ = std::make_shared<Generation>(std::move(state), io_, watches_, governance_);
}

http::Response GatewayFront::reject(http::Status status, std::string_view message, std::string_view target) {
  return current_->handler.reject(status, message, target);
}

// Not a coroutine (see GatewayHandler::handle): the usual request goes to its generation's handler
// through a frame that holds only the generation.
Task<void> GatewayFront::handle(http::Request& request, http::ResponseWriter& writer) {
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (isDashboardPath(path)) {  // static files; their own gate (proxy/dashboard.h)
    return sendRefusal(dashboardResponse(current_->state->config, request, peerIsLoopback(writer)), writer);
  }
  if (path.starts_with("/admin") || path == "/metrics") {
    // One gate for every admin endpoint, reload and /metrics included: nothing below runs for a
    // refused caller.
    if (auto refusal = refuseAdmin(current_->state->config, request, peerIsLoopback(writer))) {
      return sendRefusal(std::move(*refusal), writer);
    }
  }
  const bool reload = path == "/admin/reload" && request.method() == beast_http::verb::post;
  if (reload || (draining_ && (path == "/readyz" || isApiPath(path)))) return serveLifecycle(request, writer);
  return runOn(current_, request, writer);
}

Task<void> GatewayFront::runOn(std::shared_ptr<Generation> generation, http::Request& request,
                                                 http::ResponseWriter& writer) {
  co_await generation->handler.handle(request, writer);
}

Task<void> GatewayFront::sendRefusal(http::Response response, http::ResponseWriter& writer) {
  co_await writer.send(std::move(response));
}

Task<void> GatewayFront::serveLifecycle(http::Request& request, http::ResponseWriter& writer) {
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (draining_ && path == "/readyz") {
    co_await writer.send(statusResponse(http::Status::service_unavailable, "status", "draining"));
    co_return;
  }
  if (draining_ && isApiPath(path)) {
    co_await writer.send(shuttingDown(path));
    co_return;
  }
  co_await reloadNow(writer);
}

Task<void> GatewayFront::reloadNow(http::ResponseWriter& writer) {
  Reload& reload = reload_;
  const ReloadResult result = co_await boost::asio::co_spawn(
      control_, [&reload]() -> Task<ReloadResult> { co_return reload(); },
      kAwait);
  if (result.ok) {
    co_await writer.send(statusResponse(http::Status::ok, "status", "reloaded", "message", result.message));
  } else {
    co_await writer.send(statusResponse(http::Status::bad_request, "status", "failed", "error", result.message));
  }
}

}  // namespace switchyard::proxy
