#include "proxy/target_plan.h"

#include <algorithm>
#include <span>

#include <boost/container/small_vector.hpp>

namespace switchyard::proxy {

namespace {

std::string_view labelOf(const config::Provider& provider, const char* name) {
  const auto it = provider.labels.find(name);
  return it == provider.labels.end() ? std::string_view() : std::string_view(it->second);
}

routing::TargetView viewOf(const GatewayState& state, std::size_t health_index, std::size_t provider_index,
                           std::int64_t context_window,
                           std::chrono::steady_clock::time_point now) {
  const auto& provider = state.config.providers[provider_index];
  const auto snapshot = state.health[health_index]->planState(now);
  routing::TargetView view;
  view.provider = provider.name;
  view.cloud = labelOf(provider, "cloud");
  view.region = labelOf(provider, "region");
  view.breaker = snapshot.breaker;
  view.reopens_at = snapshot.reopens_at;
  view.ttft_ewma_ms = snapshot.ttft_ewma_ms;
  view.samples = snapshot.samples;
  view.context_window = context_window;
  return view;
}

}  // namespace

bool targetAllowed(const GatewayState& state, const routing::TargetRef& target, std::uint64_t required_classes) {
  return required_classes == 0 || policy::DataClassTable::allows(state.slot_classes[target.slot], required_classes);
}

RequestPlan planRequest(const GatewayState& state, const routing::RouteSpec& route,
                        std::chrono::steady_clock::time_point now, std::uint64_t required_classes) {
  RequestPlan plan;
  // Every target's state is read once per request, lock-free (TargetHealth::planState: atomics, and
  // about every 100 ms one caller merges a target's latency shards); the route's views are copies.
  const auto& known = state.routes.healthTargets();
  // On the stack for a gateway of up to 16 targets (no allocation per request).
  boost::container::small_vector<routing::TargetView, 16> all;
  all.reserve(known.size());
  for (std::size_t i = 0; i < known.size(); ++i) {
    all.push_back(viewOf(state, i, known[i].provider, known[i].context_window, now));
  }
  plan.views.reserve(route.targets.size());
  for (const auto& target : route.targets) {
    plan.views.push_back(all[target.health]);
    plan.views.back().context_window = target.context_window;
  }
  const std::span<const routing::TargetView> every(all.data(), all.size());
  if (required_classes == 0) {
    plan.order = routing::planOrder(plan.views, every, route.plan, now);
  } else {
    // The planner sees only the allowed targets, so that nothing it picks (the forced attempt
    // included) can be one the policy forbids; its positions are mapped back to the route's.
    boost::container::small_vector<routing::TargetView, 16> allowed_views;
    boost::container::small_vector<std::size_t, 16> route_index;
    for (std::size_t i = 0; i < route.targets.size(); ++i) {
      if (targetAllowed(state, route.targets[i], required_classes)) {
        allowed_views.push_back(plan.views[i]);
        route_index.push_back(i);
      } else {
        plan.excluded.push_back(i);
      }
    }
    if (!allowed_views.empty()) {
      plan.order = routing::planOrder(std::span<const routing::TargetView>(allowed_views.data(), allowed_views.size()),
                                      every, route.plan, now);
      for (std::size_t& position : plan.order) position = route_index[position];
    }
  }
  plan.forced = plan.order.size() == 1 && plan.views[plan.order[0]].breaker == resilience::BreakerState::Open;
  for (std::size_t i = 0; i < route.targets.size(); ++i) {
    if (std::find(plan.order.begin(), plan.order.end(), i) != plan.order.end()) continue;
    if (std::find(plan.excluded.begin(), plan.excluded.end(), i) != plan.excluded.end()) continue;
    plan.skipped.push_back(i);
  }
  return plan;
}

}  // namespace switchyard::proxy
