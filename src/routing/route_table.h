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

namespace switchyard::routing {

struct TargetRef {
  std::string id;             // "provider/model", as shown in headers and errors
  std::size_t provider = 0;   // index into Config::providers
  std::string model;          // the upstream model name
  std::size_t slot = 0;       // index into RouteTable::targets(), unique per route target
};

struct RouteSpec {
  std::string name;
  std::vector<TargetRef> targets;  // in fallback order
  resilience::RetryLimits retry;
  config::Timeouts timeouts;
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

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<RouteSpec> routes_;
  std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> by_name_;
  std::vector<const TargetRef*> targets_;
  std::string route_names_;
};

}  // namespace switchyard::routing
