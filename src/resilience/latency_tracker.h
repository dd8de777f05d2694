#pragma once
// Per-target latency: time to first token and total time, as exponentially weighted moving averages
// plus a decaying histogram for percentiles (the hedge delay uses p95). Pure and single-threaded;
// TargetHealth collects samples per thread and merges them in batches (recordBatch).
#include <array>
#include <chrono>
#include <cstdint>

namespace switchyard::resilience {

using Millis = std::chrono::milliseconds;

class LatencyTracker {
 public:
  static constexpr std::size_t kBuckets = 48;  // log-spaced, 1 ms .. ~5 min
  // The histogram bucket a first-token time of `ms` falls in.
  static std::size_t bucketOf(double ms);

  // Samples gathered since the last batch: their counts, sums and histogram buckets.
  struct Batch {
    std::uint64_t first_token_count = 0;
    double first_token_sum_ms = 0;
    std::uint64_t total_count = 0;
    double total_sum_ms = 0;
    std::array<std::uint64_t, kBuckets> buckets{};
  };

  // `alpha`: weight of a new sample in the averages. `half_life_samples`: the histogram forgets
  // half of its weight every that many samples, so percentiles follow the target's recent behaviour.
  explicit LatencyTracker(double alpha = 0.2, int half_life_samples = 200);

  void recordFirstToken(Millis elapsed);
  void recordTotal(Millis elapsed);
  // Many samples at once, as if each average's samples had all been its batch mean and had arrived
  // together: an average moves by 1 - (1 - alpha)^n towards the mean (exactly what one sample does
  // when n is 1), and the histogram decays by n samples' worth before the batch's buckets are added.
  void recordBatch(const Batch& batch);

  std::uint64_t samples() const { return samples_; }         // first-token samples seen
  double firstTokenEwmaMs() const { return ttft_ewma_; }      // 0 before the first sample
  double totalEwmaMs() const { return total_ewma_; }
  // The q-quantile (0..1) of time to first token, from the decaying histogram; 0 without samples.
  double firstTokenQuantileMs(double q) const;

 private:
  double alpha_;
  double decay_;
  std::uint64_t samples_ = 0;
  std::uint64_t total_samples_ = 0;  // so the first total sample initialises its average too
  double ttft_ewma_ = 0;
  double total_ewma_ = 0;
  std::array<double, kBuckets> histogram_{};
};

}  // namespace switchyard::resilience
