#include "resilience/latency_tracker.h"

#include <algorithm>
#include <cmath>

namespace switchyard::resilience {

namespace {

// Bucket i holds [kMinMs * r^i, kMinMs * r^(i+1)), r = (kMaxMs / kMinMs)^(1/buckets): about 30% wide
// each, so an interpolated quantile is within a few percent. Faster samples fall in the first
// bucket, slower ones in the last.
constexpr double kMinMs = 1.0;
constexpr double kMaxMs = 300000.0;  // 5 minutes
// Weights below this are flushed to zero so that buckets the target left long ago do not decay
// into denormals (slow arithmetic) forever.
constexpr double kNegligible = 1e-9;

double logRatio(std::size_t buckets) { return std::log(kMaxMs / kMinMs) / static_cast<double>(buckets); }

double ewma(double average, double sample, double alpha, bool first) {
  return first ? sample : alpha * sample + (1.0 - alpha) * average;
}

}  // namespace

LatencyTracker::LatencyTracker(double alpha, int half_life_samples)
    : alpha_(std::clamp(alpha, 0.0, 1.0)),
      decay_(std::pow(0.5, 1.0 / static_cast<double>(std::max(half_life_samples, 1)))) {}

std::size_t LatencyTracker::bucketOf(double ms) {
  const double position = std::log(std::max(ms, kMinMs) / kMinMs) / logRatio(kBuckets);
  return std::min(static_cast<std::size_t>(position), kBuckets - 1);
}

void LatencyTracker::recordFirstToken(Millis elapsed) {
  const double ms = static_cast<double>(std::max<Millis::rep>(elapsed.count(), 0));
  ttft_ewma_ = ewma(ttft_ewma_, ms, alpha_, samples_ == 0);
  ++samples_;

  for (double& weight : histogram_) {
    weight *= decay_;
    if (weight < kNegligible) weight = 0;
  }
  histogram_[bucketOf(ms)] += 1.0;
}

void LatencyTracker::recordBatch(const Batch& batch) {
  const auto moved = [this](double average, double mean, std::uint64_t count, bool first) {
    if (first) return mean;
    const double kept = std::pow(1.0 - alpha_, static_cast<double>(count));
    return kept * average + (1.0 - kept) * mean;
  };
  if (batch.first_token_count > 0) {
    const double mean = batch.first_token_sum_ms / static_cast<double>(batch.first_token_count);
    ttft_ewma_ = moved(ttft_ewma_, mean, batch.first_token_count, samples_ == 0);
    samples_ += batch.first_token_count;
    const double decay = std::pow(decay_, static_cast<double>(batch.first_token_count));
    for (std::size_t i = 0; i < kBuckets; ++i) {
      double& weight = histogram_[i];
      weight *= decay;
      if (weight < kNegligible) weight = 0;
      weight += static_cast<double>(batch.buckets[i]);
    }
  }
  if (batch.total_count > 0) {
    const double mean = batch.total_sum_ms / static_cast<double>(batch.total_count);
    total_ewma_ = moved(total_ewma_, mean, batch.total_count, total_samples_ == 0);
    total_samples_ += batch.total_count;
  }
}

void LatencyTracker::recordTotal(Millis elapsed) {
  const double ms = static_cast<double>(std::max<Millis::rep>(elapsed.count(), 0));
  total_ewma_ = ewma(total_ewma_, ms, alpha_, total_samples_ == 0);
  ++total_samples_;
}

double LatencyTracker::firstTokenQuantileMs(double q) const {
  if (samples_ == 0) return 0;
  double total = 0;
  for (double weight : histogram_) total += weight;
  if (total <= 0) return 0;

  const double wanted = std::clamp(q, 0.0, 1.0) * total;
  const double log_ratio = logRatio(kBuckets);
  double below = 0;
  std::size_t last_used = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    const double weight = histogram_[i];
    if (weight <= 0) continue;
    last_used = i;
    if (below + weight >= wanted) {
      // Geometric interpolation: samples are taken as spread evenly in log space in the bucket.
      const double fraction = (wanted - below) / weight;
      return kMinMs * std::exp((static_cast<double>(i) + fraction) * log_ratio);
    }
    below += weight;
  }
  // Rounding left `wanted` just above the sum: the top of the highest used bucket.
  return kMinMs * std::exp(static_cast<double>(last_used + 1) * log_ratio);
}

}  // namespace switchyard::resilience
