#include "resilience/latency_tracker.h"

#include <gtest/gtest.h>

namespace switchyard::resilience {
namespace {

using namespace std::chrono_literals;

// Buckets are ~30% wide; an interpolated quantile lands within one bucket of the true value.
void expectNear(double actual, double expected) {
  EXPECT_GE(actual, expected / 1.3) << "expected about " << expected;
  EXPECT_LE(actual, expected * 1.3) << "expected about " << expected;
}

TEST(LatencyTracker, KnowsNothingBeforeTheFirstSample) {
  LatencyTracker tracker;
  EXPECT_EQ(tracker.samples(), 0u);
  EXPECT_EQ(tracker.firstTokenEwmaMs(), 0);
  EXPECT_EQ(tracker.totalEwmaMs(), 0);
  EXPECT_EQ(tracker.firstTokenQuantileMs(0.95), 0);
}

TEST(LatencyTracker, FirstSampleInitialisesTheAveragesThenTheyMoveByAlpha) {
  LatencyTracker tracker(0.2, 200);
  tracker.recordFirstToken(100ms);
  tracker.recordTotal(1000ms);
  EXPECT_DOUBLE_EQ(tracker.firstTokenEwmaMs(), 100);
  EXPECT_DOUBLE_EQ(tracker.totalEwmaMs(), 1000);
  tracker.recordFirstToken(200ms);
  tracker.recordTotal(2000ms);
  EXPECT_DOUBLE_EQ(tracker.firstTokenEwmaMs(), 120);
  EXPECT_DOUBLE_EQ(tracker.totalEwmaMs(), 1200);
  EXPECT_EQ(tracker.samples(), 2u);
}

TEST(LatencyTracker, TotalAverageStartsFromItsOwnFirstSample) {
  LatencyTracker tracker(0.2, 200);
  tracker.recordFirstToken(100ms);
  tracker.recordFirstToken(100ms);
  tracker.recordTotal(3000ms);
  EXPECT_DOUBLE_EQ(tracker.totalEwmaMs(), 3000);
  EXPECT_EQ(tracker.samples(), 2u) << "samples() counts first-token samples";
}

TEST(LatencyTracker, QuantilesOfASteadyDistribution) {
  LatencyTracker tracker(0.2, 200);
  // 90% at 100 ms, 10% at 1 s, interleaved.
  for (int i = 0; i < 1000; ++i) tracker.recordFirstToken(i % 10 == 0 ? 1000ms : 100ms);
  expectNear(tracker.firstTokenQuantileMs(0.5), 100);
  expectNear(tracker.firstTokenQuantileMs(0.95), 1000);
  expectNear(tracker.firstTokenQuantileMs(0.99), 1000);
  EXPECT_LE(tracker.firstTokenQuantileMs(0.5), tracker.firstTokenQuantileMs(0.9));
  EXPECT_LE(tracker.firstTokenQuantileMs(0.95), tracker.firstTokenQuantileMs(1.0));
  EXPECT_EQ(tracker.firstTokenQuantileMs(2.0), tracker.firstTokenQuantileMs(1.0)) << "q is clamped";
}

TEST(LatencyTracker, QuantilesFollowAShiftInTheDistribution) {
  LatencyTracker tracker(0.2, 200);
  for (int i = 0; i < 2000; ++i) tracker.recordFirstToken(100ms);
  expectNear(tracker.firstTokenQuantileMs(0.95), 100);

  // The target browns out: every answer now takes 2 s.
  for (int i = 0; i < 50; ++i) tracker.recordFirstToken(2000ms);
  // A quarter half-life later ~16% of the weight is new: the tail has moved, the median not yet.
  expectNear(tracker.firstTokenQuantileMs(0.95), 2000);
  expectNear(tracker.firstTokenQuantileMs(0.5), 100);
  // The average follows within a few samples (0.8^50 of the old level is left).
  EXPECT_NEAR(tracker.firstTokenEwmaMs(), 2000, 1);

  for (int i = 0; i < 350; ++i) tracker.recordFirstToken(2000ms);
  // Two half-lives in, 75% of the weight is new: the median has moved too.
  expectNear(tracker.firstTokenQuantileMs(0.5), 2000);

  // And back: recovery shows in the median after a while in the same way.
  for (int i = 0; i < 600; ++i) tracker.recordFirstToken(100ms);
  expectNear(tracker.firstTokenQuantileMs(0.5), 100);
}

TEST(LatencyTracker, OutOfRangeSamplesLandInTheEndBuckets) {
  LatencyTracker fast;
  fast.recordFirstToken(0ms);
  EXPECT_GE(fast.firstTokenQuantileMs(0.5), 1.0);
  EXPECT_LE(fast.firstTokenQuantileMs(0.5), 1.3);

  LatencyTracker slow;
  slow.recordFirstToken(std::chrono::duration_cast<Millis>(1h));
  EXPECT_GE(slow.firstTokenQuantileMs(0.5), 200000.0);
  EXPECT_LE(slow.firstTokenQuantileMs(1.0), 300001.0);
}

LatencyTracker::Batch batchOf(std::uint64_t count, Millis first_token, Millis total) {
  LatencyTracker::Batch batch;
  batch.first_token_count = count;
  batch.first_token_sum_ms = static_cast<double>(count) * static_cast<double>(first_token.count());
  batch.total_count = count;
  batch.total_sum_ms = static_cast<double>(count) * static_cast<double>(total.count());
  batch.buckets[LatencyTracker::bucketOf(static_cast<double>(first_token.count()))] = count;
  return batch;
}

TEST(LatencyTracker, ABatchOfOneIsOneSample) {
  LatencyTracker single(0.2, 200);
  LatencyTracker batched(0.2, 200);
  for (const auto ms : {100ms, 250ms, 40ms}) {
    single.recordFirstToken(ms);
    single.recordTotal(ms * 3);
    batched.recordBatch(batchOf(1, ms, ms * 3));
  }
  EXPECT_DOUBLE_EQ(batched.firstTokenEwmaMs(), single.firstTokenEwmaMs());
  EXPECT_DOUBLE_EQ(batched.totalEwmaMs(), single.totalEwmaMs());
  EXPECT_EQ(batched.samples(), single.samples());
  EXPECT_NEAR(batched.firstTokenQuantileMs(0.95), single.firstTokenQuantileMs(0.95), 1e-9);
}

TEST(LatencyTracker, ABatchOfEqualSamplesMovesLikeThoseSamplesOneByOne) {
  LatencyTracker single(0.2, 200);
  LatencyTracker batched(0.2, 200);
  for (int i = 0; i < 30; ++i) single.recordFirstToken(100ms);
  batched.recordBatch(batchOf(30, 100ms, 100ms));
  for (int i = 0; i < 7; ++i) single.recordFirstToken(900ms);
  batched.recordBatch(batchOf(7, 900ms, 900ms));
  EXPECT_NEAR(batched.firstTokenEwmaMs(), single.firstTokenEwmaMs(), 1e-9);
  EXPECT_EQ(batched.samples(), 37u);
  // The histogram takes a batch's samples as equally old: within a fraction of a percent here.
  EXPECT_NEAR(batched.firstTokenQuantileMs(0.5), single.firstTokenQuantileMs(0.5), 0.01 * single.firstTokenQuantileMs(0.5));
  EXPECT_NEAR(batched.firstTokenQuantileMs(0.95), single.firstTokenQuantileMs(0.95), 0.01 * single.firstTokenQuantileMs(0.95));
}

}  // namespace
}  // namespace switchyard::resilience
