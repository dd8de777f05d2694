#include "proxy/admin_governance.h"

#include <chrono>
#include <ctime>

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/parse_query.hpp>

#include "base/duration.h"
#include "base/executor.h"
#include "base/sha256.h"
#include "base/wall_time.h"
#include "config/governance_checks.h"
#include "proxy/client_errors.h"
#include "proxy/request_policy.h"

namespace switchyard::proxy {

namespace json = boost::json;
namespace beast_http = boost::beast::http;

namespace {

constexpr std::string_view kKeysPath = "/admin/keys";
constexpr std::string_view kRequestsPath = "/admin/requests";
constexpr std::size_t kMaxListed = 1000;

http::Response problem(http::Status status, std::string_view message, std::string_view code) {
  return clientError(canonical::Dialect::OpenAi, status, message, code);
}

json::object keyJson(const ClientIdentity& key) {
  json::array routes(key.routes.begin(), key.routes.end());
  json::array classes(key.data_classes.begin(), key.data_classes.end());
  json::object out{{"id", key.id},
                   {"name", key.name},
                   {"routes", std::move(routes)},
                   {"data_classes", std::move(classes)},
                   {"pii", key.pii == config::PiiAction::None ? json::value(nullptr) : json::value(toString(key.pii))},
                   {"expires_at", key.expires_at ? json::value(*key.expires_at) : json::value(nullptr)},
                   {"enabled", key.enabled},
                   {"source", key.from_config ? "config" : "admin"}};
  if (!key.from_config) out["created_at"] = key.created_at;
  return out;
}

std::optional<std::vector<std::string>> stringList(const json::value* value, std::string& error, std::string_view name) {
  std::vector<std::string> out;
  if (value == nullptr || value->is_null()) return out;
  if (value->is_string()) {
    out.emplace_back(value->get_string());
    return out;
  }
  if (!value->is_array()) {
    error = std::string(name) + " must be a string or a list of strings";
    return std::nullopt;
  }
  for (const auto& item : value->get_array()) {
    if (!item.is_string()) {
      error = std::string(name) + " must be a list of strings";
      return std::nullopt;
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

std::optional<std::int64_t> expiryOf(const json::value* value, std::string& error) {
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_string()) {
    // The config's `expires` syntax: a date (midnight UTC) or RFC 3339 with its offset.
    if (auto date = config::parseExpiry(value->get_string())) return date;
  }
  error = "expires_at must be unix seconds or a date (2027-01-01, 2027-01-01T00:00:00Z)";
  return std::nullopt;
}

// Validates a POST /admin/keys body against the running config; fills `key` (without id/secret).
std::string readNewKey(const GatewayState& state, const json::object& body, store::KeyRecord& key) {
  std::string error;
  if (const auto* name = body.if_contains("name")) {
    if (!name->is_string() || name->get_string().size() > 200) return "name must be a string of at most 200 characters";
    key.name = name->get_string();
  }
  auto routes = stringList(body.if_contains("routes"), error, "routes");
  if (!routes) return error;
  for (const auto& route : *routes) {
    if (state.routes.find(route) == nullptr) return "routes: '" + route + "' is not a route of this gateway";
  }
  key.routes = std::move(*routes);
  const json::value* classes_value = body.if_contains("data_classes");
  if (classes_value == nullptr) classes_value = body.if_contains("data_class");
  auto classes = stringList(classes_value, error, "data_class");
  if (!classes) return error;
  for (const auto& name : *classes) {
    if (!state.classes.index(name)) return "data_class: '" + name + "' is not declared under data_classes";
  }
  key.data_classes = std::move(*classes);
  if (const auto* pii = body.if_contains("pii"); pii != nullptr && !pii->is_null()) {
    const json::value* action = pii->is_object() ? pii->get_object().if_contains("action") : pii;
    const std::string_view text = action != nullptr && action->is_string() ? std::string_view(action->get_string()) : "";
    if (text != "audit" && text != "block" && text != "escalate" && text != "redact") {
      return "pii must be one of audit, block, escalate, redact";
    }
    key.pii_action = text;
  }
  const auto* expires = body.if_contains("expires_at");
  key.expires_at = expiryOf(expires, error);
  if (!error.empty()) return error;
  if (const auto* enabled = body.if_contains("enabled")) {
    if (!enabled->is_bool()) return "enabled must be true or false";
    key.enabled = enabled->get_bool();
  }
  return {};
}

http::Response deletedResponse(const std::string& id) {
  return jsonResponse(http::Status::ok, json::serialize(json::object{{"id", id}, {"deleted", true}}));
}

// The store calls, as plain functions that return the awaitable: GCC 12 destroys a lambda
// temporary with captures twice when it is built inside a co_await expression of a coroutine.
// Arguments by reference: a by-value argument is a temporary of the co_await expression too.
Task<bool> storePutKey(store::StoreService& service, const store::KeyRecord& key) {
  return service.run([key](store::Store& store) {
    store.putKey(key);
    return true;
  });
}

Task<bool> storeDeleteKey(store::StoreService& service, const std::string& id) {
  return service.run([id](store::Store& store) { return store.deleteKey(id); });
}

Task<std::optional<std::string>> storeAuditRecord(store::StoreService& service,
                                                                    const std::string& id) {
  return service.run([id](store::Store& store) { return store.auditRecord(id); });
}

Task<std::vector<std::string>> storeAuditRecords(store::StoreService& service,
                                                                   const store::AuditQuery& query) {
  return service.run([query](store::Store& store) { return store.auditRecords(query); });
}

std::optional<json::object> parseObject(std::string_view body) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

Task<http::Response> createKey(const GatewayState& state, Governance& governance,
                                                 http::Request& request) {
  auto body = parseObject(request.body());
  if (!body) co_return problem(http::Status::bad_request, "The body must be a JSON object.", "invalid_json");
  store::KeyRecord key;
  if (std::string error = readNewKey(state, *body, key); !error.empty()) {
    co_return problem(http::Status::bad_request, error, "invalid_key_request");
  }
  const std::string secret = "sy-" + base::randomHex(24);
  key.id = "key_" + base::randomHex(8);
  if (key.name.empty()) key.name = key.id;
  key.sha256_hex = base::toHex(base::sha256(secret));
  key.created_at = base::unixSeconds(std::chrono::system_clock::now());
  // Durable before the secret is shown: a kill -9 after this answer loses no key.
  co_await storePutKey(*governance.store, key);
  governance.keys.putStored(key);
  const auto snapshot = governance.keys.snapshot();
  json::object out = keyJson(*snapshot->findId(key.id));
  out["key"] = secret;  // shown once; only its SHA-256 is kept
  co_return jsonResponse(http::Status::created, json::serialize(out));
}

Task<http::Response> changeKey(Governance& governance, http::Request& request, std::string_view id) {
  const auto snapshot = governance.keys.snapshot();
  const ClientIdentity* existing = snapshot->findId(id);
  if (existing == nullptr) co_return problem(http::Status::not_found, "No client key with id '" + std::string(id) + "'.", "key_not_found");
  if (existing->from_config) {
    co_return problem(http::Status::conflict,
                      "Key '" + std::string(id) + "' is declared in the config file; change it there and reload.",
                      "key_in_config");
  }
  if (request.method() == beast_http::verb::delete_) {
    const std::string key_id(id);
    co_await storeDeleteKey(*governance.store, key_id);
    governance.keys.removeStored(key_id);
    co_return deletedResponse(key_id);
  }
  auto body = parseObject(request.body());
  if (!body) co_return problem(http::Status::bad_request, "The body must be a JSON object.", "invalid_json");
  store::KeyRecord record{existing->id, existing->name, base::toHex(existing->digest), existing->routes,
                          existing->data_classes, std::string(toString(existing->pii)), existing->expires_at,
                          existing->enabled, existing->created_at};
  if (record.pii_action == "none") record.pii_action.clear();
  std::string error;
  if (const auto* enabled = body->if_contains("enabled")) {
    if (!enabled->is_bool()) co_return problem(http::Status::bad_request, "enabled must be true or false", "invalid_key_request");
    record.enabled = enabled->get_bool();
  }
  if (body->contains("expires_at")) {
    record.expires_at = expiryOf(body->if_contains("expires_at"), error);
    if (!error.empty()) co_return problem(http::Status::bad_request, error, "invalid_key_request");
  }
  co_await storePutKey(*governance.store, record);
  governance.keys.putStored(record);
  const auto updated = governance.keys.snapshot();
  co_return jsonResponse(http::Status::ok, json::serialize(keyJson(*updated->findId(record.id))));
}

http::Response listKeys(Governance& governance) {
  const auto snapshot = governance.keys.snapshot();
  json::array data;
  for (const auto& key : snapshot->all) data.push_back(keyJson(*key));
  return jsonResponse(http::Status::ok, json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}}));
}

// ?since=1h (how long ago), or unix seconds, or a date.
std::optional<std::int64_t> sinceMillis(std::string_view text) {
  if (auto ago = base::parseDuration(text)) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    return (now - *ago).count();
  }
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos && text.size() < 15) {
    return std::stoll(std::string(text)) * 1000;
  }
  if (auto date = config::parseExpiry(text)) return *date * 1000;
  return std::nullopt;
}

// The filters of GET /admin/requests; returns the error for the client, or "". Not in the
// coroutine: the query's views stay on a plain stack frame.
std::string readAuditQuery(std::string_view query, store::AuditQuery& filter) {
  if (query.empty()) return {};
  // A NUL-terminated copy: Boost.URL 1.81's parse_query reads its input with strlen (past the end
  // of the request target, which is not terminated), whatever size it is given.
  const std::string text(query);
  auto params = boost::urls::parse_query(text);
  if (!params) return "malformed query string";
  for (const auto param : *params) {
    const auto decoded = *param.value;
    const std::string value(decoded.begin(), decoded.end());
    const std::string key(param.key.data(), param.key.size());
    if (key == "route") {
      filter.route = value;
    } else if (key == "outcome") {
      filter.outcome = value;
    } else if (key == "key" || key == "key_id") {
      filter.key_id = value;
    } else if (key == "since") {
      filter.since_ms = sinceMillis(value);
      if (!filter.since_ms) return "since must be a duration (1h, 30m), unix seconds or a date";
    } else if (key == "limit") {
      const bool number = !value.empty() && value.size() <= 6 && value.find_first_not_of("0123456789") == std::string::npos;
      const std::size_t limit = number ? std::stoul(value) : 0;
      if (limit == 0) return "limit must be a positive number";
      filter.limit = std::min<std::size_t>(limit, kMaxListed);
    }
  }
  return {};
}

Task<http::Response> listRequests(Governance& governance, std::string_view query) {
  store::AuditQuery filter;
  if (const std::string error = readAuditQuery(query, filter); !error.empty()) {
    co_return problem(http::Status::bad_request, error, "invalid_query");
  }
  const auto records = co_await storeAuditRecords(*governance.store, filter);
  std::string body = "{\"object\":\"list\",\"data\":[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i > 0) body.push_back(',');
    body += records[i];
  }
  body += "]}";
  co_return jsonResponse(http::Status::ok, std::move(body));
}

}  // namespace


bool isGovernancePath(std::string_view path) {
  return path == kKeysPath || path.starts_with("/admin/keys/") || path == kRequestsPath ||
         path.starts_with("/admin/requests/");
}

Task<http::Response> serveGovernance(const GatewayState& state, Governance& governance,
                                                       http::Request& request, std::string_view path,
                                                       std::string_view query) {
  if (governance.store == nullptr) co_return problem(http::Status::service_unavailable, "No store is configured.", "no_store");
  const auto method = request.method();
  if (path == kKeysPath) {
    if (method == beast_http::verb::post) co_return co_await createKey(state, governance, request);
    if (method == beast_http::verb::get) co_return listKeys(governance);
  } else if (path.starts_with("/admin/keys/")) {
    const std::string_view id = path.substr(kKeysPath.size() + 1);
    if (method == beast_http::verb::delete_ || method == beast_http::verb::patch) {
      co_return co_await changeKey(governance, request, id);
    }
  } else if (path == kRequestsPath) {
    if (method == beast_http::verb::get) co_return co_await listRequests(governance, query);
  } else {
    const std::string id(path.substr(kRequestsPath.size() + 1));
    if (method == beast_http::verb::get) {
      auto record = co_await storeAuditRecord(*governance.store, id);
      if (!record) co_return problem(http::Status::not_found, "No audit record for request '" + id + "'.", "request_not_found");
      co_return jsonResponse(http::Status::ok, std::move(*record));
    }
  }
  co_return problem(http::Status::method_not_allowed,
                    "Method not allowed for " + std::string(path) + ".", "method_not_allowed");
}

}  // namespace switchyard::proxy
