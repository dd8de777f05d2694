#pragma once
// Counters and histograms that every worker updates on every request, in per-thread shards
// (resilience/thread_shards.h): an update is one relaxed add on the calling thread's own cache
// lines, never a lock, never a line that other workers write too, never an allocation. Only a
// scrape of /metrics sums the shards.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "resilience/thread_shards.h"

namespace switchyard::proxy {

// `cells` counters per shard. A gauge is a counter that also goes down: add(cell, -n) wraps, and the
// sum read back as signed is the gauge's value (the shards' sum is exact modulo 2^64).
class ShardedCounters {
 public:
  explicit ShardedCounters(std::size_t cells);

  void add(std::size_t cell, std::uint64_t n = 1) {
    at(resilience::threadShard(), cell).fetch_add(n, std::memory_order_relaxed);
  }
  void addSigned(std::size_t cell, std::int64_t n) { add(cell, static_cast<std::uint64_t>(n)); }
  std::uint64_t sum(std::size_t cell) const;
  std::int64_t signedSum(std::size_t cell) const { return static_cast<std::int64_t>(sum(cell)); }
  std::size_t size() const { return cells_; }

 private:
  std::atomic<std::uint64_t>& at(std::size_t shard, std::size_t cell) const {
    const std::size_t index = shard * stride_ + cell;
    return lines_[index / 8].cells[index % 8];
  }
  std::size_t cells_;
  std::size_t stride_;  // cells per shard, rounded up to whole cache lines
  std::unique_ptr<resilience::CounterLine[]> lines_;
};

// A histogram's fixed buckets: upper bounds in the exported unit (seconds, tokens), and how many
// recorded units make one exported unit (1e9 for nanoseconds recorded as seconds).
struct HistogramBuckets {
  std::span<const double> upper;
  double per_unit = 1;
};

// One sharded histogram: a bucket per bound, the +Inf bucket, and the sum (in recorded units).
class ShardedHistogram {
 public:
  explicit ShardedHistogram(const HistogramBuckets& buckets);

  void observe(std::uint64_t value, std::uint64_t times = 1);
  const HistogramBuckets& buckets() const { return buckets_; }

  // What a scrape reads: counts per bucket (not cumulative, +Inf last) and the sum, exported unit.
  struct Totals {
    std::vector<std::uint64_t> counts;
    double sum = 0;
  };
  // Adds this histogram into `totals` (sized on first use): several series may merge into one.
  void addTo(Totals& totals) const;

 private:
  HistogramBuckets buckets_;
  std::vector<std::uint64_t> upper_;  // bounds in recorded units
  ShardedCounters cells_;             // buckets (upper_.size() + 1), then the sum
};

// Bucket bounds (seconds or tokens). The GenAI ones are OpenTelemetry's advised boundaries for
// gen_ai.server.time_to_first_token, gen_ai.client.operation.duration and gen_ai.client.token.usage.
extern const HistogramBuckets kFirstTokenBuckets;    // seconds, per ns recorded
extern const HistogramBuckets kDurationBuckets;      // seconds, per ns recorded
extern const HistogramBuckets kTokenGapBuckets;      // seconds, per ns recorded
extern const HistogramBuckets kTokenUsageBuckets;    // tokens

}  // namespace switchyard::proxy
