#include "routing/route_table.h"

#include "routing/model_catalog.h"

namespace switchyard::routing {

RouteTable::RouteTable(const config::Config& config) {
  routes_.reserve(config.routes.size());
  for (const auto& route : config.routes) {
    RouteSpec spec;
    spec.name = route.name;
    spec.retry = resilience::RetryLimits{route.retry.max_attempts, route.retry.backoff_base,
                                         route.retry.backoff_max, route.retry.retry_after_max,
                                         route.retry.same_target, route.retry.same_target_wait_max};
    spec.timeouts = route.timeouts;
    spec.limits = config.limits;
    spec.plan.diversity = route.diversity == "provider" ? Diversity::Provider
                          : route.diversity == "cloud"  ? Diversity::Cloud
                          : route.diversity == "region" ? Diversity::Region
                                                        : Diversity::None;
    spec.hedge = route.hedge;
    spec.mid_stream_failover = route.mid_stream_failover;
    spec.best_effort_continuation = route.best_effort_continuation;
    for (const auto& target : route.targets) {
      TargetRef ref;
      ref.id = target.id();
      ref.model = target.model;
      // The loader has already rejected targets naming an unknown provider.
      ref.provider = static_cast<std::size_t>(config.findProvider(target.provider) - config.providers.data());
      ref.context_window = target.context_window;
      if (ref.context_window == 0) {
        if (const auto known = lookupModel(target.model)) ref.context_window = known->context_window;
      }
      ref.health = healthIndex(ref);
      spec.targets.push_back(std::move(ref));
    }
    if (!route_names_.empty()) route_names_ += ", ";
    route_names_ += route.name;
    routes_.push_back(std::move(spec));
  }
  // Pointers are taken once routes_ no longer moves.
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    by_name_.emplace(routes_[r].name, r);
    for (auto& target : routes_[r].targets) {
      target.slot = targets_.size();
      targets_.push_back(&target);
    }
  }
}

std::size_t RouteTable::healthIndex(const TargetRef& target) {
  for (std::size_t i = 0; i < health_targets_.size(); ++i) {
    if (health_targets_[i].id == target.id) return i;
  }
  health_targets_.push_back({target.id, target.provider, target.model, target.context_window});
  return health_targets_.size() - 1;
}

const RouteSpec* RouteTable::find(std::string_view name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &routes_[it->second];
}

}  // namespace switchyard::routing
