#include "proxy/audit_trail.h"

#include "canonical/json_writer.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace switchyard::proxy {

namespace json = boost::json;

AuditTrail::AuditTrail(std::string_view request_id, canonical::Dialect surface, std::string_view endpoint)
    : request_id_(request_id), surface_(surface), endpoint_(endpoint) {}

void AuditTrail::policy(const GatewayState& state, const RequestPolicy& policy) {
  json::array classes;
  for (const auto& origin : policy.origins) {
    classes.push_back(json::object{{"class", state.config.data_classes[origin.index].name}, {"source", origin.source}});
  }
  classes_json_ = json::serialize(classes);
  if (policy.pii_action == config::PiiAction::None) return;
  json::object found;
  for (const auto& [kind, count] : policy.pii_found) found[kind] = count;
  pii_json_ = json::serialize(json::object{{"action", toString(policy.pii_action)},
                                           {"found", std::move(found)},
                                           {"redacted", policy.redacted}});
}

void AuditTrail::skipped(std::string_view target, std::string_view verdict, std::string_view why, bool hedge) {
  targets_.push_back({std::string(target), std::string(verdict), std::string(why), 0, 0, hedge, false});
}

void AuditTrail::tried(std::string_view target, int attempt, std::string_view result, int status, bool hedge,
                       bool continuation) {
  targets_.push_back({std::string(target), "tried", std::string(result), attempt, status, hedge, continuation});
}

store::AuditRecord AuditTrail::finish(std::string_view outcome, int status, std::string_view served_by,
                                      std::string_view continued_by, int attempts, std::string_view detail) {
  const auto time_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(started_wall_.time_since_epoch()).count();
  const double latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
  json::array targets;
  for (const auto& verdict : targets_) {
    json::object entry{{"target", verdict.target}, {"verdict", verdict.verdict}};
    if (verdict.verdict == "tried") {
      entry["attempt"] = verdict.attempt;
      entry["result"] = verdict.detail;
      if (verdict.status != 0) entry["status"] = verdict.status;
    } else if (!verdict.detail.empty()) {
      entry["reason"] = verdict.detail;
    }
    if (verdict.hedge) entry["hedge"] = true;
    if (verdict.continuation) entry["continuation"] = true;
    targets.push_back(std::move(entry));
  }
  json::object record{{"request_id", request_id_},
                      {"time_ms", time_ms},
                      {"api", canonical::toString(surface_)},
                      {"endpoint", endpoint_},
                      {"key_id", key_id_.empty() ? json::value(nullptr) : json::value(key_id_)},
                      {"route", route_.empty() ? json::value(nullptr) : json::value(route_)},
                      {"stream", stream_},
                      {"status", status},
                      {"outcome", outcome},
                      {"attempts", attempts},
                      {"served_by", served_by.empty() ? json::value(nullptr) : json::value(served_by)},
                      {"continued_by", continued_by.empty() ? json::value(nullptr) : json::value(continued_by)},
                      {"data_classes", json::parse(classes_json_)},
                      {"pii", json::parse(pii_json_)},
                      {"targets", std::move(targets)}};
  if (!detail.empty()) record["detail"] = detail;
  store::AuditRecord out;
  out.request_id = request_id_;
  out.time_ms = time_ms;
  out.key_id = key_id_;
  out.route = route_;
  out.outcome = std::string(outcome);
  out.status = status;
  out.json = json::serialize(record);
  // Boost.JSON 1.81 writes doubles as "4E-1": the latency goes in the shortest round-trip form.
  out.json.pop_back();
  out.json += ",\"latency_ms\":";
  canonical::appendDouble(out.json, static_cast<double>(static_cast<long long>(latency_ms * 10)) / 10);
  out.json.push_back('}');
  return out;
}

}  // namespace switchyard::proxy
