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

RequestPlan planRequest(const GatewayState& state, const routing::RouteSpec& route,
                        std::chrono::steady_clock::time_point now) {
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
  plan.order = routing::planOrder(plan.views, std::span<const routing::TargetView>(all.data(), all.size()),
                                  route.plan, now);
  plan.forced = plan.order.size() == 1 && plan.views[plan.order[0]].breaker == resilience::BreakerState::Open;
  for (std::size_t i = 0; i < route.targets.size(); ++i) {
    if (std::find(plan.order.begin(), plan.order.end(), i) == plan.order.end()) plan.skipped.push_back(i);
  }
  return plan;
}

}  // namespace switchyard::proxy
