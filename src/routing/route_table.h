#pragma once
// The routes clients can name, resolved against the providers once at start-up and read-only
// afterwards (shared by every worker without locks).
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "resilience/retry_state.h"
#include "routing/planner.h"

namespace switchyard::routing {

struct TargetRef {
  std::string id;             // "provider/model", as shown in headers and errors
  std::size_t provider = 0;   // index into Config::providers
  std::string model;          // the upstream model name
  std::size_t slot = 0;       // index into RouteTable::targets(), unique per route target
  std::size_t health = 0;     // index into RouteTable::healthIds(): one per distinct provider/model,
                              // shared by every route that names it (one breaker, one latency record)
  std::int64_t context_window = 0;  // declared, else the bundled catalog's; 0 when unknown
};

struct RouteSpec {
  std::string name;
  std::vector<TargetRef> targets;  // in fallback order
  resilience::RetryLimits retry;
  config::Timeouts timeouts;
  config::Limits limits;  // the gateway's (upstream answer and event sizes, resume bytes)
  PlanPolicy plan;
  config::HedgePolicy hedge;
  bool mid_stream_failover = true;
  bool best_effort_continuation = false;  // mid_stream_failover: best_effort
};

// A distinct provider/model: what its health is tracked under.
struct HealthTarget {
  std::string id;            // "provider/model"
  std::size_t provider = 0;  // index into Config::providers
  std::string model;
  std::int64_t context_window = 0;
};

class RouteTable {
 public:
  explicit RouteTable(const config::Config& config);

  const RouteSpec* find(std::string_view name) const;
  const std::vector<RouteSpec>& routes() const { return routes_; }
  // Every route's targets, flattened: TargetRef::slot indexes this.
  const std::vector<const TargetRef*>& targets() const { return targets_; }
  // "chat, embeddings" for error messages.
  const std::string& routeNames() const { return route_names_; }
  // Every distinct provider/model of every route; TargetRef::health indexes this.
  const std::vector<HealthTarget>& healthTargets() const { return health_targets_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::size_t healthIndex(const TargetRef& target);

  std::vector<RouteSpec> routes_;
  std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> by_name_;
  std::vector<const TargetRef*> targets_;
  std::vector<HealthTarget> health_targets_;
  std::string route_names_;
};

}  // namespace switchyard::routing
