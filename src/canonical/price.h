#pragma once
// What tokens cost: a target's price (USD per million tokens) and the cost of one answer's usage.
// Shared by routing (strategies, max_cost_ratio), the attempts (x-switchyard-cost-usd) and
// accounting (budgets).
#include <cstdint>

#include "canonical/chat.h"

namespace switchyard::canonical {

struct TokenPrice {
  double input_per_mtok = 0;
  double output_per_mtok = 0;
  double cached_input_per_mtok = 0;  // cache reads; equal to input_per_mtok when not stated
  bool known = false;                // from config or the catalog; false: unpriced (costs 0)
  // Per-token price used to compare targets (strategy cheapest, max_cost_ratio): input + output.
  double comparable() const { return input_per_mtok + output_per_mtok; }
};

// USD for one answer's usage: uncached input at the input price, cache reads at the cached price,
// cache writes at the input price, output (reasoning included, as providers bill it) at the output
// price.
double costUsd(const Usage& usage, const TokenPrice& price);

// The same in nano-USD (1e-9 USD), rounded to nearest (as x-switchyard-cost-usd shows it): budgets
// count in integers so that concurrent reservations add exactly (reservations round up on their own).
std::int64_t costNanoUsd(const Usage& usage, const TokenPrice& price);

}  // namespace switchyard::canonical
