// Governance at the door of the client API: who is calling (client keys), whether the key may use
// the route, the request's data classes and its PII policy; and the audit record at the end.
#include <chrono>

#include <boost/beast/http/field.hpp>

#include "base/wall_time.h"
#include "http/field_lookup.h"
#include "observability/log.h"
#include "proxy/client_errors.h"
#include "proxy/gateway_handler.h"
#include "proxy/request_shape.h"
#include "proxy/request_trace.h"

namespace switchyard::proxy {

namespace beast_http = boost::beast::http;
using canonical::Dialect;

namespace {

// Where the client's SDK looks for its key, in words the SDK's user recognises.
std::string_view keyHint(Dialect surface) {
  return surface == Dialect::Anthropic ? "x-api-key" : "Authorization: Bearer";
}

}  // namespace

std::optional<http::Response> GatewayHandler::authenticateCaller(Dialect surface, http::Request& request,
                                                                 std::string_view request_id, Caller& caller) {
  caller.keys = keys_.current();
  const std::string_view presented = presentedKeyOf(request);
  const Authentication auth = authenticate(*caller.keys, presented, state_.config.anonymousAllowed(),
                                             base::unixSeconds(std::chrono::system_clock::now()));
  std::string message;
  switch (auth.result) {
    case Authentication::Result::Anonymous: return std::nullopt;
    case Authentication::Result::Key:
      caller.identity = auth.identity;
      return std::nullopt;
    case Authentication::Result::Missing:
      message = "No client key: this gateway needs one (" + std::string(keyHint(surface)) + ").";
      break;
    case Authentication::Result::Unknown:
      message = "The client key is not valid for this gateway.";
      break;
    case Authentication::Result::Disabled:
      message = "The client key '" + auth.identity->id + "' is disabled.";
      break;
    case Authentication::Result::Expired:
      message = "The client key '" + auth.identity->id + "' has expired.";
      break;
  }
  if (observability::enabled(observability::LogLevel::Info)) {
    observability::log(observability::LogLevel::Info, "request rejected",
                       {{"request_id", request_id}, {"status", 401}, {"reason", message}});
  }
  return clientError(surface, request_id, http::Status::unauthorized, message, "invalid_api_key");
}

std::optional<http::Response> GatewayHandler::applyGovernance(Dialect surface, const Caller& caller,
                                                              const routing::RouteSpec& route, http::Request& request,
                                                              std::string_view request_id, RequestPolicy& policy) {
  if (caller.identity != nullptr && !caller.identity->mayUse(route.name)) {
    return clientError(surface, request_id, http::Status::forbidden,
                       "The client key '" + caller.identity->id + "' may not use route '" + route.name + "'.",
                       "route_not_allowed", "model");
  }
  const std::size_t route_index = route.index;
  if (std::string error =
          collectClasses(state_, caller.identity, route_index, http::fieldValue(request, kDataClassHeader), policy);
      !error.empty()) {
    return clientError(surface, request_id, http::Status::bad_request, error, "unknown_data_class",
                       std::string(kDataClassHeader));
  }
  if (!applyPii(state_, caller.identity, route_index, request.body(), policy)) {
    const std::string message = "The request contains personal data (" + piiKinds(policy) + ") and route '" +
                                route.name + "' does not let it leave the gateway.";
    return clientError(surface, request_id, http::Status::bad_request, message, "pii_detected", "messages");
  }
  return std::nullopt;
}

const routing::RouteSpec& GatewayHandler::specFor(const routing::RouteSpec& route, http::Request& request,
                                                  const Caller& caller) {
  routing::RequestShape shape = shapeOfChatBody(request.body());
  shape.header = [&request](std::string_view name) -> std::optional<std::string_view> {
    const auto field = request.find(name);
    if (field == request.end()) return std::nullopt;
    return std::string_view(field->value());
  };
  if (caller.identity != nullptr) {
    shape.key_name = caller.identity->id;
    shape.key_tags = caller.identity->tags;
  }
  return routing::selectSpec(route, shape);
}

void GatewayHandler::recordAudit(RequestTrace& trace, const store::AuditRecordView& record) {
  trace.finish(record);
  recordAudit(record);
}

void GatewayHandler::recordAudit(const store::AuditRecordView& record) {
  if (governance_.store != nullptr) governance_.store->recordAudit(record);
}

}  // namespace switchyard::proxy
