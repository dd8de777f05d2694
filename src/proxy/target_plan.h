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
};

RequestPlan planRequest(const GatewayState& state, const routing::RouteSpec& route,
                        std::chrono::steady_clock::time_point now);

}  // namespace switchyard::proxy
