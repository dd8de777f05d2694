#include "resilience/retry_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace switchyard::resilience {
namespace {

using namespace std::chrono_literals;

const SteadyTime kStart = SteadyTime{} + 1000s;

RetryBudgetConfig config(double ratio, int min_per_second) {
  return RetryBudgetConfig{ratio, min_per_second, Millis(10000)};
}

int acquireAll(RetryBudget& budget, SteadyTime now, int attempts) {
  int granted = 0;
  for (int i = 0; i < attempts; ++i) granted += budget.tryAcquire(now) ? 1 : 0;
  return granted;
}

TEST(RetryBudget, MinimumAllowsRetriesWithoutTraffic) {
  RetryBudget budget(config(0.2, 3));
  EXPECT_EQ(acquireAll(budget, kStart, 100), 30) << "3 per second over a 10 s window";
  EXPECT_EQ(budget.retries(kStart), 30u);
  EXPECT_EQ(budget.primaries(kStart), 0u);
}

TEST(RetryBudget, RatioOfPrimariesCapsRetriesUnderLoad) {
  RetryBudget budget(config(0.2, 1));
  for (int i = 0; i < 1000; ++i) budget.recordPrimary(kStart);
  EXPECT_EQ(acquireAll(budget, kStart, 1000), 200);
  EXPECT_FALSE(budget.tryAcquire(kStart));
  // More primaries make room again.
  for (int i = 0; i < 10; ++i) budget.recordPrimary(kStart);
  EXPECT_EQ(acquireAll(budget, kStart, 10), 2);
}

TEST(RetryBudget, TheLargerOfMinimumAndRatioApplies) {
  RetryBudget budget(config(0.2, 5));
  for (int i = 0; i < 100; ++i) budget.recordPrimary(kStart);  // ratio: 20, minimum: 50
  EXPECT_EQ(acquireAll(budget, kStart, 100), 50);
}

TEST(RetryBudget, WindowExpiryForgetsOldPrimariesAndRetries) {
  RetryBudget budget(config(0.5, 0));
  for (int i = 0; i < 100; ++i) budget.recordPrimary(kStart);
  EXPECT_EQ(acquireAll(budget, kStart + 2s, 100), 50);
  EXPECT_EQ(budget.primaries(kStart + 9999ms), 100u);
  EXPECT_EQ(budget.retries(kStart + 9999ms), 50u);
  // The primaries' second has left the window; the retries' has not yet.
  EXPECT_EQ(budget.primaries(kStart + 10s), 0u);
  EXPECT_EQ(budget.retries(kStart + 10s), 50u);
  EXPECT_FALSE(budget.tryAcquire(kStart + 10s)) << "no primaries in the window, no minimum";
  EXPECT_EQ(budget.retries(kStart + 12s), 0u);
  // A bucket reused after the ring came round starts from zero.
  for (int i = 0; i < 10; ++i) budget.recordPrimary(kStart + 20s);
  EXPECT_EQ(budget.primaries(kStart + 20s), 10u);
  EXPECT_EQ(acquireAll(budget, kStart + 20s, 10), 5);
}

TEST(RetryBudget, ASlidingWindowCountsEverySecondInIt) {
  RetryBudget budget(config(1.0, 0));
  for (int second = 0; second < 10; ++second) budget.recordPrimary(kStart + std::chrono::seconds(second));
  EXPECT_EQ(budget.primaries(kStart + 9s), 10u);
  EXPECT_EQ(budget.primaries(kStart + 14s), 5u);
  EXPECT_EQ(acquireAll(budget, kStart + 14s, 10), 5);
}

TEST(RetryBudget, ConcurrentWorkersNeverOverspendTheBudget) {
  RetryBudget budget(config(0.1, 0));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  // Phase 1: primaries and retries interleaved on every worker.
  std::atomic<int> granted{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        budget.recordPrimary(kStart);
        if (budget.tryAcquire(kStart)) granted.fetch_add(1);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(budget.primaries(kStart), std::uint64_t{kThreads * kPerThread});
  EXPECT_EQ(budget.retries(kStart), static_cast<std::uint64_t>(granted.load()));
  EXPECT_LE(granted.load(), kThreads * kPerThread / 10);

  // Phase 2: everyone competes for what is left; exactly the budget is handed out.
  workers.clear();
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        if (budget.tryAcquire(kStart)) granted.fetch_add(1);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(granted.load(), kThreads * kPerThread / 10);
  EXPECT_EQ(budget.retries(kStart), static_cast<std::uint64_t>(kThreads * kPerThread / 10));
}

TEST(RetryBudget, LockFreePrimariesFromManyThreadsAreExactAcrossSeconds) {
  RetryBudget budget(config(0.1, 0));
  constexpr int kThreads = 8;
  constexpr int kPerThread = 4000;
  std::atomic<int> ready{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      // 1,000 per second for four seconds, on every thread.
      for (int i = 0; i < kPerThread; ++i) budget.recordPrimary(kStart + Millis(i));
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(budget.primaries(kStart + 3999ms), std::uint64_t{kThreads * kPerThread});
  EXPECT_EQ(budget.primaries(kStart + 11s), std::uint64_t{kThreads * 2000}) << "seconds 0 and 1 have left";
  EXPECT_EQ(budget.primaries(kStart + 12s), std::uint64_t{kThreads * 1000});
  EXPECT_EQ(budget.primaries(kStart + 13s), 0u);
}

TEST(RetryBudget, RetriesRacingPrimariesNeverExceedTheBudget) {
  RetryBudget budget(config(0.2, 0));
  constexpr int kThreads = 8;
  constexpr int kPerThread = 3000;
  std::atomic<int> granted{0};
  std::atomic<int> ready{0};
  std::atomic<bool> over{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      for (int i = 0; i < kPerThread; ++i) {
        if (t % 2 == 0) {
          budget.recordPrimary(kStart);
        } else if (budget.tryAcquire(kStart)) {
          granted.fetch_add(1);
          // What was granted so far never exceeds the ratio of the primaries counted so far.
          if (static_cast<double>(budget.retries(kStart)) > 0.2 * static_cast<double>(budget.primaries(kStart)) + 1e-9) {
            over.store(true);
          }
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_FALSE(over.load());
  EXPECT_EQ(budget.primaries(kStart), std::uint64_t{kThreads / 2 * kPerThread});
  EXPECT_EQ(budget.retries(kStart), static_cast<std::uint64_t>(granted.load()));
  EXPECT_LE(granted.load(), kThreads / 2 * kPerThread / 5);
}

}  // namespace
}  // namespace switchyard::resilience
