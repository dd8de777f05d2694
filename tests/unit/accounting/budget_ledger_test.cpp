#include "accounting/budget_ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace switchyard::accounting {
namespace {

using namespace std::chrono;
using ::testing::ElementsAre;

constexpr std::int64_t kUsd = kNanoUsdPerUsd;

SystemTime at(year_month_day date, hours h = hours{0}, minutes m = minutes{0},
              seconds s = seconds{0}) {
  return SystemTime{sys_days{date}} + h + m + s;
}
const SystemTime kNoon = at(2026y / May / 14, hours{12});

config::ClientKey key(std::string name, config::BudgetLimits budget) {
  config::ClientKey key;
  key.name = std::move(name);
  key.budget = budget;
  return key;
}

// Key team-a: $10/day, $100/month; route chat: 1000 tokens/day; gateway: $50/day.
config::Config threeScopes() {
  config::Config config;
  config.keys.push_back(key("team-a", {.usd_per_day = 10, .usd_per_month = 100}));
  config.keys.push_back(key("unlimited", {}));
  config.budgets.routes["chat"] = {.tokens_per_day = 1000};
  config.budgets.gateway = {.usd_per_day = 50};
  return config;
}

const BudgetState* find(const std::vector<BudgetState>& states, const std::string& budget) {
  for (const BudgetState& state : states) {
    if (state.budget == budget) return &state;
  }
  return nullptr;
}
// spent + reserved of one budget.
std::int64_t committed(const BudgetLedger& ledger, const std::string& budget,
                       SystemTime now = kNoon) {
  const auto states = ledger.snapshot(now);
  const BudgetState* state = find(states, budget);
  EXPECT_NE(state, nullptr) << budget;
  return state ? state->spent + state->reserved : -1;
}

TEST(BudgetLedger, WithoutBudgetsNothingAppliesAndEveryRequestIsAdmittedEmptyHanded) {
  config::Config config;
  config.keys.push_back(key("team-a", {}));
  BudgetLedger ledger(config, kNoon);
  EXPECT_FALSE(ledger.any());
  EXPECT_FALSE(ledger.appliesTo("team-a", "chat"));
  ReserveResult result = ledger.reserve("team-a", "chat", 5 * kUsd, 100, kNoon);
  EXPECT_TRUE(result.admitted());
  EXPECT_FALSE(result.reservation.active());
  EXPECT_TRUE(ledger.snapshot(kNoon).empty());
}

TEST(BudgetLedger, AReservationHoldsOnEveryBudgetOfItsKeyRouteAndTheGateway) {
  BudgetLedger ledger(threeScopes(), kNoon);
  EXPECT_TRUE(ledger.any());
  EXPECT_TRUE(ledger.appliesTo("", "embed"));  // the gateway's budget applies to everyone
  ReserveResult result = ledger.reserve("team-a", "chat", 2 * kUsd, 300, kNoon);
  ASSERT_TRUE(result.admitted());
  EXPECT_EQ(result.reservation.budgets(), 4u);  // key day + month, route tokens, gateway day
  const auto states = ledger.snapshot(kNoon);
  ASSERT_EQ(states.size(), 4u);
  EXPECT_EQ(states[0].budget, "key team-a usd_per_day");
  EXPECT_EQ(states[1].budget, "key team-a usd_per_month");
  EXPECT_EQ(states[2].budget, "route chat tokens_per_day");
  EXPECT_EQ(states[3].budget, "gateway usd_per_day");
  EXPECT_EQ(states[0].reserved, 2 * kUsd);
  EXPECT_EQ(states[0].spent, 0);
  EXPECT_EQ(states[0].limit, 10 * kUsd);
  EXPECT_EQ(states[0].period, "2026-05-14");
  EXPECT_EQ(states[0].resets_at, at(2026y / May / 15));
  EXPECT_EQ(states[1].period, "2026-05");
  EXPECT_EQ(states[1].resets_at, at(2026y / June / 1));
  EXPECT_EQ(states[2].reserved, 300);
  EXPECT_EQ(states[2].unit, Unit::Tokens);
  EXPECT_EQ(states[3].reserved, 2 * kUsd);
}

TEST(BudgetLedger, KeysWithoutABudgetAndAnonymousRequestsOnlyMeetTheRouteAndGatewayBudgets) {
  BudgetLedger ledger(threeScopes(), kNoon);
  for (const char* name : {"", "unlimited", "key_0011223344556677"}) {
    ReserveResult result = ledger.reserve(name, "chat", kUsd, 10, kNoon);
    ASSERT_TRUE(result.admitted());
    EXPECT_EQ(result.reservation.budgets(), 2u) << name;
  }
  EXPECT_EQ(committed(ledger, "key team-a usd_per_day"), 0);
}

TEST(BudgetLedger, ARefusalNamesTheBudgetItsLimitWhatIsCommittedAndWhenItResets) {
  BudgetLedger ledger(threeScopes(), kNoon);
  ReserveResult first = ledger.reserve("team-a", "embed", 7 * kUsd, 0, kNoon);
  ASSERT_TRUE(first.admitted());
  ReserveResult second = ledger.reserve("team-a", "embed", 4 * kUsd, 0, kNoon);
  ASSERT_FALSE(second.admitted());
  EXPECT_FALSE(second.reservation.active());
  const Refusal& refusal = *second.refusal;
  EXPECT_EQ(refusal.budget, "key team-a usd_per_day");
  EXPECT_EQ(refusal.scope, Scope::Key);
  EXPECT_EQ(refusal.name, "team-a");
  EXPECT_EQ(refusal.window, Window::Day);
  EXPECT_EQ(refusal.unit, Unit::NanoUsd);
  EXPECT_EQ(refusal.limit, 10 * kUsd);
  EXPECT_EQ(refusal.committed, 7 * kUsd);
  EXPECT_EQ(refusal.requested, 4 * kUsd);
  EXPECT_EQ(refusal.resets_at, at(2026y / May / 15));
  // Exactly up to the limit is allowed.
  EXPECT_TRUE(ledger.reserve("team-a", "embed", 3 * kUsd, 0, kNoon).admitted());
}

TEST(BudgetLedger, WhenSeveralBudgetsRefuseTheOneThatResetsLastIsNamed) {
  config::Config config;
  config.keys.push_back(key("team-a", {.usd_per_day = 1, .usd_per_month = 1}));
  BudgetLedger ledger(config, kNoon);
  ReserveResult result = ledger.reserve("team-a", "chat", 2 * kUsd, 0, kNoon);
  ASSERT_FALSE(result.admitted());
  // Tomorrow the month budget would still refuse: the client must wait for June.
  EXPECT_EQ(result.refusal->budget, "key team-a usd_per_month");
  EXPECT_EQ(result.refusal->resets_at, at(2026y / June / 1));
}

TEST(BudgetLedger, ARefusalByALaterBudgetGivesBackWhatTheEarlierOnesTook) {
  BudgetLedger ledger(threeScopes(), kNoon);
  // The key and gateway have room for $2; the route's 1000 tokens do not fit 1001.
  ReserveResult result = ledger.reserve("team-a", "chat", 2 * kUsd, 1001, kNoon);
  ASSERT_FALSE(result.admitted());
  EXPECT_EQ(result.refusal->budget, "route chat tokens_per_day");
  for (const BudgetState& state : ledger.snapshot(kNoon)) {
    EXPECT_EQ(state.spent, 0) << state.budget;
    EXPECT_EQ(state.reserved, 0) << state.budget;
  }
}

TEST(BudgetLedger, SettleReplacesTheReservationByTheActualCost) {
  BudgetLedger ledger(threeScopes(), kNoon);
  ReserveResult result = ledger.reserve("team-a", "chat", 3 * kUsd, 500, kNoon);
  ASSERT_TRUE(result.admitted());
  ledger.settle(result.reservation, kUsd / 2, 120);
  EXPECT_FALSE(result.reservation.active());
  const auto states = ledger.snapshot(kNoon);
  EXPECT_EQ(find(states, "key team-a usd_per_day")->spent, kUsd / 2);
  EXPECT_EQ(find(states, "key team-a usd_per_day")->reserved, 0);
  EXPECT_EQ(find(states, "key team-a usd_per_month")->spent, kUsd / 2);
  EXPECT_EQ(find(states, "route chat tokens_per_day")->spent, 120);
  EXPECT_EQ(find(states, "gateway usd_per_day")->spent, kUsd / 2);
  EXPECT_EQ(ledger.overshoot().settlements, 0u);
  // Settling twice changes nothing.
  result.reservation.settle(9 * kUsd, 900);
  EXPECT_EQ(committed(ledger, "key team-a usd_per_day"), kUsd / 2);
}

TEST(BudgetLedger, ReleaseAndDestructionGiveEverythingBack) {
  BudgetLedger ledger(threeScopes(), kNoon);
  {
    ReserveResult result = ledger.reserve("team-a", "chat", 3 * kUsd, 500, kNoon);
    ASSERT_TRUE(result.admitted());
    ledger.release(result.reservation);
    EXPECT_EQ(committed(ledger, "key team-a usd_per_day"), 0);
  }
  {
    ReserveResult result = ledger.reserve("team-a", "chat", 3 * kUsd, 500, kNoon);
    EXPECT_EQ(committed(ledger, "key team-a usd_per_day"), 3 * kUsd);
    Reservation moved = std::move(result.reservation);
    EXPECT_FALSE(
        result.reservation.active());  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(committed(ledger, "key team-a usd_per_day"), 3 * kUsd);
    Reservation assigned;
    assigned = std::move(moved);
    EXPECT_EQ(committed(ledger, "key team-a usd_per_day"), 3 * kUsd);
  }  // destroyed unsettled
  for (const BudgetState& state : ledger.snapshot(kNoon)) {
    EXPECT_EQ(state.spent + state.reserved, 0) << state.budget;
  }
}

TEST(BudgetLedger, MoveAssigningOverAnActiveReservationReleasesIt) {
  BudgetLedger ledger(threeScopes(), kNoon);
  ReserveResult first = ledger.reserve("team-a", "embed", 3 * kUsd, 0, kNoon);
  ReserveResult second = ledger.reserve("team-a", "embed", 2 * kUsd, 0, kNoon);
  first.reservation = std::move(second.reservation);
  EXPECT_EQ(committed(ledger, "key team-a usd_per_day"), 2 * kUsd);
}

TEST(BudgetLedger, AnActualCostAboveTheReservationIsChargedAndCountedAsOvershoot) {
  BudgetLedger ledger(threeScopes(), kNoon);
  ReserveResult result = ledger.reserve("team-a", "chat", 9 * kUsd, 100, kNoon);
  ASSERT_TRUE(result.admitted());
  ledger.settle(result.reservation, 12 * kUsd, 150);  // the estimate was wrong
  EXPECT_EQ(committed(ledger, "key team-a usd_per_day"), 12 * kUsd);
  const Overshoot overshoot = ledger.overshoot();
  EXPECT_EQ(overshoot.settlements, 1u);
  EXPECT_EQ(overshoot.nano_usd, 3 * kUsd);
  EXPECT_EQ(overshoot.tokens, 50);
  // Past its limit, the budget refuses even a request estimated at nothing.
  ReserveResult free = ledger.reserve("team-a", "embed", 0, 0, kNoon);
  ASSERT_FALSE(free.admitted());
  EXPECT_EQ(free.refusal->budget, "key team-a usd_per_day");
}

TEST(BudgetLedger,
     ABudgetUsedExactlyUpStillAdmitsARequestEstimatedAtNothingAndChargesItsActualCost) {
  BudgetLedger ledger(threeScopes(), kNoon);
  ReserveResult full = ledger.reserve("team-a", "embed", 10 * kUsd, 0, kNoon);
  ASSERT_TRUE(full.admitted());
  ReserveResult free = ledger.reserve("team-a", "embed", 0, 0, kNoon);
  ASSERT_TRUE(free.admitted());  // an unpriced target
  EXPECT_EQ(free.reservation.budgets(), 3u);
  ledger.settle(free.reservation, 5, 0);  // it cost something after all: still recorded
  EXPECT_EQ(committed(ledger, "key team-a usd_per_day"), 10 * kUsd + 5);
  EXPECT_EQ(ledger.overshoot().settlements, 1u);
}

TEST(BudgetLedger, ADayBudgetResetsAtUtcMidnightWhileTheMonthKeepsCounting) {
  BudgetLedger ledger(threeScopes(), kNoon);
  const SystemTime evening = at(2026y / May / 14, hours{23}, minutes{59}, seconds{59});
  ReserveResult spent = ledger.reserve("team-a", "embed", 9 * kUsd, 0, evening);
  ledger.settle(spent.reservation, 9 * kUsd, 0);
  EXPECT_FALSE(ledger.reserve("team-a", "embed", 2 * kUsd, 0, evening).admitted());

  const SystemTime midnight = at(2026y / May / 15);
  ReserveResult next = ledger.reserve("team-a", "embed", 2 * kUsd, 0, midnight);
  ASSERT_TRUE(next.admitted());
  const auto states = ledger.snapshot(midnight);
  EXPECT_EQ(find(states, "key team-a usd_per_day")->period, "2026-05-15");
  EXPECT_EQ(find(states, "key team-a usd_per_day")->spent +
                find(states, "key team-a usd_per_day")->reserved,
            2 * kUsd);
  EXPECT_EQ(find(states, "key team-a usd_per_month")->spent, 9 * kUsd);
  EXPECT_EQ(find(states, "key team-a usd_per_month")->reserved, 2 * kUsd);
}

TEST(BudgetLedger, ASnapshotAfterMidnightShowsTheNewDayEmptyBeforeAnyRequest) {
  BudgetLedger ledger(threeScopes(), kNoon);
  ReserveResult spent = ledger.reserve("team-a", "embed", 4 * kUsd, 0, kNoon);
  ledger.settle(spent.reservation, 4 * kUsd, 0);
  const auto states = ledger.snapshot(at(2026y / May / 15, hours{1}));
  EXPECT_EQ(find(states, "key team-a usd_per_day")->spent, 0);
  EXPECT_EQ(find(states, "key team-a usd_per_day")->period, "2026-05-15");
  EXPECT_EQ(find(states, "key team-a usd_per_day")->resets_at, at(2026y / May / 16));
  EXPECT_EQ(find(states, "key team-a usd_per_month")->spent, 4 * kUsd);
}

TEST(BudgetLedger, MonthBudgetsResetOnTheFirstOfEachMonthWhateverItsLength) {
  config::Config config;
  config.keys.push_back(key("team-a", {.usd_per_month = 10}));
  struct Case {
    year_month_day last_day;
    year_month_day first_of_next;
  };
  const Case cases[] = {{2026y / January / 31, 2026y / February / 1},
                        {2026y / February / 28, 2026y / March / 1},
                        {2028y / February / 29, 2028y / March / 1},
                        {2026y / April / 30, 2026y / May / 1},
                        {2026y / December / 31, 2027y / January / 1}};
  for (const Case& c : cases) {
    const SystemTime before = at(c.last_day, hours{23}, minutes{59}, seconds{59});
    BudgetLedger ledger(config, before);
    ReserveResult spent = ledger.reserve("team-a", "chat", 10 * kUsd, 0, before);
    ASSERT_TRUE(spent.admitted());
    ledger.settle(spent.reservation, 10 * kUsd, 0);
    ReserveResult refused = ledger.reserve("team-a", "chat", 1, 0, before);
    ASSERT_FALSE(refused.admitted());
    EXPECT_EQ(refused.refusal->resets_at, at(c.first_of_next));
    // Up to the month's last second it refuses; its first second of the next, it admits.
    EXPECT_FALSE(
        ledger.reserve("team-a", "chat", 1, 0, at(c.first_of_next) - seconds{1}).admitted());
    EXPECT_TRUE(ledger.reserve("team-a", "chat", 1, 0, at(c.first_of_next)).admitted());
  }
}

TEST(BudgetLedger, AReservationFromBeforeMidnightSettlesAgainstItsOwnDay) {
  BudgetLedger ledger(threeScopes(), kNoon);
  const SystemTime evening = at(2026y / May / 14, hours{23}, minutes{59});
  ReserveResult late = ledger.reserve("team-a", "embed", 5 * kUsd, 0, evening);
  ASSERT_TRUE(late.admitted());
  const SystemTime morning = at(2026y / May / 15, hours{0}, minutes{1});
  ReserveResult early = ledger.reserve("team-a", "embed", 1 * kUsd, 0, morning);
  ASSERT_TRUE(early.admitted());
  ledger.settle(late.reservation, 4 * kUsd, 0);  // the answer ends on the 15th
  const auto states = ledger.snapshot(morning);
  // The 15th holds only its own request; the month holds both.
  EXPECT_EQ(find(states, "key team-a usd_per_day")->spent +
                find(states, "key team-a usd_per_day")->reserved,
            1 * kUsd);
  EXPECT_EQ(find(states, "key team-a usd_per_month")->spent, 4 * kUsd);
  EXPECT_EQ(find(states, "key team-a usd_per_month")->reserved, 1 * kUsd);
}

TEST(BudgetLedger, AClockStillBeforeMidnightReservesInTheDayTheCounterHasMovedTo) {
  BudgetLedger ledger(threeScopes(), kNoon);
  const SystemTime morning = at(2026y / May / 15);
  ReserveResult first = ledger.reserve("team-a", "embed", 6 * kUsd, 0, morning);
  ASSERT_TRUE(first.admitted());
  // Another worker read its clock a moment earlier: it must not reset the counter back.
  const SystemTime evening = morning - milliseconds{1};
  ReserveResult second = ledger.reserve("team-a", "embed", 6 * kUsd, 0, evening);
  ASSERT_FALSE(second.admitted());
  EXPECT_EQ(second.refusal->resets_at, at(2026y / May / 16));
  ReserveResult third = ledger.reserve("team-a", "embed", 3 * kUsd, 0, evening);
  ASSERT_TRUE(third.admitted());
  EXPECT_EQ(committed(ledger, "key team-a usd_per_day", morning), 9 * kUsd);
  ledger.settle(third.reservation, 2 * kUsd, 0);
  EXPECT_EQ(committed(ledger, "key team-a usd_per_day", morning), 8 * kUsd);
}

TEST(BudgetLedger, LoadAddsTheStoresSpendForTodayAndThisMonth) {
  BudgetLedger ledger(threeScopes(), kNoon);
  const std::vector<Spent> today = {
      {.scope = Scope::Key, .name = "team-a", .nano_usd = 6 * kUsd, .tokens = 10},
      {.scope = Scope::Route, .name = "chat", .nano_usd = 1, .tokens = 900},
      {.scope = Scope::Gateway, .nano_usd = 20 * kUsd, .tokens = 5000},
      {.scope = Scope::Key, .name = "someone-else", .nano_usd = 99 * kUsd}};
  const std::vector<Spent> month = {{.scope = Scope::Key, .name = "team-a", .nano_usd = 95 * kUsd},
                                    {.scope = Scope::Gateway, .nano_usd = 900 * kUsd}};
  ledger.load(today, month, kNoon);
  const auto states = ledger.snapshot(kNoon);
  EXPECT_EQ(find(states, "key team-a usd_per_day")->spent, 6 * kUsd);
  EXPECT_EQ(find(states, "key team-a usd_per_month")->spent, 95 * kUsd);
  EXPECT_EQ(find(states, "route chat tokens_per_day")->spent, 900);
  EXPECT_EQ(find(states, "gateway usd_per_day")->spent, 20 * kUsd);
  // The month budget has $5 left, the day $4.
  ReserveResult refused = ledger.reserve("team-a", "embed", 4 * kUsd + 1, 0, kNoon);
  ASSERT_FALSE(refused.admitted());
  EXPECT_EQ(refused.refusal->budget, "key team-a usd_per_day");
  EXPECT_TRUE(ledger.reserve("team-a", "embed", 4 * kUsd, 0, kNoon).admitted());
  EXPECT_FALSE(ledger.reserve("team-a", "chat", 0, 101, kNoon).admitted());
}

TEST(BudgetLedger, AReloadKeepsCountingOnTheSameCountersWithTheNewLimits) {
  config::Config config = threeScopes();
  auto old_ledger = std::make_unique<BudgetLedger>(config, kNoon);
  ReserveResult spent = old_ledger->reserve("team-a", "embed", 6 * kUsd, 0, kNoon);
  old_ledger->settle(spent.reservation, 6 * kUsd, 0);
  ReserveResult in_flight = old_ledger->reserve("team-a", "embed", 1 * kUsd, 0, kNoon);

  config.keys[0].budget.usd_per_day = 8;
  config.keys.push_back(key("team-b", {.usd_per_day = 1}));
  BudgetLedger ledger(config, kNoon, old_ledger.get());
  EXPECT_EQ(committed(ledger, "key team-a usd_per_day"), 7 * kUsd);
  EXPECT_FALSE(ledger.reserve("team-a", "embed", 2 * kUsd, 0, kNoon).admitted());  // 7 + 2 > 8
  // The old ledger's request in flight settles into the shared counter.
  old_ledger->settle(in_flight.reservation, kUsd / 2, 0);
  EXPECT_EQ(committed(ledger, "key team-a usd_per_day"), 6 * kUsd + kUsd / 2);
  EXPECT_EQ(committed(ledger, "key team-b usd_per_day"), 0);
}

TEST(BudgetLedger, AReloadThatMovesALimitBeyondTheExactRangeCarriesTheSpendOver) {
  config::Config config;
  config.budgets.gateway = {.usd_per_month = 1000};
  BudgetLedger small(config, kNoon);
  ReserveResult spent = small.reserve("", "chat", 300 * kUsd, 0, kNoon);
  small.settle(spent.reservation, 300 * kUsd, 0);
  config.budgets.gateway.usd_per_month = 1'000'000;
  BudgetLedger large(config, kNoon, &small);
  const std::int64_t carried = committed(large, "gateway usd_per_month");
  EXPECT_GE(carried, 300 * kUsd);
  EXPECT_LT(carried, 300 * kUsd + 1'000'000);  // rounded up to the new quanta
}

// Limits above 2^47 nano-USD (~$140,000) count in coarser quanta, rounding up: never over.
TEST(BudgetLedger, ALargeLimitIsNeverExceededAndOnlyRoundedUpByLessThanAMicroDollar) {
  config::Config config;
  config.budgets.gateway = {.usd_per_month = 1'000'000};
  BudgetLedger ledger(config, kNoon);
  const std::int64_t limit = 1'000'000 * kUsd;
  std::int64_t admitted = 0;
  const std::int64_t amount = 333'333 * kUsd + 7;
  std::vector<Reservation> held;
  while (true) {
    ReserveResult result = ledger.reserve("", "chat", amount, 0, kNoon);
    if (!result.admitted()) {
      EXPECT_EQ(result.refusal->limit, limit);
      EXPECT_LE(result.refusal->committed, limit);
      break;
    }
    admitted += amount;
    held.push_back(std::move(result.reservation));
  }
  EXPECT_EQ(admitted, 3 * amount);
  const std::int64_t reserved = committed(ledger, "gateway usd_per_month");
  EXPECT_GE(reserved, admitted);
  EXPECT_LE(reserved, limit);
  EXPECT_LT(reserved - admitted, 3 * 1000);  // under 1000 nano-USD a request
  for (Reservation& reservation : held) reservation.settle(1, 0);
  EXPECT_GE(committed(ledger, "gateway usd_per_month"), 3);
  EXPECT_LT(committed(ledger, "gateway usd_per_month"), 3 * 1000);
}

TEST(BudgetLedger, ScopeNamesRoundTrip) {
  for (const Scope scope : {Scope::Key, Scope::Route, Scope::Gateway}) {
    EXPECT_EQ(parseScope(scopeName(scope)), scope);
  }
  EXPECT_EQ(parseScope("keys"), std::nullopt);
  EXPECT_STREQ(windowName(Window::Month), "month");
  EXPECT_STREQ(unitName(Unit::Tokens), "tokens");
}

}  // namespace
}  // namespace switchyard::accounting
