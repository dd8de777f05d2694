#include "accounting/estimates.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace switchyard::accounting {

std::int64_t reservationNanoUsd(std::int64_t prompt_tokens_upper, std::int64_t max_output_tokens,
                                const canonical::TokenPrice& price) {
  if (!price.known) return 0;
  const double prompt = static_cast<double>(std::max<std::int64_t>(prompt_tokens_upper, 0));
  const double output = static_cast<double>(std::max<std::int64_t>(max_output_tokens, 0));
  const double usd = (prompt * std::max(price.input_per_mtok, price.cached_input_per_mtok) +
                      output * price.output_per_mtok) /
                     1e6;
  // One nano-USD more than the exact bound: costNanoUsd sums the same terms split differently
  // (uncached + cached), and the two roundings may differ in the last bit, far below a nano-USD
  // for any amount a request can cost.
  const double nano = std::ceil(usd * 1e9) + 1;
  if (!(nano < 9.0e18)) return std::numeric_limits<std::int64_t>::max();
  return std::max<std::int64_t>(static_cast<std::int64_t>(nano), 0);
}

}  // namespace switchyard::accounting
