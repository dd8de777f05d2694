#include "routing/planner.h"

#include <algorithm>

#include <boost/container/small_vector.hpp>

namespace switchyard::routing {

using resilience::BreakerState;

namespace {

// The key inDownDomain groups by: with no diversity asked for, a provider is still one failure
// domain (every model behind one API key and one endpoint tends to fail together).
std::string_view downDomainKey(const TargetView& target, Diversity diversity) {
  return diversity == Diversity::None ? target.provider : domainOf(target, diversity);
}

// Open as the planner sees it at `now`: a snapshot taken a moment ago may still say Open for a
// target whose interval has just ended; the breaker itself would read HalfOpen (state(now)).
bool openAt(const TargetView& target, SteadyTime now) {
  return target.breaker == BreakerState::Open && target.reopens_at > now;
}

// Per target of a route: on the stack for routes of up to 16 targets (no allocation per request).
using Flags = boost::container::small_vector<bool, 16>;
using Indexes = boost::container::small_vector<std::size_t, 16>;

template <typename IsOpen>
Flags downDomains(std::span<const TargetView> targets, std::span<const TargetView> all, Diversity diversity,
                  IsOpen is_open) {
  if (all.empty()) all = targets;
  Flags down(targets.size(), false);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const std::string_view key = downDomainKey(targets[i], diversity);
    if (key.empty()) continue;  // no provider name: no domain to share an outage with
    std::size_t known = 0;
    std::size_t open = 0;
    for (const TargetView& other : all) {
      if (downDomainKey(other, diversity) != key) continue;
      ++known;
      if (is_open(other)) ++open;
    }
    // One open target proves nothing about its domain (its own breaker covers it); two or more, and
    // at least half of the domain, is a domain-wide symptom: its other targets are down too, even
    // before their own breakers have seen enough failures to open.
    down[i] = open >= 2 && 2 * open >= known;
  }
  return down;
}

double medianOf(std::vector<double>& values) {
  const std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

bool measured(const TargetView& target, const PlanPolicy& policy) {
  return target.samples >= policy.brownout_min_samples && target.ttft_ewma_ms > 0;
}

// Brownout compares a target with its route's other measured targets (not with its own past): a
// provider that is slow for everyone is not demoted, since nothing faster is on offer. A target
// needs enough samples itself too, so one cold connection does not demote it.
bool inBrownout(std::span<const TargetView> targets, std::size_t index, const PlanPolicy& policy,
                std::vector<double>& scratch) {
  const TargetView& target = targets[index];
  if (!measured(target, policy)) return false;
  if (target.ttft_ewma_ms <= policy.brownout_min_ms) return false;
  scratch.clear();
  for (std::size_t j = 0; j < targets.size(); ++j) {
    if (j != index && measured(targets[j], policy)) scratch.push_back(targets[j].ttft_ewma_ms);
  }
  if (scratch.empty()) return false;
  return target.ttft_ewma_ms > policy.brownout_factor * medianOf(scratch);
}

}  // namespace

std::string_view domainOf(const TargetView& target, Diversity diversity) {
  switch (diversity) {
    case Diversity::None:
      return {};
    case Diversity::Provider:
      return target.provider;
    case Diversity::Cloud:
      // An unlabelled provider is a domain of its own rather than sharing "" with every other.
      return target.cloud.empty() ? target.provider : target.cloud;
    case Diversity::Region:
      return target.region.empty() ? target.provider : target.region;
  }
  return {};
}

std::vector<bool> inDownDomain(std::span<const TargetView> targets, std::span<const TargetView> all,
                               Diversity diversity) {
  const Flags down = downDomains(targets, all, diversity,
                                 [](const TargetView& view) { return view.breaker == BreakerState::Open; });
  return std::vector<bool>(down.begin(), down.end());
}

namespace {

// The plan among `targets` alone (every one allowed): healthy targets in route order, then the
// demoted ones (brownout, then near quota: a slow answer beats a 429); the forced pick when none
// is admissible.
struct Admissible {
  Indexes healthy;
  Indexes demoted;
  Indexes near_quota;
  bool forced = false;
};

Admissible admissible(std::span<const TargetView> targets, std::span<const TargetView> all,
                      const PlanPolicy& policy, SteadyTime now) {
  Admissible result;
  if (targets.empty()) return result;
  const Flags down =
      downDomains(targets, all, policy.diversity, [now](const TargetView& view) { return openAt(view, now); });
  std::vector<double> scratch;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (openAt(targets[i], now) || down[i]) continue;
    if (targets[i].near_quota) {
      result.near_quota.push_back(i);
    } else if (inBrownout(targets, i, policy, scratch)) {
      result.demoted.push_back(i);
    } else {
      result.healthy.push_back(i);
    }
  }
  if (!result.healthy.empty() || !result.demoted.empty() || !result.near_quota.empty()) return result;

  // Nothing admissible: try the one most likely to be back rather than fail without an attempt.
  std::size_t best = 0;
  bool found_open = false;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!openAt(targets[i], now)) continue;
    if (!found_open || targets[i].reopens_at < targets[best].reopens_at) best = i;
    found_open = true;
  }
  result.healthy.push_back(best);
  result.forced = true;
  return result;
}

PlanResult planAllowed(std::span<const TargetView> targets, std::span<const TargetView> all,
                       const PlanPolicy& policy, SteadyTime now, const PlanInputs& inputs) {
  PlanResult plan;
  Admissible found = admissible(targets, all, policy, now);
  if (!found.forced) {
    // The strategy's pick (which advances its state) goes to the first group that has a target.
    bool picked = false;
    for (Indexes* group : {&found.healthy, &found.demoted, &found.near_quota}) {
      orderByStrategy(policy.strategy, targets, *group, inputs.stream, inputs.state, !picked && !group->empty());
      picked = picked || !group->empty();
    }
  }
  plan.order.reserve(found.healthy.size() + found.demoted.size() + found.near_quota.size());
  plan.order.assign(found.healthy.begin(), found.healthy.end());
  plan.order.insert(plan.order.end(), found.demoted.begin(), found.demoted.end());
  plan.order.insert(plan.order.end(), found.near_quota.begin(), found.near_quota.end());
  if (!found.forced) {
    plan.priced_out = applyCostCeiling(targets, plan.order, policy.max_cost_ratio);
    std::sort(plan.priced_out.begin(), plan.priced_out.end());
  }
  return plan;
}

}  // namespace

PlanResult planTargets(std::span<const TargetView> targets, std::span<const TargetView> all,
                       const PlanPolicy& policy, SteadyTime now, const PlanInputs& inputs) {
  if (all.empty()) all = targets;
  const std::vector<bool>* allowed = inputs.allowed;
  if (allowed == nullptr) return planAllowed(targets, all, policy, now, inputs);
  // The planner sees only the allowed targets; its positions are mapped back to `targets`.
  std::vector<TargetView> allowed_views;
  std::vector<std::size_t> position;
  PlanResult excluded;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (i < allowed->size() && (*allowed)[i]) {
      allowed_views.push_back(targets[i]);
      position.push_back(i);
    } else {
      excluded.excluded.push_back(i);
    }
  }
  if (allowed_views.empty()) return excluded;
  PlanResult plan = planAllowed(allowed_views, all, policy, now, inputs);
  for (std::size_t& index : plan.order) index = position[index];
  for (std::size_t& index : plan.priced_out) index = position[index];
  plan.excluded = std::move(excluded.excluded);
  return plan;
}

std::vector<std::size_t> planOrder(std::span<const TargetView> targets, std::span<const TargetView> all,
                                   const PlanPolicy& policy, SteadyTime now) {
  return planTargets(targets, all, policy, now).order;
}

std::size_t nextAfterFailure(std::span<const TargetView> targets, std::size_t failed,
                             std::span<const std::size_t> remaining, const PlanPolicy& policy) {
  if (policy.diversity == Diversity::None || failed >= targets.size()) return 0;
  const std::string_view failed_domain = domainOf(targets[failed], policy.diversity);
  for (std::size_t i = 0; i < remaining.size(); ++i) {
    if (remaining[i] >= targets.size()) continue;
    if (domainOf(targets[remaining[i]], policy.diversity) != failed_domain) return i;
  }
  return 0;
}

std::optional<std::size_t> largerContextTarget(std::span<const TargetView> targets, std::size_t current,
                                               std::span<const std::size_t> remaining) {
  const std::int64_t current_window =
      current < targets.size() ? std::max<std::int64_t>(targets[current].context_window, 0) : 0;
  for (std::size_t i = 0; i < remaining.size(); ++i) {
    if (remaining[i] >= targets.size()) continue;
    const std::int64_t window = targets[remaining[i]].context_window;
    if (window > 0 && window > current_window) return i;
  }
  return std::nullopt;
}

}  // namespace switchyard::routing
