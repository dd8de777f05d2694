#pragma once
// One request's plan: which of its route's targets to try and in which order, from what every
// worker has learned about every target (breakers, latency, failure domains).
#include <chrono>
#include <cstddef>
#include <vector>

#include "proxy/gateway_state.h"
#include "routing/planner.h"

namespace switchyard::proxy {

struct RequestPlan {
  std::vector<std::size_t> order;           // indexes into the route's targets
  std::vector<routing::TargetView> views;   // per route target (same index)
  // Every target of the route is open: order holds the one most likely to have recovered, sent
  // anyway rather than failing without trying.
  bool forced = false;
  // Route targets the plan leaves out (open, or in a down domain): their incidents count the request.
  std::vector<std::size_t> skipped;
  // Route targets the request's data classes forbid: never in `order`, never contacted, not even
  // as the forced attempt; they do not count in incidents.
  std::vector<std::size_t> excluded;
};

// `allowed(i)`: whether route target i may see this request (its data classes). Everything the
// plan holds (order, hedges, continuations drawn from it) is drawn from the allowed targets only.
RequestPlan planRequest(const GatewayState& state, const routing::RouteSpec& route,
                        std::chrono::steady_clock::time_point now, std::uint64_t required_classes = 0);

// Whether the route target may receive a request with `required_classes` (policy/data_class_table).
bool targetAllowed(const GatewayState& state, const routing::TargetRef& target, std::uint64_t required_classes);

}  // namespace switchyard::proxy
