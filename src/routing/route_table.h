#pragma once
// The routes clients can name, resolved against the providers once at start-up and read-only
// afterwards (shared by every worker without locks).
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "canonical/price.h"
#include "config/config.h"
#include "resilience/retry_state.h"
#include "routing/planner.h"

namespace switchyard::routing {

// Where a target's price comes from.
enum class PriceSource : std::uint8_t {
  Unknown,  // no config price and the catalog does not know the model: costs 0, known = false
  Config,   // the target's `price`
  Catalog,  // the bundled catalog's list price (model_catalog.h)
  Local,    // a local server (isLocalProvider): 0, known
};
std::string_view priceSourceName(PriceSource source);  // "unknown", "config", "catalog", "local"

struct TargetRef {
  std::string id;             // "provider/model", as shown in headers and errors
  std::size_t provider = 0;   // index into Config::providers
  std::string model;          // the upstream model name
  std::size_t slot = 0;       // index into RouteTable::targets(), unique per route target
  std::size_t health = 0;     // index into RouteTable::healthIds(): one per distinct provider/model,
                              // shared by every route that names it (one breaker, one latency record)
  std::int64_t context_window = 0;  // declared, else the bundled catalog's; 0 when unknown
  canonical::TokenPrice price;      // resolved by targetPrice
  PriceSource price_source = PriceSource::Unknown;
  int weight = 1;                   // strategy weighted
  config::RateLimits limits;        // the target's own rpm/tpm (0: none)
  std::int64_t max_output_tokens = 0;  // declared, else the catalog's; 0 when unknown
};

struct RuleSpec;

struct RouteSpec {
  std::string name;
  // The index of the route in RouteTable::routes(); a rule's spec carries its route's. Indexes the
  // per-route vectors of GatewayState (hedge budgets, route policy).
  std::size_t index = 0;
  // -1: the route itself; else which of its route's rules this spec is (routes()[index].rules[rule]).
  int rule = -1;
  std::vector<TargetRef> targets;  // in fallback order
  resilience::RetryLimits retry;
  config::Timeouts timeouts;
  config::Limits limits;  // the gateway's (upstream answer and event sizes, resume bytes)
  PlanPolicy plan;
  config::HedgePolicy hedge;
  bool mid_stream_failover = true;
  bool best_effort_continuation = false;  // mid_stream_failover: best_effort
  // The route's rules in file order (empty for a rule's own spec): see routing/rules.h selectSpec.
  std::vector<RuleSpec> rules;
};

// One rule of a route: its condition and a spec like the route's (same name, index, retry,
// timeouts, limits, plan policy, hedge) with the rule's own targets.
struct RuleSpec {
  config::RuleCondition when;
  int line = 0;
  RouteSpec spec;
};

// Local servers (a vllm, llamacpp, ollama or lmstudio preset) cost nothing.
bool isLocalProvider(const config::Provider& provider);
// Whether the provider's host is loopback or a private address (127/8, 10/8, 172.16/12,
// 192.168/16, 169.254/16, ::1, fc00::/7, fe80::/10, "localhost" and *.localhost).
bool isPrivateHost(std::string_view host);

// A target's price: its config `price` (cached input = input unless stated); else, for a local
// server preset, 0 (known); else the catalog's list price (cached input = input); else, for a
// provider on a loopback or private address, 0 (known: a self-hosted model the catalog does not
// know); else 0 with known = false.
std::pair<canonical::TokenPrice, PriceSource> targetPrice(const config::Provider& provider,
                                                           const config::Target& target);

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
  // Every route's and every rule's targets, flattened: TargetRef::slot indexes this.
  const std::vector<const TargetRef*>& targets() const { return targets_; }
  // "chat, embeddings" for error messages.
  const std::string& routeNames() const { return route_names_; }
  // Every distinct provider/model of every route and rule; TargetRef::health indexes this.
  const std::vector<HealthTarget>& healthTargets() const { return health_targets_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::size_t healthIndex(const TargetRef& target);
  TargetRef makeTarget(const config::Config& config, const config::Target& target);

  std::vector<RouteSpec> routes_;
  std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> by_name_;
  std::vector<const TargetRef*> targets_;
  std::vector<HealthTarget> health_targets_;
  std::string route_names_;
};

}  // namespace switchyard::routing
