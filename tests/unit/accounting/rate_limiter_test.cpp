#include "accounting/rate_limiter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>
#include <vector>

namespace switchyard::accounting {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

using Entries = std::vector<RateLimitEntry>;
const SteadyTime kStart = SteadyTime{} + std::chrono::hours{100};

RateLimiter limiter(std::int64_t rpm, std::int64_t tpm) {
  return RateLimiter(Entries{{.id = "team-a", .limits = {.rpm = rpm, .tpm = tpm}}});
}

TEST(RateLimiter, AnIdWithoutLimitsIsAlwaysAdmitted) {
  RateLimiter none(Entries{{.id = "free", .limits = {}}});
  EXPECT_FALSE(none.any());
  EXPECT_FALSE(none.limits("free"));
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(none.admit("free", 1'000'000, kStart).admitted);
  RateLimiter some = limiter(1, 0);
  EXPECT_TRUE(some.admit("someone-else", 5, kStart).admitted);
}

TEST(RateLimiter, AFullMinuteOfRequestsPassesAtOnceThenOnePerInterval) {
  RateLimiter rates = limiter(60, 0);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(rates.admit("team-a", 0, kStart).admitted) << i;
  RateDecision refused = rates.admit("team-a", 0, kStart);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.limited_by, RateKind::Requests);
  EXPECT_EQ(refused.retry_after, 1000ms);
  refused = rates.admit("team-a", 0, kStart + 999ms);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after, 1ms);
  EXPECT_TRUE(rates.admit("team-a", 0, kStart + 1000ms).admitted);
  EXPECT_FALSE(rates.admit("team-a", 0, kStart + 1000ms).admitted);
  // Idle for a minute: the whole bucket again, and no more.
  const SteadyTime later = kStart + 1000ms + 60s;
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(rates.admit("team-a", 0, later).admitted) << i;
  EXPECT_FALSE(rates.admit("team-a", 0, later).admitted);
}

TEST(RateLimiter, RetryAfterIsRoundedUpToTheMillisecond) {
  RateLimiter rates = limiter(7, 0);  // one request every 8571.43 ms
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(rates.admit("team-a", 0, kStart).admitted);
  EXPECT_EQ(rates.admit("team-a", 0, kStart).retry_after, 8572ms);
  EXPECT_FALSE(rates.admit("team-a", 0, kStart + 8571ms).admitted);
  EXPECT_TRUE(rates.admit("team-a", 0, kStart + 8572ms).admitted);
}

TEST(RateLimiter, TokensPerMinuteChargeTheEstimateAndSayHowLongUntilItFits) {
  RateLimiter rates = limiter(0, 1000);
  EXPECT_TRUE(rates.admit("team-a", 600, kStart).admitted);
  RateDecision refused = rates.admit("team-a", 500, kStart);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.limited_by, RateKind::Tokens);
  EXPECT_EQ(refused.retry_after, 6000ms);  // 100 tokens at 1000 a minute
  EXPECT_TRUE(rates.admit("team-a", 400, kStart).admitted);
  EXPECT_TRUE(rates.admit("team-a", 500, kStart + 30s).admitted);
}

TEST(RateLimiter, ARequestRefusedForTokensTakesNoRequest) {
  RateLimiter rates = limiter(2, 1000);
  EXPECT_TRUE(rates.admit("team-a", 600, kStart).admitted);
  EXPECT_EQ(rates.admit("team-a", 500, kStart).limited_by, RateKind::Tokens);
  EXPECT_TRUE(rates.admit("team-a", 100, kStart).admitted);
  const RateDecision refused = rates.admit("team-a", 0, kStart);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.limited_by, RateKind::Requests);
  EXPECT_EQ(refused.retry_after, 30000ms);
}

TEST(RateLimiter, CorrectionRefundsAnOverestimateAndChargesAnUnderestimate) {
  RateLimiter rates = limiter(0, 1000);
  ASSERT_TRUE(rates.admit("team-a", 1000, kStart).admitted);
  EXPECT_FALSE(rates.admit("team-a", 1, kStart).admitted);
  rates.correct("team-a", 1000, 400, kStart);  // 600 back
  EXPECT_TRUE(rates.admit("team-a", 600, kStart).admitted);
  EXPECT_FALSE(rates.admit("team-a", 1, kStart).admitted);
  rates.correct("team-a", 600, 900, kStart);  // 300 more: in debt
  const RateDecision refused = rates.admit("team-a", 1, kStart);
  EXPECT_EQ(refused.retry_after, std::chrono::ceil<milliseconds>(
                                     std::chrono::nanoseconds{301 * 60'000'000'000LL / 1000}));
}

TEST(RateLimiter, AnUnderestimateFoundAfterTheBucketRefilledIsChargedFromNow) {
  RateLimiter rates = limiter(0, 1000);
  ASSERT_TRUE(rates.admit("team-a", 100, kStart).admitted);
  const SteadyTime later = kStart + 10min;  // full again
  rates.correct("team-a", 100, 700, later);
  EXPECT_TRUE(rates.admit("team-a", 400, later).admitted);
  EXPECT_FALSE(rates.admit("team-a", 1, later).admitted);
}

TEST(RateLimiter, ARefundNeverFillsTheBucketBeyondFull) {
  RateLimiter rates = limiter(0, 1000);
  ASSERT_TRUE(rates.admit("team-a", 10, kStart).admitted);
  rates.correct("team-a", 5000, 0, kStart + 1s);
  EXPECT_TRUE(rates.admit("team-a", 1000, kStart + 1s).admitted);
  EXPECT_FALSE(rates.admit("team-a", 1, kStart + 1s).admitted);
}

TEST(RateLimiter, ARequestLargerThanAMinutesTokensWaitsForAFullBucketThenLeavesItInDebt) {
  RateLimiter rates = limiter(0, 1000);
  ASSERT_TRUE(rates.admit("team-a", 10, kStart).admitted);
  const RateDecision waiting = rates.admit("team-a", 5000, kStart);
  EXPECT_FALSE(waiting.admitted);
  EXPECT_EQ(waiting.retry_after, 600ms);  // until the 10 tokens have refilled
  EXPECT_TRUE(rates.admit("team-a", 5000, kStart + 600ms).admitted);
  // 5000 tokens of a 1000-a-minute bucket: four minutes of debt before one more token fits.
  EXPECT_EQ(rates.admit("team-a", 1, kStart + 600ms).retry_after, 240060ms);
}

TEST(RateLimiter, ConcurrentAdmissionsTakeExactlyTheBucket) {
  RateLimiter rates = limiter(1000, 0);
  constexpr int kThreads = 8;
  std::atomic<int> admitted{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < 500; ++i) admitted += rates.admit("team-a", 0, kStart).admitted ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 1000);
}

TEST(RateLimiter, ConcurrentTokenRefusalsGiveTheirRequestBack) {
  RateLimiter rates = limiter(100'000, 1000);
  constexpr int kThreads = 8;
  std::atomic<int> admitted{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < 200; ++i) admitted += rates.admit("team-a", 7, kStart).admitted ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 1000 / 7);
  const auto states = rates.snapshot(kStart);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_NEAR(states[0].requests_available, 100'000 - 1000 / 7, 1e-6);
  EXPECT_NEAR(states[0].tokens_available, 1000 - 7 * (1000 / 7), 1e-6);
}

TEST(RateLimiter, AReloadKeepsEachBucketsFillLevel) {
  RateLimiter before = limiter(10, 0);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(before.admit("team-a", 0, kStart).admitted);
  RateLimiter after(
      Entries{{.id = "team-a", .limits = {.rpm = 10}}, {.id = "team-b", .limits = {.rpm = 1}}},
      &before);
  EXPECT_FALSE(after.admit("team-a", 0, kStart).admitted);
  EXPECT_TRUE(after.admit("team-b", 0, kStart).admitted);
}

TEST(RateLimiter, DuplicateIdsGetTheStrictestLimitOfEachKind) {
  RateLimiter rates(Entries{{.id = "openai/gpt", .limits = {.rpm = 5, .tpm = 0}},
                            {.id = "openai/gpt", .limits = {.rpm = 3, .tpm = 1000}}});
  const auto states = rates.snapshot(kStart);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].limits.rpm, 3);
  EXPECT_EQ(states[0].limits.tpm, 1000);
}

TEST(RateLimiter, LimitsComeFromKeysAndTargetsInConfig) {
  config::Config config;
  config::ClientKey key;
  key.name = "team-a";
  key.limits = {.rpm = 10};
  config.keys.push_back(key);
  key.name = "team-b";
  key.limits = {};
  config.keys.push_back(key);
  config::Route route;
  route.name = "chat";
  config::Target target;
  target.provider = "openai";
  target.model = "gpt-4o";
  target.limits = {.rpm = 100, .tpm = 10'000};
  route.targets.push_back(target);
  route.rules.push_back(config::RouteRule{.targets = {target}});
  route.rules.back().targets[0].limits = {.rpm = 50};
  config.routes.push_back(route);

  const auto keys = keyRateLimits(config);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].id, "team-a");
  const RateLimiter targets(targetRateLimits(config));
  const auto states = targets.snapshot(kStart);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].id, "openai/gpt-4o");
  EXPECT_EQ(states[0].limits.rpm, 50);
  EXPECT_EQ(states[0].limits.tpm, 10'000);
  EXPECT_STREQ(rateKindName(RateKind::Tokens), "tpm");
}

}  // namespace
}  // namespace switchyard::accounting
