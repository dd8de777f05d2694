// Post-mortem rendering from a fixed incident and fixed audit records (issue 14).
#include "proxy/incident_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace switchyard::proxy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using resilience::Incident;
using resilience::IncidentEvent;

const resilience::WallTime kT0 = fromUnixMillis(1'780'000'000'000);  // 2026-05-28T20:26:40Z

resilience::WallTime at(std::int64_t ms) { return kT0 + std::chrono::milliseconds(ms); }

Incident fixedIncident() {
  Incident incident;
  incident.id = 3;
  incident.target = "flaky/gpt-x";
  incident.first_failure = at(0);
  incident.opened = at(1200);
  incident.closed = at(9200);
  incident.first_error = "upstream_status HTTP 503 (overloaded)";
  incident.errors_by_kind = {{"upstream_status", 5}, {"connect_failed", 2}};
  incident.affected = 9;
  incident.failed_over = 7;
  incident.hedged = 1;
  incident.continued = 0;
  incident.lost = 1;
  incident.timeline = {
      {at(0), "first_failure", "the first failure of the run", 1, at(0)},
      {at(1200), "breaker_opened", "upstream_status HTTP 503 (open for 5000 ms)", 1, at(1200)},
      {at(2000), "health_check_failed", "connect_failed refused", 2, at(4000)},
      {at(6200), "half_open", "open interval over", 1, at(6200)},
      {at(9200), "recovered", "probes succeeded", 1, at(9200)},
      {at(9200), "closed", "breaker closed", 1, at(9200)},
  };
  return incident;
}

std::string record(std::int64_t ms, std::string_view outcome, std::string_view served_by, bool wanted, double latency,
                   std::string_view cost, int attempts) {
  std::string json = "{\"request_id\":\"r\",\"time_ms\":" + std::to_string(proxy::unixMillis(at(ms))) +
                     ",\"route\":\"chat\",\"outcome\":\"" + std::string(outcome) + "\",\"attempts\":" +
                     std::to_string(attempts);
  if (!served_by.empty()) json += ",\"served_by\":\"" + std::string(served_by) + "\"";
  json += ",\"data_classes\":[{\"class\":\"internal\",\"source\":\"route\"}],\"targets\":[";
  if (wanted) json += "{\"target\":\"flaky/gpt-x\",\"verdict\":\"skipped_breaker\"},";
  json += "{\"target\":\"steady/gpt-y\",\"verdict\":\"tried\",\"attempt\":1,\"result\":\"ok\"}]";
  json += ",\"cost_usd\":" + std::string(cost) + ",\"latency_ms\":" + std::to_string(latency) + "}";
  return json;
}

IncidentReport fixedReport() {
  IncidentReport report;
  report.incident = fixedIncident();
  report.generated = at(60000);
  const std::vector<std::string> records = {
      record(2000, "failed_over", "steady/gpt-y", true, 300, "0.002", 2),
      record(3000, "failed_over", "steady/gpt-y", true, 500, "0.004", 2),
      record(3500, "ok", "steady/gpt-y", false, 100, "0.001", 1),      // its own traffic
      record(4000, "failed", "", true, 900, "0", 3),                    // lost
      record(20000, "failed_over", "steady/gpt-y", true, 300, "1", 2),  // after the window
  };
  report.traffic = analyzeTraffic(report.incident, records, at(60000));
  return report;
}

TEST(IncidentReport, MarkdownHasTheTimelineTimesCountsAndAbsorbers) {
  const std::string markdown = reportMarkdown(fixedReport());
  EXPECT_THAT(markdown, HasSubstr("# Incident 3: flaky/gpt-x\n"));
  EXPECT_THAT(markdown, Not(HasSubstr("Drill")));
  EXPECT_THAT(markdown, HasSubstr("| Time to detect | 1.2 s"));
  EXPECT_THAT(markdown, HasSubstr("| Time to recover | 8 s"));
  EXPECT_THAT(markdown, HasSubstr("| 2026-05-28T20:26:40.000Z | First failure |"));
  EXPECT_THAT(markdown, HasSubstr("| 2026-05-28T20:26:41.200Z | Breaker opened |"));
  EXPECT_THAT(markdown, HasSubstr("Health check failed (x2, last 2026-05-28T20:26:44.000Z)"));
  EXPECT_THAT(markdown, HasSubstr("| Incident closed |"));
  EXPECT_THAT(markdown, HasSubstr("| upstream_status | 5 |"));
  EXPECT_THAT(markdown, HasSubstr("| 9 | 7 | 1 | 0 | 1 |"));
  EXPECT_THAT(markdown, HasSubstr("| steady/gpt-y | 2 | 400.0 ms | +300.0 ms | $0.006000 |"));
  EXPECT_THAT(markdown, HasSubstr("- internal: 3 requests"));
  EXPECT_THAT(markdown, HasSubstr("failed 1, failed_over 2"));
}

TEST(IncidentReport, JsonCarriesTheSame) {
  const auto json = reportJson(fixedReport());
  EXPECT_EQ(json.at("time_to_detect_ms").as_int64(), 1200);
  EXPECT_EQ(json.at("time_to_recover_ms").as_int64(), 8000);
  EXPECT_EQ(json.at("drill").as_bool(), false);
  EXPECT_EQ(json.at("timeline").as_array().size(), 6U);
  EXPECT_EQ(json.at("requests").at("failed_over").as_uint64(), 7U);
  EXPECT_EQ(json.at("requests").at("audited").as_uint64(), 3U);
  const auto& absorbed = json.at("absorbed_by").as_array();
  ASSERT_EQ(absorbed.size(), 1U);
  EXPECT_EQ(absorbed[0].at("target").as_string(), "steady/gpt-y");
  EXPECT_EQ(absorbed[0].at("requests").as_uint64(), 2U);
  EXPECT_DOUBLE_EQ(absorbed[0].at("added_latency_ms").as_double(), 300.0);
  EXPECT_EQ(json.at("data_classes").at("internal").as_uint64(), 3U);
}

TEST(IncidentReport, ADrillSaysSo) {
  IncidentReport report = fixedReport();
  report.incident.drill = true;
  EXPECT_THAT(reportMarkdown(report), HasSubstr("# Incident 3: flaky/gpt-x (drill)"));
  EXPECT_THAT(reportMarkdown(report), HasSubstr("**Drill.**"));
  EXPECT_TRUE(reportJson(report).at("drill").as_bool());
}

TEST(IncidentRecord, RoundTripsThroughTheStoreForm) {
  const Incident incident = fixedIncident();
  const store::IncidentRecord stored = incidentRecord(incident);
  EXPECT_EQ(stored.id, 3U);
  EXPECT_EQ(stored.closed_at_ms, unixMillis(at(9200)));
  const auto back = incidentFromRecord(stored);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->timeline, incident.timeline);
  EXPECT_EQ(back->errors_by_kind, incident.errors_by_kind);
  EXPECT_EQ(back->first_failure, incident.first_failure);
  EXPECT_EQ(back->failed_over, 7U);
  EXPECT_EQ(back->lost, 1U);
  EXPECT_EQ(back->closed, incident.closed);
  store::IncidentRecord broken = stored;
  broken.json = "not json";
  EXPECT_FALSE(incidentFromRecord(broken).has_value());
}

TEST(IncidentEvent, NamesTheEventAndTheReport) {
  const auto body = incidentEvent(fixedIncident(), "closed");
  EXPECT_EQ(body.at("event").as_string(), "incident.closed");
  EXPECT_EQ(body.at("report").as_string(), "/admin/incidents/3/report");
}

}  // namespace
}  // namespace switchyard::proxy
