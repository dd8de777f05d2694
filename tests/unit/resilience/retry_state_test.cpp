#include "resilience/retry_state.h"

#include <gtest/gtest.h>

namespace switchyard::resilience {
namespace {

using namespace std::chrono_literals;
using Decision = RetryState::Decision;

const SteadyTime kStart = SteadyTime{} + 1000s;

RetryLimits limits(int max_attempts) {
  return RetryLimits{max_attempts, Millis(100), Millis(1000), Millis(5000)};
}

// The jitter source returns 1.0-epsilon: the backoff is at its ceiling, so tests are exact.
UniformRandom topOfRange() { return [] { return 0.999999; }; }

TEST(RetryState, FailedAttemptMovesToNextTargetAtOnce) {
  RetryState state(limits(4), 3, kStart + 60s, topOfRange());
  auto first = state.next(kStart);
  EXPECT_EQ(first.decision, Decision::Try);
  EXPECT_EQ(first.target, 0u);
  EXPECT_EQ(first.wait, 0ms);
  state.startAttempt();
  state.recordFailure(0, std::nullopt, kStart);
  auto second = state.next(kStart);
  EXPECT_EQ(second.target, 1u);
  EXPECT_EQ(second.wait, 0ms);
}

TEST(RetryState, TargetsAreRetriedRoundByRoundWithBackoffBeforeEachNewRound) {
  RetryState state(limits(6), 2, kStart + 60s, topOfRange());
  std::vector<std::size_t> order;
  std::vector<Millis> waits;
  for (int i = 0; i < 6; ++i) {
    auto next = state.next(kStart);
    ASSERT_EQ(next.decision, Decision::Try);
    order.push_back(next.target);
    waits.push_back(next.wait);
    state.startAttempt();
  }
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(waits[1], 0ms);
  EXPECT_EQ(waits[2], 99ms);   // round 1: base
  EXPECT_EQ(waits[3], 0ms);
  EXPECT_EQ(waits[4], 199ms);  // round 2: doubled
  EXPECT_EQ(state.next(kStart).decision, Decision::GiveUpAttempts);
}

TEST(RetryState, SingleTargetRetriesItselfAfterBackoff) {
  RetryState state(limits(3), 1, kStart + 60s, topOfRange());
  state.startAttempt();
  auto next = state.next(kStart);
  EXPECT_EQ(next.target, 0u);
  EXPECT_GT(next.wait, 0ms);
}

TEST(RetryState, BackoffNeverExceedsItsMaximum) {
  const auto lim = limits(100);
  for (int round = 1; round < 40; ++round) {
    EXPECT_LE(backoffForRound(round, lim, 0.999999), lim.backoff_max) << round;
    EXPECT_GE(backoffForRound(round, lim, 0.0), Millis(50)) << round;
  }
}

TEST(RetryState, RetryAfterDelaysTheTargetsNextTurnUpToTheCap) {
  RetryState state(limits(4), 1, kStart + 60s, topOfRange());
  state.startAttempt();
  state.recordFailure(0, Millis(2000), kStart);
  EXPECT_EQ(state.next(kStart).wait, 2000ms);
  EXPECT_EQ(state.next(kStart + 1500ms).wait, 500ms);
  state.recordFailure(0, Millis(60000), kStart);
  EXPECT_EQ(state.next(kStart).wait, 5000ms);  // retry_after_max
}

TEST(RetryState, RetryAfterOfOneTargetDoesNotDelayTheOthers) {
  RetryState state(limits(4), 2, kStart + 60s, topOfRange());
  state.startAttempt();
  state.recordFailure(0, Millis(3000), kStart);
  auto next = state.next(kStart);
  EXPECT_EQ(next.target, 1u);
  EXPECT_EQ(next.wait, 0ms);
}

TEST(RetryState, GivesUpWhenTheWaitWouldPassTheDeadline) {
  RetryState state(limits(4), 1, kStart + 1s, topOfRange());
  state.startAttempt();
  state.recordFailure(0, Millis(2000), kStart);
  EXPECT_EQ(state.next(kStart).decision, Decision::GiveUpDeadline);
}

TEST(RetryState, GivesUpOnceTheDeadlineHasPassed) {
  RetryState state(limits(4), 2, kStart + 1s, topOfRange());
  EXPECT_EQ(state.next(kStart + 1s).decision, Decision::GiveUpDeadline);
}

TEST(RetryState, ExcludedTargetIsSkippedWithoutCostingAnAttempt) {
  RetryState state(limits(4), 3, kStart + 60s, topOfRange());
  state.exclude(1);
  std::vector<std::size_t> order;
  std::vector<Millis> waits;
  for (int i = 0; i < 4; ++i) {
    auto next = state.next(kStart);
    ASSERT_EQ(next.decision, Decision::Try);
    order.push_back(next.target);
    waits.push_back(next.wait);
    state.startAttempt();
  }
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 2, 0, 2}));
  // The second round starts at target 0 and backs off there, once.
  EXPECT_EQ(waits, (std::vector<Millis>{0ms, 0ms, 99ms, 0ms}));
  EXPECT_EQ(state.next(kStart).decision, Decision::GiveUpAttempts);
}

TEST(RetryState, ExcludingTheFirstTargetMidRoundKeepsTheRoundOrder) {
  RetryState state(limits(4), 2, kStart + 60s, topOfRange());
  EXPECT_EQ(state.next(kStart).target, 0u);
  state.exclude(0);  // its wire format cannot carry the request
  auto next = state.next(kStart);
  EXPECT_EQ(next.target, 1u);
  EXPECT_EQ(next.wait, 0ms);
  state.startAttempt();
  next = state.next(kStart);
  EXPECT_EQ(next.target, 1u);
  EXPECT_EQ(next.wait, 99ms);  // a new round
}

TEST(RetryState, EveryTargetExcludedGivesUp) {
  RetryState state(limits(4), 2, kStart + 60s, topOfRange());
  state.exclude(0);
  state.exclude(1);
  EXPECT_EQ(state.next(kStart).decision, Decision::GiveUpAttempts);
  EXPECT_EQ(state.attempts(), 0);
}

}  // namespace
}  // namespace switchyard::resilience
