// Incident timelines, persistence hooks and drill state (issue 14).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "resilience/target_health.h"

namespace switchyard::resilience {
namespace {

using namespace std::chrono_literals;
using base::FailureKind;

const SteadyTime kStart = SteadyTime{} + 1000s;

BreakerConfig config() {
  BreakerConfig config;
  config.consecutive_failures = 3;
  config.min_requests = 100;
  config.open_base = Millis(1000);
  config.open_max = Millis(8000);
  config.half_open_probes = 1;
  config.probes_to_close = 1;
  return config;
}

std::vector<std::string> kinds(const Incident& incident) {
  std::vector<std::string> out;
  for (const auto& event : incident.timeline) out.push_back(event.kind);
  return out;
}

struct Published {
  std::vector<std::string> events;
  std::vector<Incident> incidents;
};

void listen(IncidentLog& log, Published& published) {
  log.setListener([&published](const Incident& incident, std::string_view event) {
    published.events.emplace_back(event);
    published.incidents.push_back(incident);
  });
}

TEST(IncidentTimeline, ATripAndARecoveryAreOnTheTimelineAndPublished) {
  IncidentLog log;
  Published published;
  listen(log, published);
  TargetHealth health("p/m", config(), log);
  for (int i = 0; i < 3; ++i) health.recordFailure(kStart, health.admit(kStart), FailureKind::UpstreamStatus, "HTTP 503");
  ASSERT_EQ(published.events, std::vector<std::string>{"opened"});
  const Incident& opened = published.incidents.back();
  EXPECT_EQ(kinds(opened), (std::vector<std::string>{"first_failure", "breaker_opened"}));
  ASSERT_TRUE(opened.first_failure.has_value());
  EXPECT_LE(*opened.first_failure, opened.opened);
  EXPECT_FALSE(opened.drill);
  // Health checks failing while open fold into one event with a count.
  health.healthCheckFailed(kStart + 100ms, FailureKind::ConnectRefused, "refused");
  health.healthCheckFailed(kStart + 200ms, FailureKind::ConnectRefused, "refused");
  // The interval ends; a probe succeeds and closes it.
  const SteadyTime later = kStart + 2s;
  const Admission probe = health.admit(later);
  ASSERT_EQ(probe, Admission::Probe);
  health.recordSuccess(later, probe, 10ms, 20ms);
  ASSERT_EQ(published.events.back(), "closed");
  const Incident& closed = published.incidents.back();
  EXPECT_EQ(kinds(closed), (std::vector<std::string>{"first_failure", "breaker_opened", "health_check_failed",
                                                     "half_open", "recovered", "closed"}));
  EXPECT_EQ(closed.timeline[2].count, 2U);
  EXPECT_TRUE(closed.closed.has_value());
  EXPECT_EQ(closed.errors_by_kind.at("upstream_status"), 1U);
  EXPECT_EQ(closed.errors_by_kind.at("connect_failed"), 2U);
}

TEST(IncidentTimeline, AFailedProbeIsOnTheTimeline) {
  IncidentLog log;
  TargetHealth health("p/m", config(), log);
  for (int i = 0; i < 3; ++i) health.recordFailure(kStart, health.admit(kStart), FailureKind::UpstreamStatus, "HTTP 503");
  const SteadyTime later = kStart + 2s;
  health.recordFailure(later, health.admit(later), FailureKind::UpstreamStatus, "HTTP 503");
  const auto all = log.all();
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(kinds(all[0]), (std::vector<std::string>{"first_failure", "breaker_opened", "half_open", "probe_failed"}));
}

TEST(Drill, TakesTheTargetOutOfRotationAndClosesADrillIncident) {
  IncidentLog log;
  Published published;
  listen(log, published);
  TargetHealth health("p/m", config(), log);
  const SteadyTime now = std::chrono::steady_clock::now();
  ASSERT_TRUE(health.startDrill(now + 60s, "for 60s"));
  EXPECT_TRUE(health.inDrill());
  EXPECT_FALSE(health.startDrill(now + 60s, "again"));  // one at a time
  EXPECT_EQ(health.admit(now), Admission::Rejected);
  EXPECT_EQ(health.planState(now).breaker, BreakerState::Open);
  EXPECT_EQ(health.planState(now).reopens_at, now + 60s);
  const TargetSnapshot snapshot = health.snapshot(now);
  EXPECT_TRUE(snapshot.drill);
  EXPECT_EQ(snapshot.breaker, BreakerState::Open);
  ASSERT_TRUE(snapshot.open_incident.has_value());
  // Health checks are suspended: neither a pass nor a failure changes anything.
  health.healthCheckPassed(now);
  for (int i = 0; i < 5; ++i) health.healthCheckFailed(now, FailureKind::ConnectRefused, "refused");
  health.noteEffect(IncidentEffect::FailedOver);
  ASSERT_EQ(published.events, std::vector<std::string>{"opened"});
  EXPECT_TRUE(published.incidents[0].drill);

  const auto closed = health.endDrill("duration over");
  ASSERT_TRUE(closed.has_value());
  EXPECT_TRUE(closed->drill);
  EXPECT_EQ(closed->failed_over, 1U);
  EXPECT_EQ(closed->affected, 1U);
  EXPECT_TRUE(closed->errors_by_kind.empty());
  EXPECT_EQ(kinds(*closed), (std::vector<std::string>{"drill_started", "breaker_opened", "drill_ended", "recovered",
                                                      "closed"}));
  EXPECT_EQ(published.events.back(), "closed");
  EXPECT_FALSE(health.inDrill());
  EXPECT_EQ(health.admit(now), Admission::Allowed);
  EXPECT_EQ(health.planState(now).breaker, BreakerState::Closed);
  EXPECT_FALSE(health.endDrill("again").has_value());
}

TEST(Drill, IsRefusedWhileTheBreakerIsOpen) {
  IncidentLog log;
  TargetHealth health("p/m", config(), log);
  for (int i = 0; i < 3; ++i) health.recordFailure(kStart, health.admit(kStart), FailureKind::UpstreamStatus, "HTTP 503");
  EXPECT_FALSE(health.startDrill(kStart + 60s, "for 60s"));
  EXPECT_FALSE(health.inDrill());
}

TEST(IncidentLogRestore, KeepsEarlierIncidentsClosesOpenOnesAndContinuesIds) {
  IncidentLog log;
  Published published;
  listen(log, published);
  const WallTime t0 = std::chrono::system_clock::now() - 1h;
  Incident done;
  done.id = 4;
  done.target = "a/m";
  done.opened = t0;
  done.closed = t0 + 1min;
  Incident open;
  open.id = 7;
  open.target = "b/m";
  open.opened = t0 + 2min;
  log.restore({done, open}, t0 + 1h);
  const auto all = log.all();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[1].closed, t0 + 1h);
  EXPECT_EQ(kinds(all[1]), std::vector<std::string>{"restarted"});
  EXPECT_EQ(published.events, std::vector<std::string>{"closed"});
  EXPECT_EQ(log.open("c/m", t0 + 2h, "x"), 8U);
  ASSERT_TRUE(log.get(4).has_value());
  EXPECT_EQ(log.get(4)->target, "a/m");
}

}  // namespace
}  // namespace switchyard::resilience
