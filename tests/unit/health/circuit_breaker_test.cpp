#include "resilience/circuit_breaker.h"

#include <gtest/gtest.h>

namespace switchyard::resilience {
namespace {

using namespace std::chrono_literals;

const SteadyTime kStart = SteadyTime{} + 1000s;

// Small numbers so each test reads at a glance.
BreakerConfig config() {
  BreakerConfig config;
  config.consecutive_failures = 3;
  config.failure_rate = 0.5;
  config.min_requests = 10;
  config.window = Millis(10000);
  config.open_base = Millis(1000);
  config.open_max = Millis(5000);
  config.half_open_probes = 2;
  config.probes_to_close = 2;
  return config;
}

void fail(CircuitBreaker& breaker, SteadyTime now, int times) {
  for (int i = 0; i < times; ++i) breaker.recordFailure(now, breaker.admit(now));
}

// Trips a fresh breaker at `now` through consecutive failures.
void trip(CircuitBreaker& breaker, SteadyTime now) { fail(breaker, now, config().consecutive_failures); }

TEST(CircuitBreaker, StatesPrintAsStableTokens) {
  EXPECT_EQ(toString(BreakerState::Closed), "closed");
  EXPECT_EQ(toString(BreakerState::Open), "open");
  EXPECT_EQ(toString(BreakerState::HalfOpen), "half_open");
}

TEST(CircuitBreaker, ClosedBreakerAllowsRequests) {
  CircuitBreaker breaker(config());
  EXPECT_EQ(breaker.state(kStart), BreakerState::Closed);
  EXPECT_EQ(breaker.admit(kStart), Admission::Allowed);
  EXPECT_EQ(breaker.trips(), 0);
}

TEST(CircuitBreaker, ConsecutiveFailuresTripIt) {
  CircuitBreaker breaker(config());
  fail(breaker, kStart, 2);
  EXPECT_EQ(breaker.state(kStart), BreakerState::Closed);
  fail(breaker, kStart, 1);
  EXPECT_EQ(breaker.state(kStart), BreakerState::Open);
  EXPECT_EQ(breaker.trips(), 1);
  EXPECT_EQ(breaker.reopensAt(), kStart + 1000ms);
  EXPECT_EQ(breaker.admit(kStart + 999ms), Admission::Rejected);
}

TEST(CircuitBreaker, SuccessBreaksARunOfFailures) {
  CircuitBreaker breaker(config());
  fail(breaker, kStart, 2);
  breaker.recordSuccess(kStart, breaker.admit(kStart));
  fail(breaker, kStart, 2);
  EXPECT_EQ(breaker.state(kStart), BreakerState::Closed);
}

TEST(CircuitBreaker, FailureRateTripsOnlyWithMinimumRequests) {
  CircuitBreaker breaker(config());
  // Alternate success and failure: never three in a row, rate 50%.
  for (int i = 0; i < 4; ++i) {
    breaker.recordSuccess(kStart, breaker.admit(kStart));
    breaker.recordFailure(kStart, breaker.admit(kStart));
  }
  EXPECT_EQ(breaker.windowRequests(kStart), 8);
  EXPECT_EQ(breaker.windowFailures(kStart), 4);
  EXPECT_EQ(breaker.state(kStart), BreakerState::Closed) << "8 requests < min_requests 10";
  breaker.recordSuccess(kStart, breaker.admit(kStart));
  EXPECT_EQ(breaker.state(kStart), BreakerState::Closed) << "a success never trips";
  breaker.recordFailure(kStart, breaker.admit(kStart));  // 5 of 10 failed
  EXPECT_EQ(breaker.state(kStart), BreakerState::Open);
  EXPECT_EQ(breaker.trips(), 1);
}

TEST(CircuitBreaker, FailureRateBelowThresholdKeepsItClosed) {
  CircuitBreaker breaker(config());
  for (int i = 0; i < 30; ++i) {
    breaker.recordSuccess(kStart, breaker.admit(kStart));
    breaker.recordSuccess(kStart, breaker.admit(kStart));
    breaker.recordFailure(kStart, breaker.admit(kStart));
  }
  EXPECT_EQ(breaker.state(kStart), BreakerState::Closed);  // a third failed, under 50%
}

TEST(CircuitBreaker, WindowForgetsOldFailures) {
  CircuitBreaker breaker(config());
  // 4 failures (with successes between them) at the start...
  for (int i = 0; i < 4; ++i) {
    breaker.recordFailure(kStart, breaker.admit(kStart));
    breaker.recordSuccess(kStart, breaker.admit(kStart));
  }
  EXPECT_EQ(breaker.windowFailures(kStart + 9999ms), 4);
  // ... are gone once the window has passed.
  const SteadyTime later = kStart + 10s;
  EXPECT_EQ(breaker.windowRequests(later), 0);
  EXPECT_EQ(breaker.windowFailures(later), 0);
  // So 10 more requests at 40% failure do not trip it, which they would with the old ones kept.
  for (int i = 0; i < 2; ++i) {
    breaker.recordFailure(later, breaker.admit(later));
    breaker.recordFailure(later, breaker.admit(later));
    breaker.recordSuccess(later, breaker.admit(later));
    breaker.recordSuccess(later, breaker.admit(later));
    breaker.recordSuccess(later, breaker.admit(later));
  }
  EXPECT_EQ(breaker.windowRequests(later), 10);
  EXPECT_EQ(breaker.state(later), BreakerState::Closed);
}

TEST(CircuitBreaker, OpenReadsHalfOpenOnceItsIntervalIsOver) {
  CircuitBreaker breaker(config());
  trip(breaker, kStart);
  EXPECT_EQ(breaker.state(kStart + 999ms), BreakerState::Open);
  EXPECT_EQ(breaker.state(kStart + 1000ms), BreakerState::HalfOpen);
  EXPECT_EQ(breaker.admit(kStart + 1000ms), Admission::Probe);
}

TEST(CircuitBreaker, HalfOpenAdmitsOnlyTheProbeLimit) {
  CircuitBreaker breaker(config());
  trip(breaker, kStart);
  const SteadyTime t = kStart + 1s;
  EXPECT_EQ(breaker.admit(t), Admission::Probe);
  EXPECT_EQ(breaker.admit(t), Admission::Probe);
  EXPECT_EQ(breaker.admit(t), Admission::Rejected);
  EXPECT_EQ(breaker.admit(t), Admission::Rejected);
}

TEST(CircuitBreaker, EnoughSuccessfulProbesCloseItAndClearTheWindow) {
  CircuitBreaker breaker(config());
  trip(breaker, kStart);
  const SteadyTime t = kStart + 1s;
  const Admission first = breaker.admit(t);
  const Admission second = breaker.admit(t);
  breaker.recordSuccess(t, first);
  EXPECT_EQ(breaker.state(t), BreakerState::HalfOpen) << "one probe of two";
  EXPECT_EQ(breaker.admit(t), Admission::Probe) << "the finished probe freed its slot";
  breaker.recordSuccess(t, second);
  EXPECT_EQ(breaker.state(t), BreakerState::Closed);
  EXPECT_EQ(breaker.trips(), 0);
  EXPECT_EQ(breaker.windowRequests(t), 0);
  EXPECT_EQ(breaker.admit(t), Admission::Allowed);
  // Closed again from scratch: it takes a full run of failures to trip it again.
  fail(breaker, t, 2);
  EXPECT_EQ(breaker.state(t), BreakerState::Closed);
}

TEST(CircuitBreaker, FailedProbeReopensWithALongerInterval) {
  CircuitBreaker breaker(config());
  trip(breaker, kStart);
  EXPECT_EQ(breaker.openInterval(), 2000ms) << "what the next trip would use";
  SteadyTime t = kStart + 1s;
  breaker.recordFailure(t, breaker.admit(t));
  EXPECT_EQ(breaker.state(t), BreakerState::Open);
  EXPECT_EQ(breaker.trips(), 2);
  EXPECT_EQ(breaker.reopensAt(), t + 2000ms);
  EXPECT_EQ(breaker.state(t + 1999ms), BreakerState::Open);
  EXPECT_EQ(breaker.state(t + 2000ms), BreakerState::HalfOpen);
}

TEST(CircuitBreaker, OpenIntervalDoublesUpToItsCap) {
  CircuitBreaker breaker(config());
  trip(breaker, kStart);
  std::vector<Millis> intervals{std::chrono::duration_cast<Millis>(breaker.reopensAt() - kStart)};
  SteadyTime t = breaker.reopensAt();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(breaker.admit(t), Admission::Probe);
    breaker.recordFailure(t, Admission::Probe);
    intervals.push_back(std::chrono::duration_cast<Millis>(breaker.reopensAt() - t));
    t = breaker.reopensAt();
  }
  EXPECT_EQ(intervals, (std::vector<Millis>{1000ms, 2000ms, 4000ms, 5000ms, 5000ms, 5000ms}));
  EXPECT_EQ(breaker.trips(), 6);
}

TEST(CircuitBreaker, ClosingResetsTheIntervalGrowth) {
  CircuitBreaker breaker(config());
  trip(breaker, kStart);
  SteadyTime t = kStart + 1s;
  breaker.recordFailure(t, breaker.admit(t));  // 2nd trip: 2 s
  t += 2s;
  breaker.recordSuccess(t, breaker.admit(t));
  breaker.recordSuccess(t, breaker.admit(t));
  ASSERT_EQ(breaker.state(t), BreakerState::Closed);
  EXPECT_EQ(breaker.openInterval(), 1000ms);
  trip(breaker, t);
  EXPECT_EQ(breaker.reopensAt(), t + 1000ms);
}

TEST(CircuitBreaker, LateOutcomesWhileOpenNeitherCloseNorRetripIt) {
  CircuitBreaker breaker(config());
  // Slow requests admitted while closed.
  std::vector<Admission> slow;
  for (int i = 0; i < 5; ++i) slow.push_back(breaker.admit(kStart));
  trip(breaker, kStart);
  const SteadyTime reopens = breaker.reopensAt();
  const SteadyTime t = kStart + 500ms;
  breaker.recordSuccess(t, slow[0]);
  breaker.recordSuccess(t, slow[1]);
  breaker.recordSuccess(t, slow[2]);
  EXPECT_EQ(breaker.state(t), BreakerState::Open) << "successes of old requests do not close it";
  breaker.recordFailure(t, slow[3]);
  EXPECT_EQ(breaker.trips(), 1) << "a late failure does not trip it again";
  EXPECT_EQ(breaker.reopensAt(), reopens) << "nor push the interval out";
  // Late outcomes in half-open count for nothing either: only probes decide.
  const SteadyTime half_open = reopens;
  const Admission probe = breaker.admit(half_open);
  breaker.recordFailure(half_open, slow[4]);
  EXPECT_EQ(breaker.state(half_open), BreakerState::HalfOpen);
  breaker.recordSuccess(half_open, probe);
  breaker.recordSuccess(half_open, Admission::Allowed);
  EXPECT_EQ(breaker.state(half_open), BreakerState::HalfOpen) << "one probe success of two";
}

TEST(CircuitBreaker, SecondFailedProbeDoesNotDoubleTrip) {
  CircuitBreaker breaker(config());
  trip(breaker, kStart);
  const SteadyTime t = kStart + 1s;
  const Admission a = breaker.admit(t);
  const Admission b = breaker.admit(t);
  breaker.recordFailure(t, a);
  breaker.recordFailure(t + 10ms, b);
  EXPECT_EQ(breaker.trips(), 2);
  EXPECT_EQ(breaker.reopensAt(), t + 2000ms);
}

TEST(CircuitBreaker, ReleaseProbeFreesASlotWithoutDeciding) {
  CircuitBreaker breaker(config());
  trip(breaker, kStart);
  const SteadyTime t = kStart + 1s;
  EXPECT_EQ(breaker.admit(t), Admission::Probe);
  EXPECT_EQ(breaker.admit(t), Admission::Probe);
  EXPECT_EQ(breaker.admit(t), Admission::Rejected);
  breaker.releaseProbe();
  EXPECT_EQ(breaker.state(t), BreakerState::HalfOpen);
  EXPECT_EQ(breaker.admit(t), Admission::Probe);
  EXPECT_EQ(breaker.admit(t), Admission::Rejected);
}

TEST(CircuitBreaker, RejectedAdmissionsReportNothing) {
  CircuitBreaker breaker(config());
  fail(breaker, kStart, 2);
  breaker.recordFailure(kStart, Admission::Rejected);
  EXPECT_EQ(breaker.state(kStart), BreakerState::Closed);
  EXPECT_EQ(breaker.windowRequests(kStart), 2);
}

TEST(CircuitBreaker, WindowSlidesInStepsOfATwentiethOfItsLength) {
  CircuitBreaker breaker(config());  // a 10 s window: 500 ms steps
  breaker.recordFailure(kStart + 400ms, breaker.admit(kStart + 400ms));
  breaker.recordSuccess(kStart + 600ms, breaker.admit(kStart + 600ms));
  EXPECT_EQ(breaker.windowRequests(kStart + 9999ms), 2);
  // The failure's step [0, 500 ms) leaves at 10 s, 400 ms before the failure itself would: the
  // staleness the stepped window accepts (at most one step, early).
  EXPECT_EQ(breaker.windowFailures(kStart + 10s), 0);
  EXPECT_EQ(breaker.windowRequests(kStart + 10s), 1);
  EXPECT_EQ(breaker.windowRequests(kStart + 10500ms), 0);
}

TEST(CircuitBreaker, AReloadThatChangesTheWindowRestartsItAndKeepsTheState) {
  CircuitBreaker breaker(config());
  fail(breaker, kStart, 2);
  BreakerConfig longer = config();
  longer.window = Millis(60000);
  breaker.reconfigure(longer);
  EXPECT_EQ(breaker.windowRequests(kStart), 0);
  EXPECT_EQ(breaker.state(kStart), BreakerState::Closed);
  fail(breaker, kStart, 1);
  EXPECT_EQ(breaker.state(kStart), BreakerState::Open) << "the run of failures is kept";
  // Same window length: nothing restarts.
  breaker.reconfigure(longer);
  EXPECT_EQ(breaker.windowRequests(kStart), 1);
  EXPECT_EQ(breaker.windowRequests(kStart + 56s), 1);  // 3 s steps: its step began at 999 s
}

}  // namespace
}  // namespace switchyard::resilience
