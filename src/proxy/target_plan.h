#pragma once
// One request's plan: which of its route's targets to try and in which order, from what every
// worker has learned about every target (breakers, latency, failure domains, the providers' quota
// headers), the route's strategy (routing/strategy.h) and its max_cost_ratio.
#include <chrono>
#include <cstddef>
#include <vector>

#include "proxy/gateway_state.h"
#include "routing/planner.h"
#include "routing/strategy.h"

namespace switchyard::proxy {

struct RequestPlan {
  std::vector<std::size_t> order;           // indexes into the route's targets
  // Per route target (same index; near_quota: demoted last). On the heap: the plan lives in the
  // request's recycled state (3,040 bytes, a 3 KiB block), which four inline views would push into
  // the 4 KiB class, a KiB more for every request in flight to save one small allocation.
  std::vector<routing::TargetView> views;
  // Every target of the route is open: order holds the one most likely to have recovered, sent
  // anyway rather than failing without trying.
  bool forced = false;
  // Route targets the plan leaves out (open, or in a down domain): their incidents count the request.
  std::vector<std::size_t> skipped;
  // Route targets the request's data classes forbid: never in `order`, never contacted, not even
  // as the forced attempt; they do not count in incidents.
  std::vector<std::size_t> excluded;
  // Route targets that were admissible but cost more than max_cost_ratio x the plan's first target:
  // not in `order`, not in `skipped` (they are not unhealthy; incidents do not count them).
  std::vector<std::size_t> priced_out;
};

struct PlanOptions {
  // The request's data classes (RequestPolicy::classes): only targets that satisfy them are
  // planned (targetAllowed).
  std::uint64_t required_classes = 0;
  // Whether the client asked for a stream: strategy fastest compares time to first token for
  // streams and the whole answer's time otherwise.
  bool stream = false;
  // The calling worker's strategy memory (fastest's random numbers, weighted's round-robin), one
  // per worker for every route: keep it next to the worker's pools, never share it across threads.
  // Null: fastest orders by latency and weighted by weight only (no random pick, no rotation).
  routing::StrategyState* strategy = nullptr;
};

// The plan for `route` (a route or, after routing::selectSpec, one of its rules' specs: indexes in
// the plan are into that spec's targets). Reads every target's health once (lock-free).
//
// The chat handler, per request, after governance:
//   const routing::RouteSpec* spec = route;
//   if (!route->rules.empty()) {
//     routing::RequestShape shape = shapeOfChatBody(request.body());   // proxy/request_shape.h
//     shape.header = ...; shape.key_name = ...; shape.key_tags = ...;
//     spec = &routing::selectSpec(*route, shape);
//   }
//   RequestPlan plan = planRequest(state_, *spec, started,
//                                  {.required_classes = policy.classes, .stream = chat.stream,
//                                   .strategy = &strategy_state_});
// and uses *spec wherever it used *route from there on (its name, index, retry and hedge are the
// route's; only its targets differ).
RequestPlan planRequest(const GatewayState& state, const routing::RouteSpec& route,
                        std::chrono::steady_clock::time_point now, const PlanOptions& options);

// The same without a stream flag or strategy memory (non-stream, no random pick, no rotation).
RequestPlan planRequest(const GatewayState& state, const routing::RouteSpec& route,
                        std::chrono::steady_clock::time_point now, std::uint64_t required_classes = 0);

// Whether the plan put route target `index` behind others because its provider's quota headers say
// it is nearly out: it is near quota and the plan's first target is not (when every target is near
// quota, none was demoted for it).
bool quotaDemoted(const RequestPlan& plan, std::size_t index);

// Whether the route target may receive a request with `required_classes` (policy/data_class_table).
bool targetAllowed(const GatewayState& state, const routing::TargetRef& target, std::uint64_t required_classes);

}  // namespace switchyard::proxy
