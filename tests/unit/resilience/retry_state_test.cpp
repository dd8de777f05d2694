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
  state.startAttempt(state.next(kStart));
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
    state.startAttempt(state.next(kStart));
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
  state.startAttempt(state.next(kStart));
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
  state.startAttempt(state.next(kStart));
  state.recordFailure(0, Millis(2000), kStart);
  EXPECT_EQ(state.next(kStart).wait, 2000ms);
  EXPECT_EQ(state.next(kStart + 1500ms).wait, 500ms);
  state.recordFailure(0, Millis(60000), kStart);
  EXPECT_EQ(state.next(kStart).wait, 5000ms);  // retry_after_max
}

TEST(RetryState, RetryAfterOfOneTargetDoesNotDelayTheOthers) {
  RetryState state(limits(4), 2, kStart + 60s, topOfRange());
  state.startAttempt(state.next(kStart));
  state.recordFailure(0, Millis(3000), kStart);
  auto next = state.next(kStart);
  EXPECT_EQ(next.target, 1u);
  EXPECT_EQ(next.wait, 0ms);
}

TEST(RetryState, GivesUpWhenTheWaitWouldPassTheDeadline) {
  RetryState state(limits(4), 1, kStart + 1s, topOfRange());
  state.startAttempt(state.next(kStart));
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
    state.startAttempt(state.next(kStart));
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
  state.startAttempt(state.next(kStart));
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

RetryLimits sameTarget(int max_attempts, int same_target) {
  RetryLimits limits{max_attempts, Millis(100), Millis(1000), Millis(5000)};
  limits.same_target = same_target;
  limits.same_target_wait_max = Millis(2000);
  return limits;
}

// Plays attempts that all fail transiently; returns the targets tried and the waits before them.
std::vector<std::pair<std::size_t, Millis>> playFailures(RetryState& state, int count,
                                                         std::optional<Millis> retry_after = std::nullopt,
                                                         bool transient = true) {
  std::vector<std::pair<std::size_t, Millis>> tried;
  for (int i = 0; i < count; ++i) {
    const auto next = state.next(kStart);
    if (next.decision != Decision::Try) break;
    tried.emplace_back(next.target, next.wait);
    state.startAttempt(next);
    state.recordFailure(next.target, retry_after, kStart, transient);
  }
  return tried;
}

TEST(RetryStateSameTarget, DefaultZeroKeepsTheRoundByRoundOrder) {
  RetryState state(limits(4), 2, kStart + 60s, topOfRange());
  const auto tried = playFailures(state, 4);
  ASSERT_EQ(tried.size(), 4u);
  EXPECT_EQ(tried[0].first, 0u);
  EXPECT_EQ(tried[1].first, 1u);
  EXPECT_EQ(tried[2].first, 0u);
}

TEST(RetryStateSameTarget, TransientFailureRetriesTheSameTargetAfterTheBackoffThenMovesOn) {
  RetryState state(sameTarget(6, 1), 2, kStart + 60s, topOfRange());
  const auto tried = playFailures(state, 4);
  ASSERT_EQ(tried.size(), 4u);
  EXPECT_EQ(tried[0], std::make_pair(std::size_t{0}, Millis(0)));
  EXPECT_EQ(tried[1], std::make_pair(std::size_t{0}, Millis(99)));  // same target, backoff of retry 1
  EXPECT_EQ(tried[2], std::make_pair(std::size_t{1}, Millis(0)));   // then the fallback
  EXPECT_EQ(tried[3], std::make_pair(std::size_t{1}, Millis(99)));  // which gets its own retry
}

TEST(RetryStateSameTarget, ShortRetryAfterIsWaitedOnTheSameTarget) {
  RetryState state(sameTarget(4, 2), 2, kStart + 60s, topOfRange());
  const auto tried = playFailures(state, 3, Millis(1500));
  ASSERT_EQ(tried.size(), 3u);
  EXPECT_EQ(tried[1], std::make_pair(std::size_t{0}, Millis(1500)));
  EXPECT_EQ(tried[2], std::make_pair(std::size_t{0}, Millis(1500)));
}

TEST(RetryStateSameTarget, LongRetryAfterMovesOnAtOnceAndKeepsTheTargetOutOfLaterRounds) {
  RetryState state(sameTarget(6, 1), 2, kStart + 60s, topOfRange());
  auto next = state.next(kStart);
  state.startAttempt(next);
  state.recordFailure(0, Millis(30000), kStart, true);  // longer than same_target_wait_max
  next = state.next(kStart);
  EXPECT_EQ(next.target, 1u);
  EXPECT_EQ(next.wait, 0ms);
  state.startAttempt(next);
  state.recordFailure(1, std::nullopt, kStart, false);  // not transient: no same-target retry
  next = state.next(kStart);
  EXPECT_EQ(next.target, 1u);  // target 0 is held out: the round goes on with target 1
  // Once the Retry-After has passed, target 0 is back.
  const auto later = kStart + 31s;
  EXPECT_EQ(state.next(later).target, 0u);
}

TEST(RetryStateSameTarget, HeldOutTargetIsStillTriedWhenNothingElseIsLeft) {
  RetryState state(sameTarget(4, 1), 1, kStart + 60s, topOfRange());
  auto next = state.next(kStart);
  state.startAttempt(next);
  state.recordFailure(0, Millis(3000), kStart, true);
  next = state.next(kStart);
  EXPECT_EQ(next.decision, Decision::Try);
  EXPECT_EQ(next.target, 0u);
  EXPECT_EQ(next.wait, 3000ms);
}

TEST(RetryStateSameTarget, NonTransientFailuresNeverRetryTheSameTarget) {
  RetryState state(sameTarget(4, 2), 2, kStart + 60s, topOfRange());
  const auto tried = playFailures(state, 2, std::nullopt, false);
  ASSERT_EQ(tried.size(), 2u);
  EXPECT_EQ(tried[1].first, 1u);
}

TEST(RetryStateSameTarget, StaysInsideMaxAttemptsAndTheDeadline) {
  RetryState state(sameTarget(2, 5), 2, kStart + 60s, topOfRange());
  EXPECT_EQ(playFailures(state, 10).size(), 2u);
  EXPECT_EQ(state.next(kStart).decision, Decision::GiveUpAttempts);

  RetryState tight(sameTarget(4, 1), 2, kStart + 1s, topOfRange());
  auto next = tight.next(kStart);
  tight.startAttempt(next);
  tight.recordFailure(0, Millis(1500), kStart, true);  // short enough to wait, but past the deadline
  next = tight.next(kStart);
  EXPECT_EQ(next.decision, Decision::Try);  // so the request moves on at once instead
  EXPECT_EQ(next.target, 1u);
  EXPECT_EQ(next.wait, 0ms);
}

TEST(RetryStateSameTarget, ExcludingTheTargetCancelsItsPendingRetry) {
  RetryState state(sameTarget(4, 1), 2, kStart + 60s, topOfRange());
  auto next = state.next(kStart);
  state.startAttempt(next);
  state.recordFailure(0, std::nullopt, kStart, true);
  EXPECT_TRUE(state.next(kStart).same_target);
  state.exclude(0);  // e.g. its breaker opened meanwhile
  next = state.next(kStart);
  EXPECT_FALSE(next.same_target);
  EXPECT_EQ(next.target, 1u);
}

}  // namespace
}  // namespace switchyard::resilience
