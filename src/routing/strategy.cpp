#include "routing/strategy.h"

#include <algorithm>

#include "routing/planner.h"

namespace switchyard::routing {

namespace {

// The latency fastest compares: time to first token for a stream (what its client waits for),
// the whole answer otherwise. 0 when never measured, so that a new target gets its chances.
double latencyOf(const TargetView& target, bool stream) {
  return stream ? target.ttft_ewma_ms : target.total_ewma_ms;
}

// Cheapest: priced targets by price, then the unpriced ones (an unknown price is not a price of
// 0: a target nobody priced must not win every request); ties by time to first token.
bool cheaper(const TargetView& a, const TargetView& b) {
  if (a.price_known != b.price_known) return a.price_known;
  if (a.price_known && a.price != b.price) return a.price < b.price;
  return a.ttft_ewma_ms < b.ttft_ewma_ms;
}

void pickFastest(std::span<const TargetView> targets, std::span<std::size_t> order, bool stream,
                 StrategyState& state) {
  if (order.size() < 2) return;
  // Two distinct candidates; on equal latency the first drawn wins, so that unmeasured targets
  // take turns rather than the route's first one winning every tie.
  const std::size_t first = state.random(order.size());
  std::size_t second = state.random(order.size() - 1);
  if (second >= first) ++second;
  const std::size_t winner =
      latencyOf(targets[order[second]], stream) < latencyOf(targets[order[first]], stream) ? second : first;
  std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(winner),
              order.begin() + static_cast<std::ptrdiff_t>(winner) + 1);
}

// nginx's smooth weighted round-robin (ngx_http_upstream_get_peer): every candidate's current
// weight grows by its weight, the largest wins and gives back the total. Over any run of
// sum(weights) requests each target is first `weight` times, interleaved (5,1,1: a a b a c a a).
// Candidates with a weight of 0 or less are never picked.
void pickWeighted(std::span<const TargetView> targets, std::span<std::size_t> order, StrategyState& state) {
  std::int64_t total = 0;
  std::size_t best = order.size();
  for (std::size_t i = 0; i < order.size(); ++i) {
    const TargetView& target = targets[order[i]];
    if (target.weight <= 0) continue;
    if (state.current.size() <= target.slot) state.current.resize(target.slot + 1, 0);
    state.current[target.slot] += target.weight;
    total += target.weight;
    if (best == order.size() || state.current[target.slot] > state.current[targets[order[best]].slot]) best = i;
  }
  if (best == order.size()) return;
  state.current[targets[order[best]].slot] -= total;
  std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(best),
              order.begin() + static_cast<std::ptrdiff_t>(best) + 1);
}

}  // namespace

StrategyState::StrategyState() : rng(std::random_device{}()) {}

std::optional<Strategy> parseStrategy(std::string_view name) {
  if (name == "fallback") return Strategy::Fallback;
  if (name == "cheapest") return Strategy::Cheapest;
  if (name == "fastest") return Strategy::Fastest;
  if (name == "weighted") return Strategy::Weighted;
  return std::nullopt;
}

std::string_view strategyName(Strategy strategy) {
  switch (strategy) {
    case Strategy::Fallback:
      return "fallback";
    case Strategy::Cheapest:
      return "cheapest";
    case Strategy::Fastest:
      return "fastest";
    case Strategy::Weighted:
      return "weighted";
  }
  return "fallback";
}

void orderByStrategy(Strategy strategy, std::span<const TargetView> targets, std::span<std::size_t> order,
                     bool stream, StrategyState* state, bool pick) {
  if (order.empty()) return;
  switch (strategy) {
    case Strategy::Fallback:
      return;
    case Strategy::Cheapest:
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return cheaper(targets[a], targets[b]); });
      return;
    case Strategy::Fastest:
      // The pick first (among the candidates in route order), then the rest by latency.
      if (pick && state != nullptr) pickFastest(targets, order, stream, *state);
      std::stable_sort(order.begin() + (pick && state != nullptr ? 1 : 0), order.end(),
                       [&](std::size_t a, std::size_t b) {
                         return latencyOf(targets[a], stream) < latencyOf(targets[b], stream);
                       });
      return;
    case Strategy::Weighted:
      // Without a state, sorting by weight gives what a fresh round-robin's first turn would.
      if (pick && state != nullptr) pickWeighted(targets, order, *state);
      std::stable_sort(order.begin() + (pick && state != nullptr ? 1 : 0), order.end(),
                       [&](std::size_t a, std::size_t b) { return targets[a].weight > targets[b].weight; });
      return;
  }
}

std::vector<std::size_t> applyCostCeiling(std::span<const TargetView> targets, std::vector<std::size_t>& order,
                                          double ratio) {
  std::vector<std::size_t> dropped;
  if (ratio <= 0 || order.empty()) return dropped;
  const TargetView& first = targets[order.front()];
  if (!first.price_known || first.price <= 0) return dropped;
  // A relative margin, so that a price exactly at the ceiling (3 x 2.5 = 7.5) is not dropped by
  // floating-point noise.
  const double ceiling = ratio * first.price * (1 + 1e-9);
  const auto kept = std::stable_partition(order.begin() + 1, order.end(), [&](std::size_t index) {
    return !targets[index].price_known || targets[index].price <= ceiling;
  });
  dropped.assign(kept, order.end());
  order.erase(kept, order.end());
  return dropped;
}

}  // namespace switchyard::routing
