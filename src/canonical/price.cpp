#include "canonical/price.h"

#include <algorithm>
#include <cmath>

namespace switchyard::canonical {

double costUsd(const Usage& usage, const TokenPrice& price) {
  // Usage::input_tokens counts every prompt token (OpenAI's prompt_tokens includes cached ones;
  // the decoders add Anthropic's cache reads and writes into it as well).
  const std::int64_t cached = std::min(usage.cache_read_tokens, usage.input_tokens);
  const std::int64_t uncached = usage.input_tokens - cached;
  return (static_cast<double>(uncached) * price.input_per_mtok +
          static_cast<double>(cached) * price.cached_input_per_mtok +
          static_cast<double>(usage.output_tokens) * price.output_per_mtok) /
         1e6;
}

std::int64_t costNanoUsd(const Usage& usage, const TokenPrice& price) {
  return static_cast<std::int64_t>(std::llround(costUsd(usage, price) * 1e9));
}

}  // namespace switchyard::canonical
