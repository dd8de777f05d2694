#pragma once
// Retries and hedges across the gateway stay under a share of primary requests over a sliding
// window (Envoy's retry budget, Finagle's RetryBudget), so a provider-wide outage does not multiply
// the load on the targets that survive. Thread-safe: every worker shares one budget.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

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

  // A client request's first attempt.
  void recordPrimary(SteadyTime now);
  // Takes one retry (or hedge) from the budget; false when the budget is spent.
  bool tryAcquire(SteadyTime now);

  // For /admin: primaries and retries in the current window.
  std::uint64_t primaries(SteadyTime now);
  std::uint64_t retries(SteadyTime now);

 private:
  // One-second buckets in a ring; a bucket is reset when time comes round to it again.
  struct Bucket {
    std::int64_t second = -1;
    std::uint64_t primaries = 0;
    std::uint64_t retries = 0;
  };
  Bucket& bucketAt(SteadyTime now);
  void sums(SteadyTime now, std::uint64_t& primaries, std::uint64_t& retries) const;

  RetryBudgetConfig config_;
  std::mutex mutex_;
  std::vector<Bucket> buckets_;
};

}  // namespace switchyard::resilience
