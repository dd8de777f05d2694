#pragma once
// Retries and hedges across the gateway stay under a share of primary requests over a sliding
// window (Envoy's retry budget, Finagle's RetryBudget), so a provider-wide outage does not multiply
// the load on the targets that survive. Thread-safe: every worker shares one budget. A primary (every
// request) is counted lock-free into the calling thread's shard (thread_shards.h); only taking a retry
// locks, so that concurrent takers never overspend. Counts are exact (no merging delay).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "resilience/thread_shards.h"

namespace switchyard::resilience {

using SteadyTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

struct RetryBudgetConfig {
  double ratio = 0.2;        // extra attempts allowed per primary request over the window
  int min_per_second = 10;   // always allowed, so low traffic can still retry
  Millis window{10000};
};

class RetryBudget {
 public:
  explicit RetryBudget(RetryBudgetConfig config = {});

  // A client request's first attempt. Lock-free.
  void recordPrimary(SteadyTime now);
  // Takes one retry (or hedge) from the budget; false when the budget is spent.
  bool tryAcquire(SteadyTime now);

  // For /admin: primaries and retries in the current window.
  std::uint64_t primaries(SteadyTime now) const;
  std::uint64_t retries(SteadyTime now);

 private:
  // Retries: one-second buckets in a ring, under mutex_; a bucket is reset when time comes round to
  // it again. Primaries: the same seconds in per-thread shards.
  struct Bucket {
    std::int64_t second = -1;
    std::uint64_t retries = 0;
  };
  Bucket& bucketAt(SteadyTime now);
  std::uint64_t retriesIn(SteadyTime now) const;

  RetryBudgetConfig config_;
  std::mutex mutex_;
  std::vector<Bucket> buckets_;
  SlotCounter primaries_;
};

}  // namespace switchyard::resilience
