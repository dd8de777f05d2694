// What an active health check's verdict does to a target's breaker and incident: CircuitBreaker's
// admitProbesNow and forced transitions, and TargetHealth's healthCheckPassed/healthCheckFailed. A
// pass only re-admits (open -> half-open, trips kept); real requests probing decide the rest.
#include "resilience/circuit_breaker.h"
#include "resilience/target_health.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

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
  config.probes_to_close = 2;
  return config;
}

void tripBreaker(CircuitBreaker& breaker, SteadyTime now) {
  for (int i = 0; i < 3; ++i) breaker.recordFailure(now, breaker.admit(now));
}

void tripHealth(TargetHealth& health, SteadyTime now) {
  for (int i = 0; i < 3; ++i) {
    health.recordFailure(now, health.admit(now), FailureKind::UpstreamStatus, "HTTP 503");
  }
}

// ------------------------------------------------------------------ CircuitBreaker

TEST(BreakerForceClose, ClosesAnOpenBreakerAndForgetsItsTrips) {
  CircuitBreaker breaker(config());
  tripBreaker(breaker, kStart);
  ASSERT_EQ(breaker.state(kStart), BreakerState::Open);
  breaker.forceClose();
  EXPECT_EQ(breaker.state(kStart), BreakerState::Closed);
  EXPECT_EQ(breaker.trips(), 0);
  EXPECT_EQ(breaker.windowRequests(kStart), 0);
  EXPECT_EQ(breaker.windowFailures(kStart), 0);
  EXPECT_EQ(breaker.openInterval(), Millis(1000));  // the next trip starts from the base again
  EXPECT_EQ(breaker.admit(kStart), Admission::Allowed);
}

TEST(BreakerForceClose, ClearsTheConsecutiveCountSoTheNextTripNeedsAFullRun) {
  CircuitBreaker breaker(config());
  tripBreaker(breaker, kStart);
  breaker.forceClose();
  breaker.recordFailure(kStart, breaker.admit(kStart));
  breaker.recordFailure(kStart, breaker.admit(kStart));
  EXPECT_EQ(breaker.state(kStart), BreakerState::Closed);
  breaker.recordFailure(kStart, breaker.admit(kStart));
  EXPECT_EQ(breaker.state(kStart), BreakerState::Open);
}

TEST(BreakerForceClose, ClosesAHalfOpenBreakerAndFreesItsProbeSlots) {
  CircuitBreaker breaker(config());
  tripBreaker(breaker, kStart);
  const SteadyTime later = kStart + 1s;
  ASSERT_EQ(breaker.admit(later), Admission::Probe);
  ASSERT_EQ(breaker.admit(later), Admission::Rejected);  // the only slot is taken
  breaker.forceClose();
  EXPECT_EQ(breaker.state(later), BreakerState::Closed);
  // The probe admitted before the close reports late: a plain outcome now.
  breaker.recordSuccess(later, Admission::Probe);
  EXPECT_EQ(breaker.state(later), BreakerState::Closed);
  EXPECT_EQ(breaker.windowRequests(later), 1);
  // Tripping again and waiting gives a fresh probe slot (none leaked).
  tripBreaker(breaker, later);
  EXPECT_EQ(breaker.admit(later + 1s), Admission::Probe);
}

TEST(BreakerForceClose, LeavesAClosedBreakerClosed) {
  CircuitBreaker breaker(config());
  breaker.forceClose();
  EXPECT_EQ(breaker.state(kStart), BreakerState::Closed);
}

TEST(BreakerAdmitProbesNow, EndsTheOpenIntervalAtOnceAndKeepsTheTrips) {
  CircuitBreaker breaker(config());
  tripBreaker(breaker, kStart);
  const SteadyTime soon = kStart + 100ms;  // long before the open interval ends
  ASSERT_EQ(breaker.admit(soon), Admission::Rejected);
  breaker.admitProbesNow(soon);
  EXPECT_EQ(breaker.state(soon), BreakerState::HalfOpen);
  EXPECT_EQ(breaker.trips(), 1);
  EXPECT_EQ(breaker.reopensAt(), soon);
  EXPECT_EQ(breaker.openInterval(), Millis(2000));  // the next trip still doubles
  EXPECT_EQ(breaker.admit(soon), Admission::Probe);
  EXPECT_EQ(breaker.admit(soon), Admission::Rejected);  // probes are limited as in any half-open round
}

TEST(BreakerAdmitProbesNow, ProbesDecideAfterwards) {
  CircuitBreaker breaker(config());
  tripBreaker(breaker, kStart);
  SteadyTime now = kStart + 100ms;
  breaker.admitProbesNow(now);
  // A failed probe re-opens it with the doubled interval.
  breaker.recordFailure(now, breaker.admit(now));
  EXPECT_EQ(breaker.state(now), BreakerState::Open);
  EXPECT_EQ(breaker.trips(), 2);
  EXPECT_EQ(breaker.reopensAt(), now + 2s);
  // probes_to_close successful probes close it, trips forgotten.
  now += 100ms;
  breaker.admitProbesNow(now);
  breaker.recordSuccess(now, breaker.admit(now));
  EXPECT_EQ(breaker.state(now), BreakerState::HalfOpen);
  breaker.recordSuccess(now, breaker.admit(now));
  EXPECT_EQ(breaker.state(now), BreakerState::Closed);
  EXPECT_EQ(breaker.trips(), 0);
}

TEST(BreakerAdmitProbesNow, LeavesClosedAndHalfOpenBreakersAlone) {
  CircuitBreaker breaker(config());
  breaker.recordFailure(kStart, breaker.admit(kStart));
  breaker.admitProbesNow(kStart);
  EXPECT_EQ(breaker.state(kStart), BreakerState::Closed);
  EXPECT_EQ(breaker.windowFailures(kStart), 1);
  breaker.recordFailure(kStart, breaker.admit(kStart));
  breaker.recordFailure(kStart, breaker.admit(kStart));
  ASSERT_EQ(breaker.state(kStart), BreakerState::Open);  // the run of failures was not cleared

  // Half-open with one of two closing probes done: a pass does not start the round over.
  const SteadyTime later = kStart + 1s;
  breaker.recordSuccess(later, breaker.admit(later));
  ASSERT_EQ(breaker.state(later), BreakerState::HalfOpen);
  const Admission in_flight = breaker.admit(later);
  ASSERT_EQ(in_flight, Admission::Probe);
  breaker.admitProbesNow(later);
  EXPECT_EQ(breaker.admit(later), Admission::Rejected);  // the in-flight probe keeps its slot
  breaker.recordSuccess(later, in_flight);
  EXPECT_EQ(breaker.state(later), BreakerState::Closed);
}

TEST(BreakerForceOpen, OpensAClosedBreakerAsATripWould) {
  CircuitBreaker breaker(config());
  breaker.forceOpen(kStart);
  EXPECT_EQ(breaker.state(kStart), BreakerState::Open);
  EXPECT_EQ(breaker.trips(), 1);
  EXPECT_EQ(breaker.reopensAt(), kStart + 1s);
  EXPECT_EQ(breaker.admit(kStart + 999ms), Admission::Rejected);
  EXPECT_EQ(breaker.admit(kStart + 1s), Admission::Probe);
}

TEST(BreakerForceOpen, DoesNotExtendAnAlreadyOpenBreaker) {
  CircuitBreaker breaker(config());
  tripBreaker(breaker, kStart);
  breaker.forceOpen(kStart + 500ms);
  EXPECT_EQ(breaker.trips(), 1);
  EXPECT_EQ(breaker.reopensAt(), kStart + 1s);
}

TEST(BreakerForceOpen, ReopensAHalfOpenBreakerWithALongerInterval) {
  CircuitBreaker breaker(config());
  tripBreaker(breaker, kStart);
  const SteadyTime later = kStart + 1s;  // the interval is over: reads as half-open
  ASSERT_EQ(breaker.state(later), BreakerState::HalfOpen);
  breaker.forceOpen(later);
  EXPECT_EQ(breaker.state(later), BreakerState::Open);
  EXPECT_EQ(breaker.trips(), 2);
  EXPECT_EQ(breaker.reopensAt(), later + 2s);
}

// ------------------------------------------------------------------ TargetHealth

// A pass proves the provider answers, not that this model's requests succeed: it lets probes in
// at once, and they close the breaker and the incident.
TEST(HealthCheckPassed, TurnsAnOpenBreakerHalfOpenAndProbesCloseItAndTheIncident) {
  IncidentLog log;
  TargetHealth health("a/m", config(), log);
  tripHealth(health, kStart);
  ASSERT_EQ(health.snapshot(kStart).breaker, BreakerState::Open);
  const SteadyTime soon = kStart + 100ms;  // long before the open interval ends
  health.healthCheckPassed(soon);
  auto snapshot = health.snapshot(soon);
  EXPECT_EQ(snapshot.breaker, BreakerState::HalfOpen);
  EXPECT_EQ(snapshot.trips, 1);
  ASSERT_TRUE(snapshot.open_incident);
  EXPECT_FALSE(log.all().at(0).closed);

  // probes_to_close (2) successful probes, one at a time (half_open_probes is 1).
  const Admission first = health.admit(soon);
  ASSERT_EQ(first, Admission::Probe);
  EXPECT_EQ(health.admit(soon), Admission::Rejected);
  health.recordSuccess(soon, first, 100ms, 400ms);
  EXPECT_EQ(health.snapshot(soon).breaker, BreakerState::HalfOpen);
  EXPECT_FALSE(log.all().at(0).closed);
  const Admission second = health.admit(soon + 50ms);
  ASSERT_EQ(second, Admission::Probe);
  health.recordSuccess(soon + 50ms, second, 100ms, 400ms);
  snapshot = health.snapshot(soon + 50ms);
  EXPECT_EQ(snapshot.breaker, BreakerState::Closed);
  EXPECT_FALSE(snapshot.open_incident);
  const auto incidents = log.all();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_TRUE(incidents[0].closed);
  EXPECT_EQ(health.admit(soon + 50ms), Admission::Allowed);
}

TEST(HealthCheckPassed, LeavesAHalfOpenBreakerToItsProbes) {
  IncidentLog log;
  TargetHealth health("a/m", config(), log);
  tripHealth(health, kStart);
  const SteadyTime later = kStart + 2s;
  const Admission probe = health.admit(later);
  ASSERT_EQ(probe, Admission::Probe);
  health.healthCheckPassed(later);
  EXPECT_EQ(health.snapshot(later).breaker, BreakerState::HalfOpen);
  EXPECT_FALSE(log.all()[0].closed);
  // The user probe that was in flight fails: the breaker re-opens, longer, in the same incident.
  health.recordFailure(later, probe, FailureKind::ConnectionReset, "");
  const auto snapshot = health.snapshot(later);
  EXPECT_EQ(snapshot.breaker, BreakerState::Open);
  EXPECT_EQ(snapshot.trips, 2);
  EXPECT_EQ(snapshot.reopens_at, later + 2s);
  ASSERT_EQ(log.all().size(), 1u);
  EXPECT_FALSE(log.all()[0].closed);
}

// One model keeps failing while its provider's model list answers 200 on every check: each pass
// lets a probe in, each probe fails. The breaker's trips grow and its interval doubles (up to
// open_max), and all of it is one incident, not one per check interval.
TEST(HealthCheck, AModelThatKeepsFailingWhileChecksPassIsOneIncidentWithAGrowingInterval) {
  IncidentLog log;
  TargetHealth health("a/m", config(), log);
  tripHealth(health, kStart);
  constexpr auto kCheckInterval = 500ms;
  SteadyTime now = kStart;
  std::vector<Millis> intervals;
  for (int round = 0; round < 5; ++round) {
    now += kCheckInterval;
    health.healthCheckPassed(now);
    ASSERT_EQ(health.snapshot(now).breaker, BreakerState::HalfOpen) << "round " << round;
    const Admission probe = health.admit(now);
    ASSERT_EQ(probe, Admission::Probe) << "round " << round;
    // Requests that are not probes stay out while the probe is in flight.
    EXPECT_EQ(health.admit(now), Admission::Rejected);
    health.recordFailure(now, probe, FailureKind::UpstreamStatus, "HTTP 500 (model crashed)");
    const auto snapshot = health.snapshot(now);
    ASSERT_EQ(snapshot.breaker, BreakerState::Open) << "round " << round;
    EXPECT_EQ(snapshot.trips, round + 2);
    intervals.push_back(std::chrono::duration_cast<Millis>(snapshot.reopens_at - now));
  }
  EXPECT_EQ(intervals, (std::vector<Millis>{Millis(2000), Millis(4000), Millis(8000), Millis(8000), Millis(8000)}));
  const auto incidents = log.all();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_FALSE(incidents[0].closed);
  EXPECT_EQ(incidents[0].errors_by_kind.at("upstream_status"), 6u);  // the trip's and the 5 probes'
  EXPECT_EQ(health.snapshot(now).open_incident, incidents[0].id);
}

TEST(HealthCheckPassed, WhileClosedDoesNotClearARunOfUserFailures) {
  IncidentLog log;
  TargetHealth health("a/m", config(), log);
  health.recordFailure(kStart, health.admit(kStart), FailureKind::UpstreamStatus, "HTTP 500");
  health.recordFailure(kStart, health.admit(kStart), FailureKind::UpstreamStatus, "HTTP 500");
  health.healthCheckPassed(kStart);
  const auto snapshot = health.snapshot(kStart);
  EXPECT_EQ(snapshot.window_requests, 2);  // the pass is not a request in the window
  health.recordFailure(kStart, health.admit(kStart), FailureKind::UpstreamStatus, "HTTP 500");
  EXPECT_EQ(health.snapshot(kStart).breaker, BreakerState::Open);
}

TEST(HealthCheckFailed, WhileClosedCountsLikeAnAdmittedFailureAndOpensTheBreaker) {
  IncidentLog log;
  TargetHealth health("a/m", config(), log);
  health.healthCheckFailed(kStart, FailureKind::UpstreamStatus, "health check: HTTP 503");
  health.healthCheckFailed(kStart + 200ms, FailureKind::UpstreamStatus, "health check: HTTP 503");
  auto snapshot = health.snapshot(kStart + 200ms);
  EXPECT_EQ(snapshot.breaker, BreakerState::Closed);
  EXPECT_EQ(snapshot.window_requests, 2);
  EXPECT_EQ(snapshot.window_failures, 2);
  EXPECT_TRUE(log.all().empty());
  health.healthCheckFailed(kStart + 400ms, FailureKind::ConnectRefused, "health check: connection refused");
  snapshot = health.snapshot(kStart + 400ms);
  EXPECT_EQ(snapshot.breaker, BreakerState::Open);
  ASSERT_TRUE(snapshot.open_incident);
  const auto incidents = log.all();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].first_error, "connect_failed health check: connection refused");
  EXPECT_EQ(incidents[0].errors_by_kind.at("connect_failed"), 1u);
}

TEST(HealthCheckFailed, MixesWithUserFailuresInTheConsecutiveCount) {
  IncidentLog log;
  TargetHealth health("a/m", config(), log);
  health.recordFailure(kStart, health.admit(kStart), FailureKind::ConnectionReset, "");
  health.healthCheckFailed(kStart, FailureKind::UpstreamStatus, "HTTP 503");
  health.recordFailure(kStart, health.admit(kStart), FailureKind::ConnectionReset, "");
  EXPECT_EQ(health.snapshot(kStart).breaker, BreakerState::Open);
}

TEST(HealthCheckFailed, WhileOpenOnlyCountsIntoTheIncident) {
  IncidentLog log;
  TargetHealth health("a/m", config(), log);
  tripHealth(health, kStart);
  const SteadyTime reopens = health.snapshot(kStart).reopens_at;
  for (int i = 1; i <= 4; ++i) {
    health.healthCheckFailed(kStart + i * 100ms, FailureKind::AttemptTimeout, "health check timed out");
  }
  const auto snapshot = health.snapshot(kStart + 400ms);
  EXPECT_EQ(snapshot.breaker, BreakerState::Open);
  EXPECT_EQ(snapshot.reopens_at, reopens);  // the interval did not grow
  EXPECT_EQ(snapshot.trips, 1);
  const auto incidents = log.all();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].errors_by_kind.at("attempt_timeout"), 4u);
  EXPECT_EQ(incidents[0].errors_by_kind.at("upstream_status"), 1u);  // the trip's own failure
}

TEST(HealthCheckFailed, WhileHalfOpenLeavesTheProbesToDecide) {
  IncidentLog log;
  TargetHealth health("a/m", config(), log);
  tripHealth(health, kStart);
  const SteadyTime later = kStart + 1s;
  health.healthCheckFailed(later, FailureKind::UpstreamStatus, "HTTP 503");
  EXPECT_EQ(health.snapshot(later).breaker, BreakerState::HalfOpen);
  EXPECT_EQ(health.snapshot(later).trips, 1);
  EXPECT_EQ(health.admit(later), Admission::Probe);
}

TEST(HealthCheck, AnOutageSeenByHealthChecksAndARecoveryProvedByRequestsMakeOneIncident) {
  IncidentLog log;
  TargetHealth health("a/m", config(), log);
  SteadyTime now = kStart;
  for (int i = 0; i < 10; ++i, now += 200ms) health.healthCheckFailed(now, FailureKind::UpstreamStatus, "HTTP 503");
  health.healthCheckPassed(now);
  health.healthCheckPassed(now + 200ms);  // a second pass changes nothing
  now += 200ms;
  EXPECT_EQ(health.snapshot(now).breaker, BreakerState::HalfOpen);
  EXPECT_FALSE(log.all().at(0).closed);  // the provider answers; whether the model does is not known yet
  for (int i = 0; i < 2; ++i) health.recordSuccess(now, health.admit(now), 100ms, 300ms);
  const auto incidents = log.all();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_TRUE(incidents[0].closed);
  EXPECT_EQ(incidents[0].errors_by_kind.at("upstream_status"), 8u);  // the trip's and 7 while open
  EXPECT_EQ(health.snapshot(now).breaker, BreakerState::Closed);
}

TEST(HealthCheck, ConcurrentVerdictsAndRequestsKeepTheIncidentLogConsistent) {
  IncidentLog log;
  TargetHealth health("a/m", config(), log);
  constexpr int kThreads = 4;
  constexpr int kRounds = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&health, t] {
      for (int i = 0; i < kRounds; ++i) {
        const SteadyTime now = kStart + std::chrono::milliseconds(i);
        if (t == 0) {
          if (i % 2 == 0) health.healthCheckPassed(now);
          else health.healthCheckFailed(now, FailureKind::UpstreamStatus, "HTTP 503");
        } else {
          const Admission admission = health.admit(now);
          health.recordFailure(now, admission, FailureKind::ConnectionReset, "");
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // Every incident but possibly the last is closed, and at most one is open: the one the
  // snapshot names.
  const auto incidents = log.all();
  ASSERT_FALSE(incidents.empty());
  int open = 0;
  for (const auto& incident : incidents) open += incident.closed ? 0 : 1;
  EXPECT_LE(open, 1);
  const auto snapshot = health.snapshot(kStart + std::chrono::milliseconds(kRounds));
  EXPECT_EQ(snapshot.open_incident.has_value(), open == 1);
  if (open == 1) {
    EXPECT_EQ(*snapshot.open_incident, incidents.back().id);
  }
  // A pass re-admits; the closing probes close the last incident.
  const SteadyTime end = kStart + std::chrono::milliseconds(kRounds);
  health.healthCheckPassed(end);
  for (int i = 0; i < 2; ++i) health.recordSuccess(end, health.admit(end), 10ms, 10ms);
  EXPECT_EQ(health.snapshot(end).breaker, BreakerState::Closed);
  for (const auto& incident : log.all()) EXPECT_TRUE(incident.closed);
}

}  // namespace
}  // namespace switchyard::resilience
