#include "proxy/incident_report.h"
#include "base/wall_time.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "canonical/json_writer.h"

namespace switchyard::proxy {

namespace json = boost::json;
using resilience::Incident;
using resilience::IncidentEvent;
using resilience::WallTime;

std::int64_t unixMillis(WallTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

WallTime fromUnixMillis(std::int64_t ms) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::milliseconds(ms)));
}

namespace {

std::uint64_t u64(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_uint64()) return value->get_uint64();
  if (value->is_int64()) return static_cast<std::uint64_t>(std::max<std::int64_t>(value->get_int64(), 0));
  return 0;
}

std::optional<std::int64_t> i64(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64());
  if (value->is_double()) return static_cast<std::int64_t>(value->get_double());
  return std::nullopt;
}

double number(const json::value* value) {
  if (value == nullptr) return 0;
  if (value->is_double()) return value->get_double();
  if (value->is_int64()) return static_cast<double>(value->get_int64());
  if (value->is_uint64()) return static_cast<double>(value->get_uint64());
  return 0;
}

std::string text(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string().data(), value->get_string().size()) : std::string();
}

json::object countersJson(const Incident& incident) {
  return json::object{{"affected", incident.affected},  {"failed_over", incident.failed_over},
                      {"hedged", incident.hedged},      {"continued", incident.continued},
                      {"lost", incident.lost}};
}

json::object errorsJson(const Incident& incident) {
  json::object errors;
  for (const auto& [kind, count] : incident.errors_by_kind) errors[kind] = count;
  return errors;
}

std::optional<std::int64_t> timeToDetectMs(const Incident& incident) {
  if (!incident.first_failure) return std::nullopt;
  return std::max<std::int64_t>(0, unixMillis(incident.opened) - unixMillis(*incident.first_failure));
}

std::optional<std::int64_t> timeToRecoverMs(const Incident& incident) {
  if (!incident.closed) return std::nullopt;
  return std::max<std::int64_t>(0, unixMillis(*incident.closed) - unixMillis(incident.opened));
}

json::value optionalMs(std::optional<std::int64_t> ms) { return ms ? json::value(*ms) : json::value(nullptr); }

// "1.234 s", "850 ms", "2 min 5 s".
std::string humanMs(std::int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms < 60000) {
    char out[32];
    std::snprintf(out, sizeof out, "%.3g s", static_cast<double>(ms) / 1000);
    return out;
  }
  return std::to_string(ms / 60000) + " min " + std::to_string((ms % 60000) / 1000) + " s";
}

std::string formatMs(double ms) {
  char out[32];
  std::snprintf(out, sizeof out, "%.1f ms", ms);
  return out;
}

std::string formatUsd(std::int64_t nano) {
  char out[40];
  std::snprintf(out, sizeof out, "$%.6f", static_cast<double>(nano) / 1e9);
  return out;
}

double round1(double value) { return std::round(value * 10) / 10; }

// Markdown table cells: no pipes or line breaks.
std::string cell(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string eventTitle(std::string_view kind) {
  if (kind == "first_failure") return "First failure";
  if (kind == "breaker_opened") return "Breaker opened";
  if (kind == "half_open") return "Half-open: probes admitted";
  if (kind == "probe_failed") return "Probe failed, breaker re-opened";
  if (kind == "health_check_failed") return "Health check failed";
  if (kind == "health_check_passed") return "Health check passed";
  if (kind == "recovered") return "Recovered";
  if (kind == "closed") return "Incident closed";
  if (kind == "drill_started") return "Drill started";
  if (kind == "drill_ended") return "Drill ended";
  if (kind == "restarted") return "Gateway restarted (closed unresolved)";
  return std::string(kind);
}

}  // namespace

store::IncidentRecord incidentRecord(const Incident& incident) {
  json::array timeline;
  for (const IncidentEvent& event : incident.timeline) {
    json::object item{{"at_ms", unixMillis(event.at)}, {"kind", event.kind}, {"detail", event.detail}};
    if (event.count > 1) {
      item["count"] = event.count;
      item["last_at_ms"] = unixMillis(event.last_at);
    }
    timeline.push_back(std::move(item));
  }
  json::object body{
      {"id", incident.id},
      {"target", incident.target},
      {"drill", incident.drill},
      {"opened_at_ms", unixMillis(incident.opened)},
      {"closed_at_ms", incident.closed ? json::value(unixMillis(*incident.closed)) : json::value(nullptr)},
      {"first_failure_ms", incident.first_failure ? json::value(unixMillis(*incident.first_failure)) : json::value(nullptr)},
      {"first_error", incident.first_error},
      {"errors_by_kind", errorsJson(incident)},
      {"requests", countersJson(incident)},
      {"timeline", std::move(timeline)},
      {"timeline_dropped", incident.timeline_dropped},
  };
  store::IncidentRecord record;
  record.id = incident.id;
  record.target = incident.target;
  record.opened_at_ms = unixMillis(incident.opened);
  if (incident.closed) record.closed_at_ms = unixMillis(*incident.closed);
  record.drill = incident.drill;
  record.json = json::serialize(body);
  return record;
}

std::optional<Incident> incidentFromRecord(const store::IncidentRecord& record) {
  Incident incident;
  incident.id = record.id;
  incident.target = record.target;
  incident.opened = fromUnixMillis(record.opened_at_ms);
  if (record.closed_at_ms) incident.closed = fromUnixMillis(*record.closed_at_ms);
  incident.drill = record.drill;
  try {
    const json::value parsed = json::parse(record.json);
    if (!parsed.is_object()) return std::nullopt;
    const json::object& body = parsed.get_object();
    incident.first_error = text(body, "first_error");
    if (const auto ms = i64(body, "first_failure_ms")) incident.first_failure = fromUnixMillis(*ms);
    if (const json::value* errors = body.if_contains("errors_by_kind"); errors != nullptr && errors->is_object()) {
      for (const auto& [kind, count] : errors->get_object()) {
        incident.errors_by_kind[std::string(kind.data(), kind.size())] = count.is_uint64() ? count.get_uint64()
                                                     : count.is_int64() ? static_cast<std::uint64_t>(count.get_int64())
                                                                        : 0;
      }
    }
    if (const json::value* requests = body.if_contains("requests"); requests != nullptr && requests->is_object()) {
      const json::object& counts = requests->get_object();
      incident.affected = u64(counts, "affected");
      incident.failed_over = u64(counts, "failed_over");
      incident.hedged = u64(counts, "hedged");
      incident.continued = u64(counts, "continued");
      incident.lost = u64(counts, "lost");
    }
    if (const json::value* timeline = body.if_contains("timeline"); timeline != nullptr && timeline->is_array()) {
      for (const json::value& item : timeline->get_array()) {
        if (!item.is_object()) continue;
        const json::object& event = item.get_object();
        IncidentEvent out;
        out.at = fromUnixMillis(i64(event, "at_ms").value_or(0));
        out.kind = text(event, "kind");
        out.detail = text(event, "detail");
        out.count = std::max<std::uint64_t>(1, u64(event, "count"));
        out.last_at = event.contains("last_at_ms") ? fromUnixMillis(*i64(event, "last_at_ms")) : out.at;
        incident.timeline.push_back(std::move(out));
      }
    }
    incident.timeline_dropped = u64(body, "timeline_dropped");
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return incident;
}

namespace {

// What the webhook's events and the JSON post-mortem both say about an incident.
json::object incidentSummary(const Incident& incident) {
  return json::object{
      {"id", incident.id},
      {"target", incident.target},
      {"drill", incident.drill},
      {"state", incident.closed ? "closed" : "open"},
      {"opened_at", base::rfc3339Millis(incident.opened)},
      {"closed_at", incident.closed ? json::value(base::rfc3339Millis(*incident.closed)) : json::value(nullptr)},
      {"first_error", incident.first_error},
      {"errors_by_kind", errorsJson(incident)},
      {"time_to_detect_ms", optionalMs(timeToDetectMs(incident))},
      {"time_to_recover_ms", optionalMs(timeToRecoverMs(incident))},
  };
}

}  // namespace

json::object incidentEvent(const Incident& incident, std::string_view event) {
  json::object body = incidentSummary(incident);
  body["event"] = event == "closed" ? "incident.closed" : "incident.opened";
  body["requests"] = countersJson(incident);
  body["report"] = "/admin/incidents/" + std::to_string(incident.id) + "/report";
  return body;
}

IncidentTraffic analyzeTraffic(const Incident& incident, const std::vector<std::string>& records, WallTime now) {
  IncidentTraffic traffic;
  const std::int64_t from = unixMillis(incident.opened);
  const std::int64_t to = unixMillis(incident.closed.value_or(now));
  for (const std::string& record_text : records) {
    json::value parsed;
    try {
      parsed = json::parse(record_text);
    } catch (const std::exception&) {
      continue;
    }
    if (!parsed.is_object()) continue;
    const json::object& record = parsed.get_object();
    const std::int64_t time_ms = i64(record, "time_ms").value_or(0);
    if (time_ms < from || time_ms > to) continue;
    bool wanted = false;
    if (const json::value* targets = record.if_contains("targets"); targets != nullptr && targets->is_array()) {
      for (const json::value& target : targets->get_array()) {
        if (target.is_object() && text(target.get_object(), "target") == incident.target) wanted = true;
      }
    }
    const std::string served_by = text(record, "served_by");
    const double latency = number(record.if_contains("latency_ms"));
    if (!wanted) {
      if (!served_by.empty() && u64(record, "attempts") <= 1) {
        Absorber& own = traffic.absorbed_by[served_by];
        own.target = served_by;
        ++own.own_requests;
        own.own_latency_ms_sum += latency;
      }
      continue;
    }
    ++traffic.audited;
    ++traffic.outcomes[text(record, "outcome")];
    if (const json::value* classes = record.if_contains("data_classes"); classes != nullptr && classes->is_array()) {
      for (const json::value& item : classes->get_array()) {
        if (item.is_object()) ++traffic.data_classes[text(item.get_object(), "class")];
      }
    }
    if (served_by.empty() || served_by == incident.target) continue;
    Absorber& absorber = traffic.absorbed_by[served_by];
    absorber.target = served_by;
    ++absorber.requests;
    absorber.latency_ms_sum += latency;
    absorber.cost_nano_usd += static_cast<std::int64_t>(std::llround(number(record.if_contains("cost_usd")) * 1e9));
  }
  // Targets that only served their own requests absorbed nothing.
  std::erase_if(traffic.absorbed_by, [](const auto& entry) { return entry.second.requests == 0; });
  return traffic;
}

json::object reportJson(const IncidentReport& report) {
  const Incident& incident = report.incident;
  json::array timeline;
  for (const IncidentEvent& event : incident.timeline) {
    json::object item{{"at", base::rfc3339Millis(event.at)}, {"kind", event.kind}, {"detail", event.detail}};
    if (event.count > 1) {
      item["count"] = event.count;
      item["last_at"] = base::rfc3339Millis(event.last_at);
    }
    timeline.push_back(std::move(item));
  }
  json::array absorbed;
  for (const auto& [name, absorber] : report.traffic.absorbed_by) {
    const double mean = absorber.latency_ms_sum / static_cast<double>(absorber.requests);
    json::object item{{"target", name},
                      {"requests", absorber.requests},
                      {"latency_ms_mean", round1(mean)},
                      {"cost_usd", static_cast<double>(absorber.cost_nano_usd) / 1e9}};
    item["added_latency_ms"] =
        absorber.own_requests > 0
            ? json::value(round1(mean - absorber.own_latency_ms_sum / static_cast<double>(absorber.own_requests)))
            : json::value(nullptr);
    absorbed.push_back(std::move(item));
  }
  json::object classes;
  for (const auto& [name, count] : report.traffic.data_classes) classes[name] = count;
  json::object outcomes;
  for (const auto& [name, count] : report.traffic.outcomes) outcomes[name] = count;
  json::object requests = countersJson(incident);
  requests["audited"] = report.traffic.audited;
  requests["outcomes"] = std::move(outcomes);
  json::object out = incidentSummary(incident);
  out["first_failure_at"] =
      incident.first_failure ? json::value(base::rfc3339Millis(*incident.first_failure)) : json::value(nullptr);
  out["timeline"] = std::move(timeline);
  out["timeline_dropped"] = incident.timeline_dropped;
  out["requests"] = std::move(requests);
  out["absorbed_by"] = std::move(absorbed);
  out["data_classes"] = std::move(classes);
  out["audit_truncated"] = report.traffic.truncated;
  out["generated_at"] = base::rfc3339Millis(report.generated);
  return out;
}

std::string reportMarkdown(const IncidentReport& report) {
  const Incident& incident = report.incident;
  std::string out;
  out += "# Incident " + std::to_string(incident.id) + ": " + incident.target + (incident.drill ? " (drill)" : "") + "\n\n";
  if (incident.drill) {
    out += "> **Drill.** This was an outage drill: the target was taken out of rotation on purpose "
           "(POST /admin/drills), not by failures. Probes and health checks were suspended for it.\n\n";
  }
  out += "| | |\n|---|---|\n";
  out += "| State | " + std::string(incident.closed ? "closed" : "open") + " |\n";
  out += "| Opened | " + base::rfc3339Millis(incident.opened) + " |\n";
  out += "| Closed | " + (incident.closed ? base::rfc3339Millis(*incident.closed) : std::string("(still open)")) + " |\n";
  out += "| First error | " + cell(incident.first_error) + " |\n";
  const auto detect = timeToDetectMs(incident);
  const auto recover = timeToRecoverMs(incident);
  out += "| Time to detect | " + (detect ? humanMs(*detect) : std::string("n/a")) + " (first failure to breaker open) |\n";
  out += "| Time to recover | " + (recover ? humanMs(*recover) : std::string("n/a (still open)")) +
         " (breaker open to closed) |\n\n";

  out += "## Timeline\n\n| Time (UTC) | Event | Detail |\n|---|---|---|\n";
  for (const IncidentEvent& event : incident.timeline) {
    std::string title = eventTitle(event.kind);
    if (event.count > 1) title += " (x" + std::to_string(event.count) + ", last " + base::rfc3339Millis(event.last_at) + ")";
    out += "| " + base::rfc3339Millis(event.at) + " | " + cell(title) + " | " + cell(event.detail) + " |\n";
  }
  if (incident.timeline_dropped > 0) {
    out += "| | (" + std::to_string(incident.timeline_dropped) + " more events not kept) | |\n";
  }

  out += "\n## Errors by kind\n\n";
  if (incident.errors_by_kind.empty()) {
    out += "None recorded.\n";
  } else {
    out += "| Kind | Count |\n|---|---|\n";
    for (const auto& [kind, count] : incident.errors_by_kind) out += "| " + cell(kind) + " | " + std::to_string(count) + " |\n";
  }

  out += "\n## Requests\n\n| Affected | Failed over | Hedged | Continued | Lost |\n|---|---|---|---|---|\n";
  out += "| " + std::to_string(incident.affected) + " | " + std::to_string(incident.failed_over) + " | " +
         std::to_string(incident.hedged) + " | " + std::to_string(incident.continued) + " | " +
         std::to_string(incident.lost) + " |\n";
  if (report.traffic.audited > 0) {
    out += "\nAudit records in the window that wanted " + incident.target + ": " + std::to_string(report.traffic.audited);
    std::string by_outcome;
    for (const auto& [outcome, count] : report.traffic.outcomes) {
      if (!by_outcome.empty()) by_outcome += ", ";
      by_outcome += (outcome.empty() ? std::string("?") : outcome) + " " + std::to_string(count);
    }
    out += " (" + by_outcome + ")" + (report.traffic.truncated ? ", more not read" : "") + ".\n";
  }

  out += "\n## Traffic absorbed by\n\n";
  if (report.traffic.absorbed_by.empty()) {
    out += "No other target served its requests.\n";
  } else {
    out += "| Target | Requests | Mean latency | Added latency | Cost |\n|---|---|---|---|---|\n";
    for (const auto& [name, absorber] : report.traffic.absorbed_by) {
      const double mean = absorber.latency_ms_sum / static_cast<double>(absorber.requests);
      const std::string added = absorber.own_requests > 0
                                    ? "+" + formatMs(mean - absorber.own_latency_ms_sum / static_cast<double>(absorber.own_requests))
                                    : std::string("n/a");
      out += "| " + cell(name) + " | " + std::to_string(absorber.requests) + " | " + formatMs(mean) + " | " + added +
             " | " + formatUsd(absorber.cost_nano_usd) + " |\n";
    }
    out += "\nAdded latency: the mean of the requests it absorbed (failed attempts included) minus the mean of its "
           "own first-attempt requests in the same window.\n";
  }

  out += "\n## Data classes affected\n\n";
  if (report.traffic.data_classes.empty()) {
    out += "None.\n";
  } else {
    for (const auto& [name, count] : report.traffic.data_classes) {
      out += "- " + name + ": " + std::to_string(count) + " request" + (count == 1 ? "" : "s") + "\n";
    }
  }
  out += "\n_Generated " + base::rfc3339Millis(report.generated) + " by Switchyard._\n";
  return out;
}

}  // namespace switchyard::proxy
