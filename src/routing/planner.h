#pragma once
// The plan: in which order one request tries its route's targets, given what the gateway knows of
// their health right now. Pure: the proxy takes a snapshot of every target's state and asks.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "resilience/circuit_breaker.h"
#include "routing/strategy.h"

namespace switchyard::routing {

using SteadyTime = std::chrono::steady_clock::time_point;

// The failure domain a route spreads its attempts over after a failure.
enum class Diversity : std::uint8_t { None, Provider, Cloud, Region };

struct TargetView {
  std::string_view provider;  // provider name
  std::string_view cloud;     // the provider's labels["cloud"], "" when unlabelled
  std::string_view region;    // labels["region"]
  resilience::BreakerState breaker = resilience::BreakerState::Closed;
  SteadyTime reopens_at{};       // while Open
  double ttft_ewma_ms = 0;       // latency to first token, 0 when unknown
  std::uint64_t samples = 0;     // how many first-token samples the average holds
  std::int64_t context_window = 0;  // tokens; 0 when unknown
  // What the strategies read (views of one route's targets; the gateway-wide views leave them unset).
  double total_ewma_ms = 0;      // latency of the whole answer, 0 when unknown
  double price = 0;              // TokenPrice::comparable(): USD per million input + output tokens
  bool price_known = false;      // false: unpriced (never dropped by max_cost_ratio, last for cheapest)
  int weight = 1;                // strategy weighted
  std::size_t slot = 0;          // TargetRef::slot: keys StrategyState's per-target memory
  // The provider's own rate-limit headers say the target is nearly out of quota
  // (accounting::QuotaTracker::nearQuota): planned after every other admissible target.
  bool near_quota = false;
};

struct PlanPolicy {
  Diversity diversity = Diversity::None;
  // Brownout: a target whose first-token average exceeds both brownout_factor x the median of its
  // route's other measured targets and brownout_min_ms is demoted behind the healthy ones.
  double brownout_factor = 3.0;
  double brownout_min_ms = 1000;
  std::uint64_t brownout_min_samples = 10;
  Strategy strategy = Strategy::Fallback;
  // Drop targets priced more than this many times the plan's first target (applyCostCeiling); 0: off.
  double max_cost_ratio = 0;
};

// What one request adds to the policy.
struct PlanInputs {
  // Per target: whether it may see this request (its data classes). Null: every target may.
  // The planner sees only the allowed targets, so that nothing it picks (the forced attempt
  // included) can be one the policy forbids.
  const std::vector<bool>* allowed = nullptr;
  bool stream = false;  // fastest compares time to first token for streams, total time otherwise
  // The calling worker's strategy memory; null: fastest and weighted only sort (no random pick, no
  // round-robin turn), which is what a one-off plan (check --explain) wants.
  StrategyState* state = nullptr;
};

struct PlanResult {
  std::vector<std::size_t> order;       // indexes into targets, in attempt order
  std::vector<std::size_t> priced_out;  // admissible but dropped by max_cost_ratio (ascending)
  std::vector<std::size_t> excluded;    // not allowed (ascending)
};

// The domain key of a target under a diversity setting ("" for Diversity::None).
std::string_view domainOf(const TargetView& target, Diversity diversity);

// Which targets (indexes into `targets`) sit in a domain that is down as a whole: at least two of
// its targets, and at least half of them, are Open. `all` holds every target the gateway knows
// (across routes), since a domain-wide outage shows across routes before it shows in one; it should
// include `targets` themselves, and an empty `all` means "just `targets`". With Diversity::None the
// provider is the domain. Targets with no domain key (no provider name) are never in a down domain.
std::vector<bool> inDownDomain(std::span<const TargetView> targets, std::span<const TargetView> all,
                               Diversity diversity);

// The plan of one request. First, which targets may be tried: the allowed ones (PlanInputs::allowed)
// that are Closed or HalfOpen and not in a down domain, with brownout targets moved behind the
// others and near-quota targets (TargetView::near_quota) behind those; then nothing else. When that
// leaves no target at all, the one most likely to have recovered (the Open target whose interval
// ends first, else the first) so that a route never fails without trying (the forced attempt). An
// Open target whose reopens_at is not after `now` counts as HalfOpen (as CircuitBreaker::state reads
// it). A target is in brownout only when it has brownout_min_samples samples itself and at least one
// other allowed target has as many; with no measured peer nothing is demoted.
// Then the policy's strategy orders the healthy targets, and each group of demoted ones behind them
// (sorted by the strategy's key; a group gets the strategy's pick only when no group before it has a
// target). Then max_cost_ratio drops the targets priced too far above the plan's first
// (applyCostCeiling). The forced attempt is neither reordered nor priced out. When no target is
// allowed, order is empty.
PlanResult planTargets(std::span<const TargetView> targets, std::span<const TargetView> all,
                       const PlanPolicy& policy, SteadyTime now, const PlanInputs& inputs = {});

// planTargets(...).order with no request inputs (every target allowed, no strategy state): with the
// default fallback strategy, the route's order filtered and demoted as above.
std::vector<std::size_t> planOrder(std::span<const TargetView> targets, std::span<const TargetView> all,
                                   const PlanPolicy& policy, SteadyTime now);

// After `failed` failed: among `remaining` (plan order, not yet tried), the one to try next: the
// first in another domain than `failed` when the policy asks for diversity and one exists, else the
// first. Returns an index into `remaining`.
std::size_t nextAfterFailure(std::span<const TargetView> targets, std::size_t failed,
                             std::span<const std::size_t> remaining, const PlanPolicy& policy);

// Context-window fallback: after `current` said the prompt is too long, the first target of
// `remaining` whose context_window is known and larger than current's (current's unknown counts as
// 0); nullopt when none is. Like nextAfterFailure, returns an index into `remaining`.
std::optional<std::size_t> largerContextTarget(std::span<const TargetView> targets, std::size_t current,
                                               std::span<const std::size_t> remaining);

}  // namespace switchyard::routing
