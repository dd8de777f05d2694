#include "proxy/metric_shards.h"

#include <algorithm>
#include <cmath>

namespace switchyard::proxy {

namespace {

constexpr double kFirstToken[] = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
                                  0.25,  0.5,   0.75, 1.0,  2.5,  5.0,  7.5,  10.0};
constexpr double kDuration[] = {0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
// Finer than OpenTelemetry's time_per_output_token at the low end: events of a fast stream come
// milliseconds apart.
constexpr double kTokenGap[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15,
                                0.2,   0.3,    0.4,   0.5,  0.75,  1.0,  2.5,   5.0, 10.0};
constexpr double kTokenUsage[] = {1,      4,       16,      64,       256,      1024,     4096,
                                  16384,  65536,   262144,  1048576,  4194304,  16777216, 67108864};

}  // namespace

const HistogramBuckets kFirstTokenBuckets{kFirstToken, 1e9};
const HistogramBuckets kDurationBuckets{kDuration, 1e9};
const HistogramBuckets kTokenGapBuckets{kTokenGap, 1e9};
const HistogramBuckets kTokenUsageBuckets{kTokenUsage, 1};

ShardedCounters::ShardedCounters(std::size_t cells)
    : cells_(cells),
      stride_((cells + 7) / 8 * 8),
      lines_(std::make_unique<resilience::CounterLine[]>(stride_ / 8 * resilience::kThreadShards)) {}

std::uint64_t ShardedCounters::sum(std::size_t cell) const {
  std::uint64_t total = 0;
  for (std::size_t shard = 0; shard < resilience::kThreadShards; ++shard) {
    total += at(shard, cell).load(std::memory_order_relaxed);
  }
  return total;
}

ShardedHistogram::ShardedHistogram(const HistogramBuckets& buckets)
    : buckets_(buckets), cells_(buckets.upper.size() + 2) {
  for (const double bound : buckets.upper) upper_.push_back(static_cast<std::uint64_t>(std::llround(bound * buckets.per_unit)));
}

void ShardedHistogram::observe(std::uint64_t value, std::uint64_t times) {
  const auto bucket = static_cast<std::size_t>(std::lower_bound(upper_.begin(), upper_.end(), value) - upper_.begin());
  cells_.add(bucket, times);
  cells_.add(upper_.size() + 1, value * times);
}

void ShardedHistogram::addTo(Totals& totals) const {
  totals.counts.resize(upper_.size() + 1, 0);
  for (std::size_t i = 0; i <= upper_.size(); ++i) totals.counts[i] += cells_.sum(i);
  totals.sum += static_cast<double>(cells_.sum(upper_.size() + 1)) / buckets_.per_unit;
}

}  // namespace switchyard::proxy
