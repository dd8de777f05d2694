#include "proxy/gateway_handler.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/executor.h"
#include "base/percent_decode.h"
#include "base/wall_time.h"
#include "http/field_lookup.h"
#include "observability/log.h"
#include "proxy/admin.h"
#include "proxy/admin_governance.h"
#include "proxy/admin_incidents.h"
#include "proxy/client_errors.h"
#include "proxy/metrics_endpoint.h"
#include "proxy/provider_quotas.h"

namespace switchyard::proxy {

namespace beast_http = boost::beast::http;
using canonical::Dialect;

namespace {

http::Response jsonOk(std::string body) { return jsonResponse(http::Status::ok, std::move(body)); }

}  // namespace

GatewayHandler::GatewayHandler(const GatewayState& state, boost::asio::io_context& io, WatchRegistry& watches,
                               Governance& governance)
    : state_(state), governance_(governance), keys_(governance.keys), io_(io), watches_(watches),
      random_(std::random_device{}()), request_ids_(random_()) {
  for (std::size_t i = 0; i < state_.config.providers.size(); ++i) {
    const auto& endpoint = state_.config.providers[i].endpoint;
    pools_.push_back(std::make_unique<http::ClientPool>(
        io_, http::UpstreamTarget{endpoint.tls, endpoint.host, endpoint.port}, state_.tls[i],
        config::kDefaultPoolMaxIdle));
  }
}

// A request refused by the server before any handler ran (too large, malformed): its headers may
// not be known, so the id is always a fresh one.
http::Response GatewayHandler::reject(http::Status status, std::string_view message, std::string_view target) {
  RequestIdSource::Buffer buffer;
  const std::string_view request_id = request_ids_.next(buffer);
  if (observability::enabled(observability::LogLevel::Info)) {
    observability::log(observability::LogLevel::Info, "request rejected",
                       {{"request_id", request_id}, {"status", static_cast<int>(status)}, {"reason", message}});
  }
  http::Response response = clientError(dialectOfPath(target), request_id, status, message);
  response.set(kRequestIdHeader, request_id);
  return response;
}

// Not a coroutine: it picks the one that serves the request, so that a stream, which may last
// minutes, holds no frame for the dispatch (every frame of a long exchange is memory per stream).
Task<void> GatewayHandler::handle(http::Request& request, http::ResponseWriter& writer) {
  // Before anything is written: every head of this exchange carries the id (the writer keeps a copy).
  RequestIdSource::Buffer generated;
  std::string_view request_id = http::fieldValue(request, kRequestIdHeader);
  if (!isAcceptableRequestId(request_id)) request_id = request_ids_.next(generated);
  writer.setRequestId(request_id);
  std::string_view path = request.target();  // boost::core::string_view converts
  if (const auto query = path.find('?'); query != std::string_view::npos) path = path.substr(0, query);
  const bool post = request.method() == beast_http::verb::post;
  if (post && (path == "/v1/chat/completions" || path == "/chat/completions" || path == "/v1/messages")) {
    return serveChat(dialectOfPath(path), request, writer);
  }
  if (post && path == "/v1/messages/count_tokens") return countTokens(request, writer);
  return serveOther(request, writer);
}

Task<void> GatewayHandler::serveOther(http::Request& request, http::ResponseWriter& writer) {
  std::string_view path = request.target();
  if (const auto query = path.find('?'); query != std::string_view::npos) path = path.substr(0, query);
  const auto method = request.method();
  const Dialect surface = dialectOfPath(path);
  if (path == "/v1/chat/completions" || path == "/chat/completions" || path == "/v1/messages") {
    std::string message = "Use POST for " + std::string(path) + ".";
    co_await writer.send(
        clientError(surface, writer.requestId(), http::Status::method_not_allowed, message, "method_not_allowed"));
    co_return;
  }
  // The Anthropic SDK lists models at the same path; its anthropic-version header tells them apart.
  const Dialect models_surface = request.find("anthropic-version") != request.end() ? Dialect::Anthropic : Dialect::OpenAi;
  if (method == beast_http::verb::get && (path == "/v1/models" || path == "/models" || path.starts_with("/v1/models/"))) {
    Caller caller;
    if (auto refusal = authenticateCaller(models_surface, request, writer.requestId(), caller)) {
      co_await writer.send(std::move(*refusal));
      co_return;
    }
  }
  if (method == beast_http::verb::get && (path == "/v1/models" || path == "/models")) {
    co_await writer.send(models(models_surface));
    co_return;
  }
  if (method == beast_http::verb::get && path.starts_with("/v1/models/")) {
    const std::string id = base::percentDecode(path.substr(std::string_view("/v1/models/").size()));
    co_await writer.send(model(models_surface, id, writer.requestId()));
    co_return;
  }
  if (isGovernancePath(path)) {  // the admin gate (GatewayFront) has let the caller in
    std::string_view target = request.target();
    const auto query = target.find('?');
    const std::string_view query_text = query == std::string_view::npos ? target.substr(target.size()) : target.substr(query + 1);
    http::Response answer = co_await serveGovernance(state_, governance_, request, path, query_text);
    co_await writer.send(std::move(answer));
    co_return;
  }
  if (method == beast_http::verb::get && path == "/admin/budgets") {
    http::Response budgets = adminBudgets(*state_.economics, providerQuotasMember(state_));
    co_await writer.send(std::move(budgets));
    co_return;
  }
  if (method == beast_http::verb::get && path == "/metrics") {  // the admin gate has let the caller in
    co_await writer.send(metricsResponse(state_, governance_));
    co_return;
  }
  if (method == beast_http::verb::get && path == "/admin/targets") {
    co_await writer.send(adminTargets(state_));
    co_return;
  }
  if (method == beast_http::verb::get && isIncidentReportPath(path)) {
    std::string_view target = request.target();
    const auto query = target.find('?');
    const std::string_view query_text = query == std::string_view::npos ? std::string_view() : target.substr(query + 1);
    http::Response report = co_await adminIncidentReport(state_, governance_, path, query_text);
    co_await writer.send(std::move(report));
    co_return;
  }
  if (isDrillsPath(path)) {
    co_await writer.send(adminDrills(state_, governance_, request, path));
    co_return;
  }
  if (method == beast_http::verb::get && path == "/admin/incidents") {
    co_await writer.send(adminIncidents(state_));
    co_return;
  }
  if (method == beast_http::verb::get && (path == "/healthz" || path == "/readyz")) {
    co_await writer.send(jsonOk(path == "/healthz" ? R"({"status":"ok"})" : R"({"status":"ready"})"));
    co_return;
  }
  const std::string message = "Unknown endpoint: " + std::string(beast_http::to_string(method)) + " " +
                              std::string(path) +
                              ". Switchyard serves POST /v1/chat/completions, POST /v1/messages, "
                              "POST /v1/messages/count_tokens and GET /v1/models.";
  co_await writer.send(clientError(surface, writer.requestId(), http::Status::not_found, message, "unknown_url"));
}

namespace {

boost::json::object modelObject(Dialect surface, std::string_view id, std::chrono::system_clock::time_point created) {
  if (surface == Dialect::Anthropic) {
    return boost::json::object{{"type", "model"}, {"id", id}, {"display_name", id}, {"created_at", base::rfc3339(created)}};
  }
  return boost::json::object{{"id", id}, {"object", "model"}, {"created", base::unixSeconds(created)}, {"owned_by", "switchyard"}};
}

}  // namespace

http::Response GatewayHandler::unknownRoute(Dialect surface, std::string_view name, std::string_view request_id) const {
  const std::string message = "The model '" + std::string(name) +
                              "' is not a route of this gateway. Known routes: " + state_.routes.routeNames() + ".";
  return clientError(surface, request_id, http::Status::not_found, message, "model_not_found", "model");
}

http::Response GatewayHandler::model(Dialect surface, const std::string& id, std::string_view request_id) const {
  if (state_.routes.find(id) == nullptr) return unknownRoute(surface, id, request_id);
  return jsonOk(boost::json::serialize(modelObject(surface, id, state_.started)));
}

http::Response GatewayHandler::models(Dialect surface) const {
  boost::json::array data;
  for (const auto& route : state_.routes.routes()) data.push_back(modelObject(surface, route.name, state_.started));
  if (surface == Dialect::Anthropic) {
    const auto& routes = state_.routes.routes();
    boost::json::object page{{"data", std::move(data)}, {"has_more", false}};
    page["first_id"] = routes.empty() ? boost::json::value(nullptr) : boost::json::value(routes.front().name);
    page["last_id"] = routes.empty() ? boost::json::value(nullptr) : boost::json::value(routes.back().name);
    return jsonOk(boost::json::serialize(page));
  }
  return jsonOk(boost::json::serialize(boost::json::object{{"object", "list"}, {"data", std::move(data)}}));
}

}  // namespace switchyard::proxy
