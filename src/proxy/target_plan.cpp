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
  view.total_ewma_ms = snapshot.total_ewma_ms;
  view.context_window = context_window;
  return view;
}

bool contains(const std::vector<std::size_t>& values, std::size_t value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

bool quotaDemoted(const RequestPlan& plan, std::size_t index) {
  return !plan.forced && !plan.order.empty() && index < plan.views.size() && plan.views[index].near_quota &&
         !plan.views[plan.order.front()].near_quota;
}

bool targetAllowed(const GatewayState& state, const routing::TargetRef& target, std::uint64_t required_classes) {
  return required_classes == 0 || policy::DataClassTable::allows(state.slot_classes[target.slot], required_classes);
}

RequestPlan planRequest(const GatewayState& state, const routing::RouteSpec& route,
                        std::chrono::steady_clock::time_point now, std::uint64_t required_classes) {
  return planRequest(state, route, now, PlanOptions{required_classes, false, nullptr});
}

RequestPlan planRequest(const GatewayState& state, const routing::RouteSpec& route,
                        std::chrono::steady_clock::time_point now, const PlanOptions& options) {
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
  // The providers' quota readings count in wall-clock time (their reset instants are dates).
  const auto wall_now = std::chrono::system_clock::now();
  for (const auto& target : route.targets) {
    routing::TargetView& view = plan.views.emplace_back(all[target.health]);
    view.context_window = target.context_window;
    view.price = target.price.comparable();
    view.price_known = target.price.known;
    view.weight = target.weight;
    view.slot = target.slot;
    view.near_quota = state.learned[target.health]->quota.nearQuota(wall_now);
  }
  std::vector<bool> allowed;
  routing::PlanInputs inputs;
  inputs.stream = options.stream;
  inputs.state = options.strategy;
  if (options.strategy != nullptr) options.strategy->bind(&state.routes);
  if (options.required_classes != 0) {
    allowed.reserve(route.targets.size());
    for (const auto& target : route.targets) allowed.push_back(targetAllowed(state, target, options.required_classes));
    inputs.allowed = &allowed;
  }
  const std::span<const routing::TargetView> every(all.data(), all.size());
  routing::PlanResult result = routing::planTargets(plan.views, every, route.plan, now, inputs);
  plan.order = std::move(result.order);
  plan.excluded = std::move(result.excluded);
  plan.priced_out = std::move(result.priced_out);
  plan.forced = plan.order.size() == 1 && plan.views[plan.order[0]].breaker == resilience::BreakerState::Open;
  for (std::size_t i = 0; i < route.targets.size(); ++i) {
    if (contains(plan.order, i) || contains(plan.excluded, i) || contains(plan.priced_out, i)) continue;
    plan.skipped.push_back(i);
  }
  return plan;
}

}  // namespace switchyard::proxy
