#include "routing/planner.h"

#include <gtest/gtest.h>

namespace switchyard::routing {
namespace {

using namespace std::chrono_literals;
using resilience::BreakerState;
using Order = std::vector<std::size_t>;

const SteadyTime kNow = SteadyTime{} + 1000s;

TargetView target(std::string_view provider, std::string_view cloud = "", std::string_view region = "") {
  TargetView view;
  view.provider = provider;
  view.cloud = cloud;
  view.region = region;
  return view;
}

TargetView open(TargetView view, SteadyTime reopens_at = kNow + 10s) {
  view.breaker = BreakerState::Open;
  view.reopens_at = reopens_at;
  return view;
}

TargetView halfOpen(TargetView view) {
  view.breaker = BreakerState::HalfOpen;
  return view;
}

TargetView measuredAt(TargetView view, double ttft_ms, std::uint64_t samples = 50) {
  view.ttft_ewma_ms = ttft_ms;
  view.samples = samples;
  return view;
}

TargetView withWindow(TargetView view, std::int64_t window) {
  view.context_window = window;
  return view;
}

PlanPolicy policy(Diversity diversity = Diversity::None) {
  PlanPolicy plan;
  plan.diversity = diversity;
  return plan;
}

Order plan(const std::vector<TargetView>& targets, const std::vector<TargetView>& all = {},
           const PlanPolicy& plan_policy = policy()) {
  return planOrder(targets, all.empty() ? targets : all, plan_policy, kNow);
}

// --- domainOf ---

TEST(DomainOf, EachDiversityPicksItsLabelAndNoneHasNoDomain) {
  const TargetView view = target("openai", "azure", "eastus");
  EXPECT_EQ(domainOf(view, Diversity::None), "");
  EXPECT_EQ(domainOf(view, Diversity::Provider), "openai");
  EXPECT_EQ(domainOf(view, Diversity::Cloud), "azure");
  EXPECT_EQ(domainOf(view, Diversity::Region), "eastus");
}

TEST(DomainOf, UnlabelledProviderIsItsOwnDomain) {
  const TargetView view = target("anthropic");
  EXPECT_EQ(domainOf(view, Diversity::Cloud), "anthropic");
  EXPECT_EQ(domainOf(view, Diversity::Region), "anthropic");
}

// --- inDownDomain ---

TEST(InDownDomain, ProviderWithEveryTargetOpenIsDownEvenWithoutDiversity) {
  const std::vector<TargetView> all{open(target("a")), open(target("a")), target("b")};
  EXPECT_EQ(inDownDomain(all, all, Diversity::None), (std::vector<bool>{true, true, false}));
}

TEST(InDownDomain, MostTargetsOpenTakeTheWholeDomainDown) {
  // Two of three open: the third, whose breaker has not tripped yet, goes down with them.
  const std::vector<TargetView> all{open(target("a")), target("a"), open(target("a"))};
  EXPECT_EQ(inDownDomain(all, all, Diversity::Provider), (std::vector<bool>{true, true, true}));
}

TEST(InDownDomain, ASingleOpenTargetKeepsItsDomainUp) {
  const std::vector<TargetView> all{open(target("a")), target("a"), target("a")};
  EXPECT_EQ(inDownDomain(all, all, Diversity::Provider), (std::vector<bool>{false, false, false}));
}

TEST(InDownDomain, TwoOpenOfFiveIsNotYetDomainWide) {
  const std::vector<TargetView> all{open(target("a")), open(target("a")), target("a"), target("a"), target("a")};
  EXPECT_EQ(inDownDomain(all, all, Diversity::Provider), (std::vector<bool>(5, false)));
}

TEST(InDownDomain, HalfOpenTargetKeepsTheDomainUp) {
  const std::vector<TargetView> all{open(target("a")), halfOpen(target("a"))};
  EXPECT_EQ(inDownDomain(all, all, Diversity::Provider), (std::vector<bool>{false, false}));
}

TEST(InDownDomain, SingleKnownTargetIsNeverADownDomain) {
  const std::vector<TargetView> all{open(target("a")), target("b")};
  EXPECT_EQ(inDownDomain(all, all, Diversity::Provider), (std::vector<bool>{false, false}));
}

TEST(InDownDomain, OutageSeenOnOtherRoutesMarksThisRoutesTarget) {
  // The route has one target in region r1; two targets of other routes in r1 are open too.
  const std::vector<TargetView> route{open(target("a", "aws", "r1")), target("b", "gcp", "r2")};
  const std::vector<TargetView> all{route[0], route[1], open(target("c", "aws", "r1")),
                                    open(target("d", "aws", "r1"))};
  EXPECT_EQ(inDownDomain(route, all, Diversity::Region), (std::vector<bool>{true, false}));
}

TEST(InDownDomain, CloudDomainGroupsProvidersByCloudLabel) {
  const std::vector<TargetView> all{open(target("bedrock", "aws")), open(target("sagemaker", "aws")),
                                    open(target("vertex", "gcp")), target("gemini", "gcp")};
  EXPECT_EQ(inDownDomain(all, all, Diversity::Cloud), (std::vector<bool>{true, true, false, false}));
}

TEST(InDownDomain, EmptyAllMeansTheRouteItself) {
  const std::vector<TargetView> route{open(target("a")), open(target("a"))};
  EXPECT_EQ(inDownDomain(route, {}, Diversity::Provider), (std::vector<bool>{true, true}));
}

// --- planOrder ---

TEST(PlanOrder, HealthyTargetsKeepRouteOrder) {
  EXPECT_EQ(plan({target("a"), target("b"), target("c")}), (Order{0, 1, 2}));
}

TEST(PlanOrder, OpenTargetIsSkipped) {
  EXPECT_EQ(plan({open(target("a")), target("b"), target("c")}), (Order{1, 2}));
}

TEST(PlanOrder, HalfOpenTargetIsAdmittedInPlace) {
  EXPECT_EQ(plan({halfOpen(target("a")), target("b")}), (Order{0, 1}));
}

TEST(PlanOrder, OpenTargetWhoseIntervalEndedIsAdmittedAsHalfOpen) {
  EXPECT_EQ(plan({open(target("a"), kNow), target("b")}), (Order{0, 1}));
  EXPECT_EQ(plan({open(target("a"), kNow - 1s), target("b")}), (Order{0, 1}));
  EXPECT_EQ(plan({open(target("a"), kNow + 1ms), target("b")}), (Order{1}));
}

TEST(PlanOrder, TargetInDownDomainIsSkippedThoughItsOwnBreakerIsClosed) {
  // Region r1 holds target 0 (closed) and another route's target (open): not every one is Open.
  const std::vector<TargetView> route{target("a", "", "r1"), target("b", "", "r2")};
  const std::vector<TargetView> all_up{route[0], route[1], open(target("c", "", "r1"))};
  EXPECT_EQ(plan(route, all_up, policy(Diversity::Region)), (Order{0, 1}));

  // `all` (taken a moment earlier) says every target of r1 is open: r1 is down as a whole.
  const std::vector<TargetView> all_down{open(target("a", "", "r1")), route[1], open(target("c", "", "r1"))};
  EXPECT_EQ(plan(route, all_down, policy(Diversity::Region)), (Order{1}));
}

TEST(PlanOrder, DownProviderIsSkippedWithoutDiversity) {
  const std::vector<TargetView> route{target("a"), target("b")};
  const std::vector<TargetView> all{open(target("a")), route[1], open(target("a"))};
  EXPECT_EQ(plan(route, all, policy(Diversity::None)), (Order{1}));
}

TEST(PlanOrder, BrownoutTargetIsDemotedBehindHealthyOnes) {
  // Median of the others: 400 ms; 5000 ms > 3 x 400 and > 1000.
  const std::vector<TargetView> route{measuredAt(target("a"), 5000), measuredAt(target("b"), 400),
                                      measuredAt(target("c"), 400)};
  EXPECT_EQ(plan(route), (Order{1, 2, 0}));
}

TEST(PlanOrder, SeveralBrownoutTargetsKeepRouteOrderAmongThemselves) {
  const std::vector<TargetView> route{measuredAt(target("a"), 6000), measuredAt(target("b"), 5000),
                                      measuredAt(target("c"), 300), measuredAt(target("d"), 300),
                                      measuredAt(target("e"), 300)};
  EXPECT_EQ(plan(route), (Order{2, 3, 4, 0, 1}));
}

TEST(PlanOrder, SlowTargetUnderTheAbsoluteFloorIsNotBrownout) {
  // 900 ms is 9x its peers but below brownout_min_ms: not worth reordering.
  const std::vector<TargetView> route{measuredAt(target("a"), 900), measuredAt(target("b"), 100)};
  EXPECT_EQ(plan(route), (Order{0, 1}));
}

TEST(PlanOrder, SlowTargetWithinTheFactorIsNotBrownout) {
  const std::vector<TargetView> route{measuredAt(target("a"), 2500), measuredAt(target("b"), 1000)};
  EXPECT_EQ(plan(route), (Order{0, 1}));
}

TEST(PlanOrder, NoMeasuredPeersMeansNoBrownout) {
  // Peers with too few samples or no average at all do not count.
  const std::vector<TargetView> route{measuredAt(target("a"), 9000), measuredAt(target("b"), 100, 3),
                                      target("c")};
  EXPECT_EQ(plan(route), (Order{0, 1, 2}));
  EXPECT_EQ(plan({measuredAt(target("a"), 9000)}), (Order{0}));
}

TEST(PlanOrder, TargetWithTooFewSamplesIsNotBrownout) {
  const std::vector<TargetView> route{measuredAt(target("a"), 9000, 2), measuredAt(target("b"), 100)};
  EXPECT_EQ(plan(route), (Order{0, 1}));
}

TEST(PlanOrder, BrownoutUsesTheMedianSoOneOutlierPeerDoesNotHideIt) {
  // Peers 300, 350, 60000: median 350, so 4000 is brownout although the mean (20216) is higher.
  const std::vector<TargetView> route{measuredAt(target("a"), 4000), measuredAt(target("b"), 300),
                                      measuredAt(target("c"), 350), measuredAt(target("d"), 60000)};
  const Order order = plan(route);
  EXPECT_EQ(order, (Order{1, 2, 0, 3}));
}

TEST(PlanOrder, OpenPeersStillCountAsMeasuredPeers) {
  const std::vector<TargetView> route{measuredAt(target("a"), 5000), open(measuredAt(target("b"), 300)),
                                      target("c")};
  EXPECT_EQ(plan(route), (Order{2, 0}));
}

TEST(PlanOrder, AllOpenTriesTheEarliestToReopen) {
  const std::vector<TargetView> route{open(target("a"), kNow + 30s), open(target("b"), kNow + 5s),
                                      open(target("c"), kNow + 60s)};
  EXPECT_EQ(plan(route), (Order{1}));
}

TEST(PlanOrder, AllOpenWithEqualReopenTimesTriesTheFirst) {
  const std::vector<TargetView> route{open(target("a"), kNow + 5s), open(target("b"), kNow + 5s)};
  EXPECT_EQ(plan(route), (Order{0}));
}

TEST(PlanOrder, AllInDownDomainsButNotOpenTriesTheFirst) {
  // The route's own views read closed, `all` (a slightly older snapshot) says their domains are down.
  const std::vector<TargetView> route{target("a"), target("b")};
  const std::vector<TargetView> all{open(target("a")), open(target("a")), open(target("b")),
                                    open(target("b"))};
  EXPECT_EQ(plan(route, all, policy(Diversity::Provider)), (Order{0}));
}

TEST(PlanOrder, EmptyRoutePlansNothing) { EXPECT_TRUE(plan({}).empty()); }

TEST(PlanOrder, BrownoutAndOpenTogether) {
  const std::vector<TargetView> route{open(target("a")), measuredAt(target("b"), 8000),
                                      measuredAt(target("c"), 200), halfOpen(measuredAt(target("d"), 250))};
  EXPECT_EQ(plan(route), (Order{2, 3, 1}));
}

// --- nextAfterFailure ---

TEST(NextAfterFailure, WithoutDiversityTakesTheNextInPlanOrder) {
  const std::vector<TargetView> targets{target("a"), target("a"), target("b")};
  const std::vector<std::size_t> remaining{1, 2};
  EXPECT_EQ(nextAfterFailure(targets, 0, remaining, policy(Diversity::None)), 0u);
}

TEST(NextAfterFailure, ProviderDiversitySkipsTheFailedProvider) {
  const std::vector<TargetView> targets{target("a"), target("a"), target("b")};
  const std::vector<std::size_t> remaining{1, 2};
  EXPECT_EQ(nextAfterFailure(targets, 0, remaining, policy(Diversity::Provider)), 1u);
}

TEST(NextAfterFailure, CloudDiversitySkipsTheFailedCloud) {
  const std::vector<TargetView> targets{target("bedrock", "aws"), target("sagemaker", "aws"),
                                        target("vertex", "gcp")};
  const std::vector<std::size_t> remaining{1, 2};
  EXPECT_EQ(nextAfterFailure(targets, 0, remaining, policy(Diversity::Cloud)), 1u);
  // Provider diversity is satisfied by the next one already.
  EXPECT_EQ(nextAfterFailure(targets, 0, remaining, policy(Diversity::Provider)), 0u);
}

TEST(NextAfterFailure, RegionDiversitySkipsTheFailedRegion) {
  const std::vector<TargetView> targets{target("a", "aws", "us-east-1"), target("b", "gcp", "us-east-1"),
                                        target("c", "aws", "eu-west-1")};
  const std::vector<std::size_t> remaining{1, 2};
  EXPECT_EQ(nextAfterFailure(targets, 0, remaining, policy(Diversity::Region)), 1u);
}

TEST(NextAfterFailure, UnlabelledProvidersDifferInCloudByProviderName) {
  const std::vector<TargetView> targets{target("a"), target("a"), target("b")};
  const std::vector<std::size_t> remaining{1, 2};
  EXPECT_EQ(nextAfterFailure(targets, 0, remaining, policy(Diversity::Cloud)), 1u);
}

TEST(NextAfterFailure, NoOtherDomainLeftTakesTheFirst) {
  const std::vector<TargetView> targets{target("a"), target("a"), target("a")};
  const std::vector<std::size_t> remaining{2, 1};
  EXPECT_EQ(nextAfterFailure(targets, 0, remaining, policy(Diversity::Provider)), 0u);
}

// --- largerContextTarget ---

TEST(LargerContextTarget, PicksTheFirstRemainingWithALargerKnownWindow) {
  const std::vector<TargetView> targets{withWindow(target("a"), 128000), withWindow(target("b"), 128000),
                                        withWindow(target("c"), 200000), withWindow(target("d"), 1000000)};
  const std::vector<std::size_t> remaining{1, 2, 3};
  EXPECT_EQ(largerContextTarget(targets, 0, remaining), std::optional<std::size_t>{1});
}

TEST(LargerContextTarget, ResultIsAnIndexIntoRemaining) {
  const std::vector<TargetView> targets{withWindow(target("a"), 200000), withWindow(target("b"), 8000),
                                        withWindow(target("c"), 1000000)};
  const std::vector<std::size_t> remaining{2};
  EXPECT_EQ(largerContextTarget(targets, 0, remaining), std::optional<std::size_t>{0});
}

TEST(LargerContextTarget, UnknownWindowsAreNeverChosen) {
  const std::vector<TargetView> targets{withWindow(target("a"), 128000), target("b"), target("c")};
  const std::vector<std::size_t> remaining{1, 2};
  EXPECT_EQ(largerContextTarget(targets, 0, remaining), std::nullopt);
}

TEST(LargerContextTarget, UnknownCurrentWindowTakesTheFirstKnownOne) {
  const std::vector<TargetView> targets{target("a"), target("b"), withWindow(target("c"), 32000)};
  const std::vector<std::size_t> remaining{1, 2};
  EXPECT_EQ(largerContextTarget(targets, 0, remaining), std::optional<std::size_t>{1});
}

TEST(LargerContextTarget, NoneLargerReturnsNothing) {
  const std::vector<TargetView> targets{withWindow(target("a"), 200000), withWindow(target("b"), 200000),
                                        withWindow(target("c"), 128000)};
  const std::vector<std::size_t> remaining{1, 2};
  EXPECT_EQ(largerContextTarget(targets, 0, remaining), std::nullopt);
  EXPECT_EQ(largerContextTarget(targets, 0, {}), std::nullopt);
}

}  // namespace
}  // namespace switchyard::routing
