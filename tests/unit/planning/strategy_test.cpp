// Strategies (routing/strategy.h) and max_cost_ratio, through planTargets: each orders only what
// the planner keeps (breakers, down domains, brownout, data classes).
#include "routing/planner.h"
#include "routing/strategy.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

namespace switchyard::routing {
namespace {

using namespace std::chrono_literals;
using resilience::BreakerState;
using Order = std::vector<std::size_t>;

const SteadyTime kNow = SteadyTime{} + 1000s;

// One target per provider (p0, p1, ...) unless told otherwise, its slot its position.
struct Targets {
  std::vector<std::string> names;
  std::vector<TargetView> views;

  explicit Targets(std::size_t count) {
    names.reserve(count);
    for (std::size_t i = 0; i < count; ++i) names.push_back("p" + std::to_string(i));
    for (std::size_t i = 0; i < count; ++i) {
      TargetView view;
      view.provider = names[i];
      view.slot = i;
      views.push_back(view);
    }
  }
  Targets& prices(std::initializer_list<double> values) {
    std::size_t i = 0;
    for (double value : values) {
      views[i].price_known = value >= 0;  // negative: unpriced
      views[i].price = value >= 0 ? value : 0;
      ++i;
    }
    return *this;
  }
  Targets& ttft(std::initializer_list<double> values) {
    std::size_t i = 0;
    for (double value : values) views[i++].ttft_ewma_ms = value;
    return *this;
  }
  Targets& total(std::initializer_list<double> values) {
    std::size_t i = 0;
    for (double value : values) views[i++].total_ewma_ms = value;
    return *this;
  }
  Targets& weights(std::initializer_list<int> values) {
    std::size_t i = 0;
    for (int value : values) views[i++].weight = value;
    return *this;
  }
  Targets& open(std::size_t index) {
    views[index].breaker = BreakerState::Open;
    views[index].reopens_at = kNow + 10s;
    return *this;
  }
  // Measured first-token averages with enough samples for brownout to judge.
  Targets& measured(std::initializer_list<double> values) {
    std::size_t i = 0;
    for (double value : values) {
      views[i].ttft_ewma_ms = value;
      views[i].samples = 50;
      ++i;
    }
    return *this;
  }
};

PlanPolicy policyOf(Strategy strategy, double max_cost_ratio = 0) {
  PlanPolicy policy;
  policy.strategy = strategy;
  policy.max_cost_ratio = max_cost_ratio;
  return policy;
}

PlanResult planWith(const Targets& targets, const PlanPolicy& policy, StrategyState* state = nullptr,
                    bool stream = false, const std::vector<bool>* allowed = nullptr) {
  PlanInputs inputs;
  inputs.state = state;
  inputs.stream = stream;
  inputs.allowed = allowed;
  return planTargets(targets.views, targets.views, policy, kNow, inputs);
}

Order orderOf(const Targets& targets, const PlanPolicy& policy, StrategyState* state = nullptr, bool stream = false) {
  return planWith(targets, policy, state, stream).order;
}

// --- names ---

TEST(StrategyNames, ParseAndNameRoundTrip) {
  for (const Strategy strategy : {Strategy::Fallback, Strategy::Cheapest, Strategy::Fastest, Strategy::Weighted}) {
    EXPECT_EQ(parseStrategy(strategyName(strategy)), strategy);
  }
  EXPECT_FALSE(parseStrategy("random").has_value());
  EXPECT_FALSE(parseStrategy("").has_value());
}

// --- fallback ---

TEST(Fallback, KeepsRouteOrderWhateverThePricesAndLatencies) {
  Targets targets(3);
  targets.prices({9, 1, 5}).ttft({900, 10, 50}).total({900, 10, 50}).weights({1, 9, 5});
  StrategyState state(1);
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Fallback), &state), (Order{0, 1, 2}));
  EXPECT_EQ(planOrder(targets.views, targets.views, policyOf(Strategy::Fallback), kNow), (Order{0, 1, 2}));
}

// --- cheapest ---

TEST(Cheapest, LowestComparablePriceFirst) {
  Targets targets(3);
  targets.prices({12.5, 0.75, 2.0});
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Cheapest)), (Order{1, 2, 0}));
}

TEST(Cheapest, TiesGoToTheLowerFirstTokenAverageThenRouteOrder) {
  Targets targets(4);
  targets.prices({1, 1, 1, 0.5}).ttft({300, 100, 300, 900});
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Cheapest)), (Order{3, 1, 0, 2}));
}

TEST(Cheapest, UnmeasuredTargetWinsATieSinceUnknownLatencyCountsAsZero) {
  Targets targets(2);
  targets.prices({1, 1}).ttft({250, 0});
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Cheapest)), (Order{1, 0}));
}

TEST(Cheapest, UnpricedTargetsFollowThePricedOnesAndALocalZeroPriceLeads) {
  Targets targets(4);
  targets.prices({-1, 3, 0, -1});  // p0 and p3 unpriced, p2 a local server (0, known)
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Cheapest)), (Order{2, 1, 0, 3}));
}

TEST(Cheapest, SkipsOpenBreakersAndDemotesBrownoutBehindHealthyTargets) {
  Targets targets(4);
  // p0 is cheapest but open; p1 is next cheapest but in brownout (5000 ms against ~100 ms).
  targets.prices({0.1, 0.2, 5, 3}).measured({100, 5000, 100, 120}).open(0);
  const PlanResult plan = planWith(targets, policyOf(Strategy::Cheapest));
  EXPECT_EQ(plan.order, (Order{3, 2, 1}));
}

// --- fastest ---

TEST(Fastest, OfTwoTargetsTheFasterIsAlwaysFirst) {
  Targets targets(2);
  targets.total({200, 100});
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    StrategyState state(seed);
    EXPECT_EQ(orderOf(targets, policyOf(Strategy::Fastest), &state), (Order{1, 0})) << "seed " << seed;
  }
}

TEST(Fastest, PowerOfTwoChoicesNeverPutsTheSlowestFirstAndFavoursTheFastest) {
  Targets targets(3);
  targets.total({100, 200, 300});
  StrategyState state(42);
  std::map<std::size_t, int> first;
  for (int i = 0; i < 3000; ++i) {
    const Order order = orderOf(targets, policyOf(Strategy::Fastest), &state);
    ASSERT_EQ(order.size(), 3U);
    ++first[order[0]];
    // The rest follow by latency.
    if (order[0] == 0) {
      EXPECT_EQ(order, (Order{0, 1, 2}));
    } else {
      EXPECT_EQ(order, (Order{1, 0, 2}));
    }
  }
  EXPECT_EQ(first[2], 0);
  // The fastest wins every pair it is in (2 of 3 pairs), the middle one the pair without it.
  EXPECT_NEAR(first[0], 2000, 150);
  EXPECT_NEAR(first[1], 1000, 150);
}

TEST(Fastest, TheSameSeedGivesTheSameSequence) {
  Targets targets(4);
  targets.total({100, 100, 100, 100});
  StrategyState a(7);
  StrategyState b(7);
  std::vector<Order> first;
  std::vector<Order> second;
  for (int i = 0; i < 20; ++i) first.push_back(orderOf(targets, policyOf(Strategy::Fastest), &a));
  for (int i = 0; i < 20; ++i) second.push_back(orderOf(targets, policyOf(Strategy::Fastest), &b));
  EXPECT_EQ(first, second);
}

TEST(Fastest, AnUnmeasuredTargetWinsEveryPairItIsIn) {
  Targets targets(3);
  targets.total({100, 150, 0});  // p2 is new
  StrategyState state(3);
  int new_first = 0;
  for (int i = 0; i < 300; ++i) {
    const Order order = orderOf(targets, policyOf(Strategy::Fastest), &state);
    if (order[0] == 2) ++new_first;
    EXPECT_NE(order[0], 1U);  // without p2 in the pair, p0 (100 ms) wins
  }
  EXPECT_NEAR(new_first, 200, 40);
}

TEST(Fastest, EqualLatenciesTakeTurnsRatherThanTheRouteFirstWinningEveryTie) {
  Targets targets(3);  // nothing measured
  StrategyState state(11);
  std::map<std::size_t, int> first;
  for (int i = 0; i < 300; ++i) ++first[orderOf(targets, policyOf(Strategy::Fastest), &state)[0]];
  EXPECT_GT(first[0], 50);
  EXPECT_GT(first[1], 50);
  EXPECT_GT(first[2], 50);
}

TEST(Fastest, StreamsCompareFirstTokenAndOtherRequestsTheWholeAnswer) {
  Targets targets(2);
  targets.ttft({100, 300}).total({900, 400});
  StrategyState state(5);
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Fastest), &state, /*stream=*/true), (Order{0, 1}));
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Fastest), &state, /*stream=*/false), (Order{1, 0}));
}

TEST(Fastest, WithoutAStateOrdersByLatencyAlone) {
  Targets targets(3);
  targets.total({300, 100, 200});
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Fastest)), (Order{1, 2, 0}));
}

TEST(Fastest, PicksOnlyAmongHealthyTargetsAndKeepsBrownoutBehind) {
  Targets targets(4);
  // p0 open, p3 in brownout by first token; non-stream totals say p0 and p3 would be fastest.
  targets.measured({100, 120, 110, 4000}).total({10, 500, 600, 20}).open(0);
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    StrategyState state(seed);
    const Order order = orderOf(targets, policyOf(Strategy::Fastest), &state);
    EXPECT_EQ(order, (Order{1, 2, 3})) << "seed " << seed;
  }
}

// --- weighted ---

std::string sequence(Targets& targets, StrategyState& state, int turns, const PlanPolicy& policy) {
  std::string letters;
  for (int i = 0; i < turns; ++i) letters += static_cast<char>('a' + orderOf(targets, policy, &state)[0]);
  return letters;
}

TEST(Weighted, SmoothRoundRobinInterleavesAsNginxDoes) {
  Targets targets(3);
  targets.weights({5, 1, 1});
  StrategyState state(0);
  EXPECT_EQ(sequence(targets, state, 14, policyOf(Strategy::Weighted)), "aabacaaaabacaa");
}

TEST(Weighted, TheRestFollowByWeight) {
  Targets targets(3);
  targets.weights({1, 3, 2});
  StrategyState state(0);
  // Turns: b (3), c (2), a... the first of each plan is the turn, then by weight.
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Weighted), &state), (Order{1, 2, 0}));
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Weighted), &state), (Order{2, 1, 0}));
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Weighted), &state), (Order{0, 1, 2}));
}

TEST(Weighted, AnOpenTargetIsLeftOutOfTheRotation) {
  Targets targets(3);
  targets.weights({5, 1, 1}).open(0);
  StrategyState state(0);
  EXPECT_EQ(sequence(targets, state, 6, policyOf(Strategy::Weighted)), "bcbcbc");
}

TEST(Weighted, ABrownoutTargetNeverTakesTheFirstPlaceWhileAHealthyOneIsLeft) {
  Targets targets(3);
  targets.weights({10, 1, 1}).measured({5000, 100, 120});
  StrategyState state(0);
  for (int i = 0; i < 12; ++i) {
    const Order order = orderOf(targets, policyOf(Strategy::Weighted), &state);
    EXPECT_NE(order[0], 0U);
    EXPECT_EQ(order.back(), 0U);
  }
}

TEST(Weighted, RoutesSharingAStateKeepTheirOwnTurnsBySlot) {
  Targets first(2);
  first.weights({2, 1});
  Targets second(2);
  second.weights({1, 1});
  second.views[0].slot = 2;
  second.views[1].slot = 3;
  StrategyState state(0);
  std::string a;
  std::string b;
  for (int i = 0; i < 6; ++i) {
    a += static_cast<char>('a' + orderOf(first, policyOf(Strategy::Weighted), &state)[0]);
    b += static_cast<char>('a' + orderOf(second, policyOf(Strategy::Weighted), &state)[0]);
  }
  EXPECT_EQ(a, "abaaba");
  EXPECT_EQ(b, "ababab");
}

TEST(Weighted, BindingAnotherTableForgetsTheTurns) {
  Targets targets(2);
  targets.weights({1, 1});
  StrategyState state(0);
  const int table_a = 0;
  const int table_b = 0;
  state.bind(&table_a);
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Weighted), &state)[0], 0U);
  state.bind(&table_a);
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Weighted), &state)[0], 1U);
  state.bind(&table_b);
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Weighted), &state)[0], 0U);
}

TEST(Weighted, WithoutAStateOrdersByWeight) {
  Targets targets(3);
  targets.weights({1, 3, 2});
  EXPECT_EQ(orderOf(targets, policyOf(Strategy::Weighted)), (Order{1, 2, 0}));
}

// --- max_cost_ratio ---

TEST(MaxCostRatio, DropsTargetsPricedAboveRatioTimesTheFirstButNeverUnpricedOnes) {
  Targets targets(5);
  targets.prices({1, 2.5, 3.5, -1, 3});  // p3 unpriced; p4 exactly at the ceiling
  const PlanResult plan = planWith(targets, policyOf(Strategy::Fallback, 3));
  EXPECT_EQ(plan.order, (Order{0, 1, 3, 4}));
  EXPECT_EQ(plan.priced_out, (Order{2}));
}

TEST(MaxCostRatio, AFirstTargetWithPriceZeroOrNoKnownPriceMeansNoLimit) {
  Targets free_first(2);
  free_first.prices({0, 75});
  EXPECT_EQ(planWith(free_first, policyOf(Strategy::Fallback, 2)).order, (Order{0, 1}));
  Targets unpriced_first(2);
  unpriced_first.prices({-1, 75});
  EXPECT_EQ(planWith(unpriced_first, policyOf(Strategy::Fallback, 2)).order, (Order{0, 1}));
}

TEST(MaxCostRatio, ZeroRatioIsOff) {
  Targets targets(2);
  targets.prices({0.1, 90});
  EXPECT_EQ(planWith(targets, policyOf(Strategy::Fallback, 0)).order, (Order{0, 1}));
}

TEST(MaxCostRatio, TheReferenceIsThePlansFirstTargetAfterTheStrategy) {
  Targets targets(3);
  targets.prices({10, 1, 2.5});
  // cheapest puts p1 (1) first: p0 (10) is more than 3 x 1.
  const PlanResult cheapest = planWith(targets, policyOf(Strategy::Cheapest, 3));
  EXPECT_EQ(cheapest.order, (Order{1, 2}));
  EXPECT_EQ(cheapest.priced_out, (Order{0}));
  // fallback with p0 first: nothing is above 3 x 10.
  EXPECT_EQ(planWith(targets, policyOf(Strategy::Fallback, 3)).order, (Order{0, 1, 2}));
  // ... and with p0 open, p1 is first and the reference.
  targets.open(0);
  const PlanResult failover = planWith(targets, policyOf(Strategy::Fallback, 2));
  EXPECT_EQ(failover.order, (Order{1}));
  EXPECT_EQ(failover.priced_out, (Order{2}));
}

TEST(MaxCostRatio, TheForcedAttemptIsNeverPricedOut) {
  Targets targets(2);
  targets.prices({1, 100}).open(0).open(1);
  targets.views[1].reopens_at = kNow + 1s;  // p1 is back first
  const PlanResult plan = planWith(targets, policyOf(Strategy::Cheapest, 2));
  EXPECT_EQ(plan.order, (Order{1}));
  EXPECT_TRUE(plan.priced_out.empty());
}

// --- data classes ---

TEST(DataClasses, EveryStrategyPlansOnlyTheAllowedTargets) {
  Targets targets(4);
  targets.prices({0.1, 5, 1, 2}).total({1, 50, 40, 30}).weights({9, 1, 1, 1});
  const std::vector<bool> allowed{false, true, true, false};
  for (const Strategy strategy : {Strategy::Fallback, Strategy::Cheapest, Strategy::Fastest, Strategy::Weighted}) {
    StrategyState state(9);
    for (int i = 0; i < 10; ++i) {
      const PlanResult plan = planWith(targets, policyOf(strategy, 3), &state, false, &allowed);
      EXPECT_EQ(plan.excluded, (Order{0, 3})) << strategyName(strategy);
      ASSERT_FALSE(plan.order.empty());
      for (const std::size_t index : plan.order) EXPECT_TRUE(allowed[index]) << strategyName(strategy);
      for (const std::size_t index : plan.priced_out) EXPECT_TRUE(allowed[index]) << strategyName(strategy);
    }
  }
  // The cheapest allowed target leads, and the ratio is taken from it.
  const PlanResult cheapest = planWith(targets, policyOf(Strategy::Cheapest, 3), nullptr, false, &allowed);
  EXPECT_EQ(cheapest.order, (Order{2}));
  EXPECT_EQ(cheapest.priced_out, (Order{1}));
}

TEST(DataClasses, TheForcedAttemptIsAnAllowedTarget) {
  Targets targets(3);
  targets.prices({0.1, 1, 2}).open(1).open(2);
  targets.views[0].reopens_at = kNow + 10s;
  const std::vector<bool> allowed{false, true, true};
  const PlanResult plan = planWith(targets, policyOf(Strategy::Cheapest), nullptr, false, &allowed);
  ASSERT_EQ(plan.order.size(), 1U);
  EXPECT_NE(plan.order[0], 0U);
}

TEST(DataClasses, NoAllowedTargetGivesAnEmptyPlan) {
  Targets targets(2);
  const std::vector<bool> allowed{false, false};
  const PlanResult plan = planWith(targets, policyOf(Strategy::Weighted), nullptr, false, &allowed);
  EXPECT_TRUE(plan.order.empty());
  EXPECT_EQ(plan.excluded, (Order{0, 1}));
}

// --- down domains ---

TEST(DownDomains, NoStrategyBringsBackATargetInADownDomain) {
  // p0's provider has two other targets open (a provider-wide outage): p0 is out as well.
  std::vector<std::string> names{"acme", "acme", "acme", "other"};
  std::vector<TargetView> all(4);
  for (std::size_t i = 0; i < 4; ++i) {
    all[i].provider = names[i];
    all[i].slot = i;
  }
  all[1].breaker = BreakerState::Open;
  all[1].reopens_at = kNow + 10s;
  all[2].breaker = BreakerState::Open;
  all[2].reopens_at = kNow + 10s;
  std::vector<TargetView> route{all[0], all[3]};
  route[0].price = 0.1;
  route[0].price_known = true;
  route[0].weight = 100;
  route[1].price = 10;
  route[1].price_known = true;
  for (const Strategy strategy : {Strategy::Fallback, Strategy::Cheapest, Strategy::Fastest, Strategy::Weighted}) {
    StrategyState state(1);
    PlanInputs inputs;
    inputs.state = &state;
    EXPECT_EQ(planTargets(route, all, policyOf(strategy), kNow, inputs).order, (Order{1})) << strategyName(strategy);
  }
}

}  // namespace
}  // namespace switchyard::routing
