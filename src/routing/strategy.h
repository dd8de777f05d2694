#pragma once
// Strategies: in which order a route tries the targets its planner keeps. Pure, apart from the small
// state the caller keeps per worker (StrategyState): the planner decides which targets a request may
// try (breakers, down domains, brownout, data classes); a strategy only orders them.
//
//   fallback  the route's order.
//   cheapest  the lowest comparable price (input + output per token) first; ties by the average time
//             to first token, then route order. Targets with no known price follow the priced ones.
//   fastest   power of two choices: two distinct random candidates, the lower latency average wins
//             the first place (time to first token for streams, the whole answer otherwise; a
//             target never measured counts as 0, so new targets get tried); the rest by latency.
//   weighted  smooth weighted round-robin (nginx's) by weight for the first place; the rest by weight.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string_view>
#include <vector>

namespace switchyard::routing {

struct TargetView;

enum class Strategy : std::uint8_t { Fallback, Cheapest, Fastest, Weighted };

// "fallback", "cheapest", "fastest", "weighted"; nullopt for anything else.
std::optional<Strategy> parseStrategy(std::string_view name);
std::string_view strategyName(Strategy strategy);

// What the stateful strategies remember between requests, one per worker (not thread-safe; no
// lock needed since a worker's requests run on one thread). It serves every route of a route table:
// the round-robin weights are kept per TargetRef::slot, which is unique across routes and rules.
struct StrategyState {
  StrategyState();  // seeded from std::random_device
  explicit StrategyState(std::uint64_t seed) : rng(seed) {}

  // Forgets the round-robin weights when the route table changes (a reload renumbers slots).
  void bind(const void* table) {
    if (table == owner) return;
    owner = table;
    current.clear();
  }
  // A number in [0, bound), bound > 0.
  std::size_t random(std::size_t bound) { return static_cast<std::size_t>(rng() % bound); }

  std::mt19937_64 rng;
  std::vector<std::int64_t> current;  // smooth weighted round-robin: current weight per slot
  const void* owner = nullptr;
};

// Orders `order` (indexes into `targets`) by `strategy`. With `pick`, the first place is the
// strategy's choice of the moment (fastest's two random candidates, weighted's round-robin turn,
// which advances `state`); without, or without a state, `order` is only sorted by the strategy's
// key (fastest: latency; weighted: weight, highest first). Ties keep their relative order.
void orderByStrategy(Strategy strategy, std::span<const TargetView> targets, std::span<std::size_t> order,
                     bool stream, StrategyState* state, bool pick);

// max_cost_ratio: removes from `order` every target whose comparable price is known and more than
// `ratio` times the first target's; returns them (in plan order). A ratio of 0 or less, a first
// target with no known price or a price of 0 removes nothing. The first target is always kept.
std::vector<std::size_t> applyCostCeiling(std::span<const TargetView> targets, std::vector<std::size_t>& order,
                                          double ratio);

}  // namespace switchyard::routing
