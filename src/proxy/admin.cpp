#include "proxy/admin.h"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/wall_time.h"
#include "canonical/json_writer.h"

namespace switchyard::proxy {

namespace json = boost::json;

namespace {

// Boost.JSON 1.81 writes doubles as "1.3E0"; people and dashboards read "1.3". Doubles go through
// the shortest round-trip form, everything else through Boost.JSON.
void write(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::double_: canonical::appendDouble(out, value.get_double()); return;
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        out += json::serialize(json::string(member.key()));
        out.push_back(':');
        write(out, member.value());
      }
      out.push_back('}');
      return;
    }
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        write(out, item);
      }
      out.push_back(']');
      return;
    }
    default: out += json::serialize(value); return;
  }
}

http::Response jsonResponse(const json::value& body) {
  http::Response response{http::Status::ok, 11};
  response.set(boost::beast::http::field::content_type, "application/json");
  write(response.body(), body);
  return response;
}

double round1(double value) { return static_cast<double>(static_cast<long long>(value * 10 + 0.5)) / 10; }

}  // namespace

std::string adminJsonText(const json::value& value) {
  std::string out;
  write(out, value);
  return out;
}

http::Response adminTargets(const GatewayState& state) {
  const auto now = std::chrono::steady_clock::now();
  json::array targets;
  const auto& known = state.routes.healthTargets();
  for (std::size_t i = 0; i < known.size(); ++i) {
    const auto snapshot = state.health[i]->snapshot(now);
    const std::int64_t learnt_window = state.learned[i]->context_window.load(std::memory_order_relaxed);
    json::object target{
        {"target", snapshot.target},
        {"provider", state.config.providers[known[i].provider].name},
        {"model", known[i].model},
        {"breaker", resilience::toString(snapshot.breaker)},
        {"trips", snapshot.trips},
        {"window_requests", snapshot.window_requests},
        {"window_failures", snapshot.window_failures},
        {"in_flight", snapshot.in_flight},
        {"latency_ms", json::object{{"first_token_ewma", round1(snapshot.ttft_ewma_ms)},
                                    {"first_token_p95", round1(snapshot.ttft_p95_ms)},
                                    {"total_ewma", round1(snapshot.total_ewma_ms)},
                                    {"samples", snapshot.samples}}},
        // What the provider's own messages stated wins over what was declared.
        {"context_window", learnt_window > 0 ? learnt_window : known[i].context_window},
        {"context_window_source", learnt_window > 0 ? "learnt" : (known[i].context_window > 0 ? "declared" : "unknown")},
        {"prefill", state.learned[i]->refuses_prefill.load(std::memory_order_relaxed) ? "refused" : "as configured"},
    };
    if (snapshot.breaker == resilience::BreakerState::Open) {
      target["reopens_in_ms"] =
          std::chrono::duration_cast<std::chrono::milliseconds>(snapshot.reopens_at - now).count();
    }
    target["open_incident"] = snapshot.open_incident ? json::value(*snapshot.open_incident) : json::value(nullptr);
    if (snapshot.drill) target["drill"] = true;
    targets.push_back(std::move(target));
  }
  return jsonResponse(json::object{{"targets", std::move(targets)}});
}

http::Response adminIncidents(const GatewayState& state) {
  json::array incidents;
  for (const auto& incident : state.incidents->all()) {
    json::object errors;
    for (const auto& [kind, count] : incident.errors_by_kind) errors[kind] = count;
    json::object record{
        {"id", incident.id},
        {"target", incident.target},
        {"state", incident.closed ? "closed" : "open"},
        {"drill", incident.drill},
        {"opened_at", base::rfc3339Millis(incident.opened)},
        {"closed_at", incident.closed ? json::value(base::rfc3339Millis(*incident.closed)) : json::value(nullptr)},
        {"first_error", incident.first_error},
        {"errors_by_kind", std::move(errors)},
        {"requests", json::object{{"affected", incident.affected},
                                  {"failed_over", incident.failed_over},
                                  {"hedged", incident.hedged},
                                  {"continued", incident.continued},
                                  {"lost", incident.lost}}},
        {"report", "/admin/incidents/" + std::to_string(incident.id) + "/report"},
    };
    incidents.push_back(std::move(record));
  }
  return jsonResponse(json::object{{"incidents", std::move(incidents)}});
}

}  // namespace switchyard::proxy
