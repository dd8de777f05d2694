// Many threads reserving at once never push a budget past its limit, at any instant.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "accounting/budget_ledger.h"

namespace switchyard::accounting {
namespace {

using namespace std::chrono;

constexpr int kThreads = 200;
constexpr std::int64_t kUsd = kNanoUsdPerUsd;
const SystemTime kNoon = SystemTime{sys_days{2026y / May / 14}} + hours{12};

// Fails the test if any budget's spent + reserved is past its limit.
void expectWithinLimits(const BudgetLedger& ledger, SystemTime now) {
  for (const BudgetState& state : ledger.snapshot(now)) {
    ASSERT_LE(state.spent + state.reserved, state.limit) << state.budget;
  }
}

// A thread that checks the limits as fast as it can until told to stop.
class Observer {
 public:
  explicit Observer(const BudgetLedger& ledger)
      : thread_([this, &ledger] {
          while (!stop_.load()) {
            for (const BudgetState& state : ledger.snapshot(kNoon)) {
              if (state.spent + state.reserved > state.limit) violations_.fetch_add(1);
            }
            checks_.fetch_add(1);
          }
        }) {}
  // Stops and returns the number of violations seen.
  int finish() {
    stop_ = true;
    thread_.join();
    EXPECT_GT(checks_.load(), 0);
    return violations_.load();
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> violations_{0};
  std::atomic<int> checks_{0};
  std::thread thread_;
};

TEST(BudgetConcurrency, TwoHundredThreadsCrossingTheLimitTogetherNeverPushItPast) {
  config::Config config;
  config::ClientKey key;
  key.name = "team-a";
  key.budget.usd_per_day = 10;  // 10^10 nano-USD: 142 reservations of 7 * 10^7 fit, 143 do not
  config.keys.push_back(key);
  BudgetLedger ledger(config, kNoon);
  constexpr std::int64_t kAmount = 70'000'000;
  constexpr std::int64_t kLimit = 10 * kUsd;

  Observer observer(ledger);
  std::latch start(kThreads);
  std::latch reserved(kThreads);
  std::vector<ReserveResult> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = ledger.reserve("team-a", "chat", kAmount, 0, kNoon);
      expectWithinLimits(ledger, kNoon);
      reserved.arrive_and_wait();  // everyone holds until all have tried
      if (results[i].admitted() && i % 2 == 0) {
        ledger.settle(results[i].reservation, kAmount / 2, 0);
      } else {
        ledger.release(results[i].reservation);
      }
      expectWithinLimits(ledger, kNoon);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(observer.finish(), 0);

  int admitted = 0;
  int settled = 0;
  for (int i = 0; i < kThreads; ++i) {
    if (results[i].admitted()) {
      ++admitted;
      settled += i % 2 == 0 ? 1 : 0;
      continue;
    }
    const Refusal& refusal = *results[i].refusal;
    EXPECT_EQ(refusal.budget, "key team-a usd_per_day");
    EXPECT_EQ(refusal.limit, kLimit);
    EXPECT_LE(refusal.committed, kLimit);
    EXPECT_GT(refusal.committed + kAmount, kLimit);
    EXPECT_EQ(refusal.resets_at, SystemTime{sys_days{2026y / May / 15}});
  }
  // Nobody released before everyone had tried, so exactly as many as fit were admitted.
  EXPECT_EQ(admitted, static_cast<int>(kLimit / kAmount));
  const BudgetState state = ledger.snapshot(kNoon).at(0);
  EXPECT_EQ(state.reserved, 0);
  EXPECT_EQ(state.spent, settled * (kAmount / 2));
  EXPECT_LE(state.spent, kLimit);
}

// Reservations on three budgets at once, with rollbacks racing settlements and releases.
TEST(BudgetConcurrency, ManyBudgetsRacingReserveSettleAndReleaseStayWithinLimitsAndAddUp) {
  config::Config config;
  config::ClientKey key;
  key.name = "team-a";
  key.budget.usd_per_day = 3;
  key.budget.tokens_per_month = 400'000;
  config.keys.push_back(key);
  config.budgets.routes["chat"] = {.usd_per_month = 2.5};
  config.budgets.gateway = {.usd_per_day = 2};
  BudgetLedger ledger(config, kNoon);

  constexpr int kRounds = 25;
  Observer observer(ledger);
  std::latch start(kThreads);
  std::atomic<std::int64_t> settled_usd{0}, settled_tokens{0};
  std::atomic<int> refusals{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      std::mt19937 random(static_cast<unsigned>(i));
      std::uniform_int_distribution<std::int64_t> usd(1, 30'000'000), tokens(1, 2000);
      start.arrive_and_wait();
      for (int round = 0; round < kRounds; ++round) {
        const std::int64_t nano = usd(random), count = tokens(random);
        ReserveResult result =
            ledger.reserve(i % 3 == 0 ? "" : "team-a", "chat", nano, count, kNoon);
        expectWithinLimits(ledger, kNoon);
        if (!result.admitted()) {
          refusals.fetch_add(1);
          continue;
        }
        switch (round % 3) {
          case 0: {
            const std::int64_t actual_usd = nano / 2, actual_tokens = count / 2;
            ledger.settle(result.reservation, actual_usd, actual_tokens);
            if (i % 3 != 0) settled_tokens.fetch_add(actual_tokens);
            settled_usd.fetch_add(actual_usd);
            break;
          }
          case 1:
            ledger.release(result.reservation);
            break;
          default:
            break;  // released by the destructor
        }
        expectWithinLimits(ledger, kNoon);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(observer.finish(), 0);
  EXPECT_GT(refusals.load(), 0);  // the budgets were contended

  for (const BudgetState& state : ledger.snapshot(kNoon)) {
    EXPECT_EQ(state.reserved, 0) << state.budget;
    EXPECT_LE(state.spent, state.limit) << state.budget;
    if (state.budget == "route chat usd_per_month" || state.budget == "gateway usd_per_day") {
      EXPECT_EQ(state.spent, settled_usd.load()) << state.budget;
    }
    if (state.budget == "key team-a tokens_per_month") {
      EXPECT_EQ(state.spent, settled_tokens.load());
    }
  }
  EXPECT_EQ(ledger.overshoot().settlements, 0u);
}

// Midnight passes while 200 threads reserve: each day's counter stays within its limit.
TEST(BudgetConcurrency, ReservationsAcrossMidnightNeverExceedEitherDaysLimit) {
  config::Config config;
  config.budgets.gateway = {.usd_per_day = 1};
  BudgetLedger ledger(config, kNoon);
  const SystemTime midnight = SystemTime{sys_days{2026y / May / 15}};
  std::latch start(kThreads);
  std::atomic<int> admitted_before{0}, admitted_after{0};
  std::vector<std::thread> threads;
  std::vector<Reservation> held(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      // Half the threads read a clock just before midnight, half just after.
      const SystemTime now = i % 2 == 0 ? midnight - milliseconds{1} : midnight;
      ReserveResult result = ledger.reserve("", "chat", 10'000'000, 0, now);
      if (result.admitted()) {
        (now < midnight ? admitted_before : admitted_after).fetch_add(1);
        held[i] = std::move(result.reservation);
      }
      expectWithinLimits(ledger, midnight);
    });
  }
  for (auto& thread : threads) thread.join();
  // At most 100 fit in a day; whatever was reserved on the 14th was then left behind.
  EXPECT_LE(admitted_before.load(), 100);
  EXPECT_LE(admitted_after.load(), 100);
  const BudgetState state = ledger.snapshot(midnight).at(0);
  EXPECT_EQ(state.period, "2026-05-15");
  EXPECT_LE(state.reserved, kUsd);
  held.clear();
  EXPECT_EQ(ledger.snapshot(midnight).at(0).reserved, 0);
}

}  // namespace
}  // namespace switchyard::accounting
