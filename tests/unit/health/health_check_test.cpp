// What an active health check's verdict does to a target's breaker and incident: the forced
// transitions of CircuitBreaker and TargetHealth's healthCheckPassed/healthCheckFailed.
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

TEST(HealthCheckPassed, ClosesAnOpenBreakerAtOnceAndClosesItsIncident) {
  IncidentLog log;
  TargetHealth health("a/m", config(), log);
  tripHealth(health, kStart);
  ASSERT_EQ(health.snapshot(kStart).breaker, BreakerState::Open);
  health.healthCheckPassed(kStart + 100ms);  // long before the open interval ends
  const auto snapshot = health.snapshot(kStart + 100ms);
  EXPECT_EQ(snapshot.breaker, BreakerState::Closed);
  EXPECT_FALSE(snapshot.open_incident);
  const auto incidents = log.all();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_TRUE(incidents[0].closed);
  EXPECT_EQ(health.admit(kStart + 100ms), Admission::Allowed);
}

TEST(HealthCheckPassed, ClosesAHalfOpenBreakerWithoutWaitingForProbes) {
  IncidentLog log;
  TargetHealth health("a/m", config(), log);
  tripHealth(health, kStart);
  const SteadyTime later = kStart + 2s;
  const Admission probe = health.admit(later);
  ASSERT_EQ(probe, Admission::Probe);
  health.healthCheckPassed(later);
  EXPECT_EQ(health.snapshot(later).breaker, BreakerState::Closed);
  EXPECT_TRUE(log.all()[0].closed);
  // The user probe that was in flight ends later as a failure: counted, but one is not a trip.
  health.recordFailure(later, probe, FailureKind::ConnectionReset, "");
  EXPECT_EQ(health.snapshot(later).breaker, BreakerState::Closed);
  EXPECT_EQ(log.all().size(), 1u);
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

TEST(HealthCheck, AnOutageAndRecoverySeenOnlyByHealthChecksMakeOneIncident) {
  IncidentLog log;
  TargetHealth health("a/m", config(), log);
  SteadyTime now = kStart;
  for (int i = 0; i < 10; ++i, now += 200ms) health.healthCheckFailed(now, FailureKind::UpstreamStatus, "HTTP 503");
  health.healthCheckPassed(now);
  health.healthCheckPassed(now + 200ms);  // a second pass changes nothing
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
  health.healthCheckPassed(kStart + std::chrono::milliseconds(kRounds));
  for (const auto& incident : log.all()) EXPECT_TRUE(incident.closed);
}

}  // namespace
}  // namespace switchyard::resilience
