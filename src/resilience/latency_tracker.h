#pragma once
// Per-target latency: time to first token and total time, as exponentially weighted moving averages
// plus a decaying histogram for percentiles (the hedge delay uses p95). Pure and single-threaded.
#include <array>
#include <chrono>
#include <cstdint>

namespace switchyard::resilience {

using Millis = std::chrono::milliseconds;

class LatencyTracker {
 public:
  // `alpha`: weight of a new sample in the averages. `half_life_samples`: the histogram forgets
  // half of its weight every that many samples, so percentiles follow the target's recent behaviour.
  explicit LatencyTracker(double alpha = 0.2, int half_life_samples = 200);

  void recordFirstToken(Millis elapsed);
  void recordTotal(Millis elapsed);

  std::uint64_t samples() const { return samples_; }         // first-token samples seen
  double firstTokenEwmaMs() const { return ttft_ewma_; }      // 0 before the first sample
  double totalEwmaMs() const { return total_ewma_; }
  // The q-quantile (0..1) of time to first token, from the decaying histogram; 0 without samples.
  double firstTokenQuantileMs(double q) const;

 private:
  static constexpr std::size_t kBuckets = 48;  // log-spaced, 1 ms .. ~5 min
  double alpha_;
  double decay_;
  std::uint64_t samples_ = 0;
  std::uint64_t total_samples_ = 0;  // so the first total sample initialises its average too
  double ttft_ewma_ = 0;
  double total_ewma_ = 0;
  std::array<double, kBuckets> histogram_{};
};

}  // namespace switchyard::resilience
