#pragma once
// Incident post-mortems (issue 14): what an incident (a breaker opening or an outage drill) did,
// from its timeline and counters and from the audit records of its window, as Markdown or JSON
// (GET /admin/incidents/{id}/report); and the incident as the store keeps it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "resilience/target_health.h"
#include "store/store.h"

namespace switchyard::proxy {

// The incident as the store keeps it, and back (none when the record's JSON is not one of ours).
store::IncidentRecord incidentRecord(const resilience::Incident& incident);
std::optional<resilience::Incident> incidentFromRecord(const store::IncidentRecord& record);
// The webhook's body for an incident that opened or closed ("incident.opened" / "incident.closed").
boost::json::object incidentEvent(const resilience::Incident& incident, std::string_view event);

// A target that served requests which wanted the incident's target.
struct Absorber {
  std::string target;
  std::uint64_t requests = 0;
  double latency_ms_sum = 0;    // of those requests, end to end (failed attempts included)
  std::int64_t cost_nano_usd = 0;
  // The same target's own requests in the window (ones that never wanted the incident's target):
  // what its latency is without the extra attempts, for "added latency".
  std::uint64_t own_requests = 0;
  double own_latency_ms_sum = 0;
};

struct IncidentTraffic {
  std::uint64_t audited = 0;  // audit records in the window that wanted the incident's target
  std::map<std::string, Absorber> absorbed_by;
  std::map<std::string, std::uint64_t> data_classes;  // class -> requests among `audited`
  std::map<std::string, std::uint64_t> outcomes;      // outcome -> requests among `audited`
  bool truncated = false;                             // more records than were read
};

// The audit records (JSON texts, any order) read for the incident's window; records outside
// [opened, closed or `now`] are left out.
IncidentTraffic analyzeTraffic(const resilience::Incident& incident, const std::vector<std::string>& records,
                               resilience::WallTime now);

struct IncidentReport {
  resilience::Incident incident;
  IncidentTraffic traffic;
  resilience::WallTime generated{};
};

boost::json::object reportJson(const IncidentReport& report);
std::string reportMarkdown(const IncidentReport& report);

// Unix milliseconds and back (base::rfc3339Millis writes them).
std::int64_t unixMillis(resilience::WallTime time);
resilience::WallTime fromUnixMillis(std::int64_t ms);

}  // namespace switchyard::proxy
