#include "proxy/admin_incidents.h"

#include <cctype>
#include <string>

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "base/executor.h"
#include "base/percent_decode.h"
#include "base/wall_time.h"
#include "base/duration.h"
#include "proxy/admin.h"
#include "proxy/client_errors.h"
#include "proxy/drills.h"
#include "proxy/incident_report.h"

namespace switchyard::proxy {

namespace json = boost::json;
namespace beast_http = boost::beast::http;

namespace {

constexpr std::string_view kIncidentsPrefix = "/admin/incidents/";
constexpr std::string_view kReportSuffix = "/report";
constexpr std::string_view kDrillsPath = "/admin/drills";
// The audit records a report reads at most (the newest of the window).
constexpr std::size_t kMaxReportRecords = 20000;
constexpr auto kMaxDrill = std::chrono::hours(24);

http::Response problem(http::Status status, std::string_view message, std::string_view code) {
  return clientError(canonical::Dialect::OpenAi, status, message, code);
}

http::Response jsonAnswer(http::Status status, const json::value& body) {
  return jsonResponse(status, adminJsonText(body));
}

std::optional<std::uint64_t> incidentId(std::string_view path) {
  const std::string_view digits =
      path.substr(kIncidentsPrefix.size(), path.size() - kIncidentsPrefix.size() - kReportSuffix.size());
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  std::uint64_t id = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return id;
}

Task<std::vector<std::string>> windowRecords(store::StoreService& service, std::int64_t since_ms) {
  store::AuditQuery query;
  query.since_ms = since_ms;
  query.limit = kMaxReportRecords;
  return service.run([query](store::Store& store) { return store.auditRecords(query); });
}

json::object drillJson(const Drills::Active& drill) {
  return json::object{{"target", drill.target},
                      {"incident", drill.incident},
                      {"started_at", base::rfc3339Millis(drill.started)},
                      {"ends_at", base::rfc3339Millis(drill.ends)},
                      {"report", "/admin/incidents/" + std::to_string(drill.incident) + "/report"}};
}

}  // namespace

bool isIncidentReportPath(std::string_view path) {
  return path.starts_with(kIncidentsPrefix) && path.ends_with(kReportSuffix) &&
         path.size() > kIncidentsPrefix.size() + kReportSuffix.size();
}

bool isDrillsPath(std::string_view path) {
  return path == kDrillsPath || (path.starts_with(kDrillsPath) && path.size() > kDrillsPath.size() + 1 &&
                                 path[kDrillsPath.size()] == '/');
}

Task<http::Response> adminIncidentReport(const GatewayState& state, Governance& governance,
                                                          std::string_view path, std::string_view query) {
  const bool as_json = query.find("format=json") != std::string_view::npos;
  const auto id = incidentId(path);
  std::optional<resilience::Incident> incident;
  if (id) incident = state.incidents->get(*id);
  if (!incident) {
    co_return problem(http::Status::not_found, "No incident with that id (GET /admin/incidents lists them).",
                      "incident_not_found");
  }
  IncidentReport report;
  report.generated = std::chrono::system_clock::now();
  std::vector<std::string> records;
  if (governance.store != nullptr) {
    try {
      records = co_await windowRecords(*governance.store, unixMillis(incident->opened));
    } catch (const std::exception&) {
      records.clear();  // the report without its traffic rather than none
    }
  }
  report.traffic = analyzeTraffic(*incident, records, report.generated);
  report.traffic.truncated = records.size() >= kMaxReportRecords;
  report.incident = std::move(*incident);
  if (as_json) co_return jsonAnswer(http::Status::ok, reportJson(report));
  http::Response response{http::Status::ok, 11};
  response.set(beast_http::field::content_type, "text/markdown; charset=utf-8");
  response.body() = reportMarkdown(report);
  co_return response;
}

http::Response adminDrills(const GatewayState& state, Governance& governance, http::Request& request,
                           std::string_view path) {
  if (governance.drills == nullptr) {
    return problem(http::Status::service_unavailable, "Drills are not available here.", "drills_unavailable");
  }
  Drills& drills = *governance.drills;
  const auto method = request.method();
  if (path == kDrillsPath && method == beast_http::verb::get) {
    json::array active;
    for (const auto& drill : drills.active()) active.push_back(drillJson(drill));
    return jsonAnswer(http::Status::ok, json::object{{"drills", std::move(active)}});
  }
  if (path == kDrillsPath && method == beast_http::verb::post) {
    boost::system::error_code ec;
    const json::value body = json::parse(request.body(), ec);
    if (ec || !body.is_object()) {
      return problem(http::Status::bad_request, "The body must be a JSON object: {\"target\":\"provider/model\",\"duration\":\"60s\"}.",
                     "invalid_json");
    }
    const json::value* target = body.as_object().if_contains("target");
    if (target == nullptr || !target->is_string() || target->get_string().empty()) {
      return problem(http::Status::bad_request, "target must be a \"provider/model\" string.", "invalid_target");
    }
    std::chrono::milliseconds duration{60000};
    if (const json::value* given = body.as_object().if_contains("duration"); given != nullptr) {
      std::optional<std::chrono::milliseconds> parsed;
      if (given->is_string()) {
        const json::string& written = given->get_string();
        parsed = base::parseDuration(std::string_view(written.data(), written.size()));
      }
      if (!parsed || parsed->count() <= 0 || *parsed > kMaxDrill) {
        return problem(http::Status::bad_request, "duration must be a duration like \"60s\" or \"5m\", at most 24h.",
                       "invalid_duration");
      }
      duration = *parsed;
    }
    const std::string name(target->get_string().data(), target->get_string().size());
    Drills::Active started;
    switch (drills.start(state, name, duration, started)) {
      case Drills::Start::UnknownTarget:
        return problem(http::Status::not_found, "No target " + name + " (GET /admin/targets lists them).",
                       "target_not_found");
      case Drills::Start::Busy:
        return problem(http::Status::conflict,
                       "A drill is on already, or the target's breaker is not closed: " + name + ".", "target_busy");
      case Drills::Start::Started: break;
    }
    return jsonAnswer(http::Status::created, drillJson(started));
  }
  if (path.size() > kDrillsPath.size() + 1 && method == beast_http::verb::delete_) {
    const std::string name = base::percentDecode(path.substr(kDrillsPath.size() + 1));
    if (!drills.end(name, "ended by the operator")) {
      return problem(http::Status::not_found, "No drill on " + name + ".", "drill_not_found");
    }
    return jsonAnswer(http::Status::ok, json::object{{"target", name}, {"ended", true}});
  }
  return problem(http::Status::method_not_allowed,
                 "Use GET or POST /admin/drills, or DELETE /admin/drills/{provider}/{model}.", "method_not_allowed");
}

}  // namespace switchyard::proxy
