// Quota demotion (TargetView::near_quota): a target whose provider says it is nearly out of quota is
// planned after every other admissible target, brownout ones included, whatever the strategy; it is
// demoted, never dropped, and an open breaker still takes precedence.
#include "routing/planner.h"
#include "routing/strategy.h"

#include <string>

#include <gtest/gtest.h>

namespace switchyard::routing {
namespace {

using namespace std::chrono_literals;
using Order = std::vector<std::size_t>;

const SteadyTime kNow = SteadyTime{} + 1000s;

std::vector<TargetView> targets(std::size_t count, std::vector<std::string>& names) {
  names.clear();
  for (std::size_t i = 0; i < count; ++i) names.push_back("p" + std::to_string(i));
  std::vector<TargetView> views;
  for (std::size_t i = 0; i < count; ++i) {
    TargetView view;
    view.provider = names[i];
    view.slot = i;
    views.push_back(view);
  }
  return views;
}

Order orderOf(const std::vector<TargetView>& views, Strategy strategy, StrategyState* state = nullptr) {
  PlanPolicy policy;
  policy.strategy = strategy;
  PlanInputs inputs;
  inputs.state = state;
  return planTargets(views, views, policy, kNow, inputs).order;
}

TEST(QuotaDemotion, ANearQuotaTargetGoesLastButStaysInThePlan) {
  std::vector<std::string> names;
  auto views = targets(3, names);
  views[0].near_quota = true;
  EXPECT_EQ(orderOf(views, Strategy::Fallback), (Order{1, 2, 0}));
}

TEST(QuotaDemotion, SeveralNearQuotaTargetsKeepTheStrategysOrderAmongThemselves) {
  std::vector<std::string> names;
  auto views = targets(4, names);
  views[0].near_quota = true;
  views[2].near_quota = true;
  EXPECT_EQ(orderOf(views, Strategy::Fallback), (Order{1, 3, 0, 2}));
  views[0].price_known = views[1].price_known = views[2].price_known = views[3].price_known = true;
  views[0].price = 9;
  views[1].price = 5;
  views[2].price = 1;
  views[3].price = 7;
  EXPECT_EQ(orderOf(views, Strategy::Cheapest), (Order{1, 3, 2, 0}));
}

TEST(QuotaDemotion, EveryTargetNearQuotaIsPlannedAsIfNoneWere) {
  std::vector<std::string> names;
  auto views = targets(3, names);
  for (auto& view : views) view.near_quota = true;
  EXPECT_EQ(orderOf(views, Strategy::Fallback), (Order{0, 1, 2}));
}

TEST(QuotaDemotion, ANearQuotaTargetGoesAfterABrownoutOne) {
  std::vector<std::string> names;
  auto views = targets(4, names);
  // p1 in brownout (5000 ms against ~100 ms); p0 near quota.
  const double ttft[] = {100, 5000, 110, 120};
  for (std::size_t i = 0; i < views.size(); ++i) {
    views[i].ttft_ewma_ms = ttft[i];
    views[i].samples = 50;
  }
  views[0].near_quota = true;
  EXPECT_EQ(orderOf(views, Strategy::Fallback), (Order{2, 3, 1, 0}));
}

TEST(QuotaDemotion, AnOpenBreakerStillLeavesTheTargetOut) {
  std::vector<std::string> names;
  auto views = targets(3, names);
  views[1].breaker = resilience::BreakerState::Open;
  views[1].reopens_at = kNow + 10s;
  views[0].near_quota = true;
  EXPECT_EQ(orderOf(views, Strategy::Fallback), (Order{2, 0}));
}

TEST(QuotaDemotion, TheCheapestTargetNearQuotaGivesWayToADearerOne) {
  std::vector<std::string> names;
  auto views = targets(2, names);
  views[0].price_known = views[1].price_known = true;
  views[0].price = 1;
  views[1].price = 10;
  views[0].near_quota = true;
  EXPECT_EQ(orderOf(views, Strategy::Cheapest), (Order{1, 0}));
}

TEST(QuotaDemotion, FastestNeverPicksANearQuotaTargetWhileAnotherIsLeft) {
  std::vector<std::string> names;
  auto views = targets(3, names);
  views[0].total_ewma_ms = 10;  // by far the fastest
  views[1].total_ewma_ms = 500;
  views[2].total_ewma_ms = 600;
  views[0].near_quota = true;
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    StrategyState state(seed);
    const Order order = orderOf(views, Strategy::Fastest, &state);
    ASSERT_EQ(order.size(), 3U);
    EXPECT_NE(order[0], 0U) << "seed " << seed;
    EXPECT_EQ(order[2], 0U) << "seed " << seed;
  }
}

TEST(QuotaDemotion, WeightedRotatesAmongTheOthersAndKeepsTheNearQuotaTargetLast) {
  std::vector<std::string> names;
  auto views = targets(3, names);
  views[0].weight = 10;
  views[0].near_quota = true;
  StrategyState state(0);
  std::string firsts;
  for (int i = 0; i < 4; ++i) {
    const Order order = orderOf(views, Strategy::Weighted, &state);
    EXPECT_EQ(order.back(), 0U);
    firsts += static_cast<char>('a' + order[0]);
  }
  EXPECT_EQ(firsts, "bcbc");
}

}  // namespace
}  // namespace switchyard::routing
