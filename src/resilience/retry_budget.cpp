#include "resilience/retry_budget.h"

#include <algorithm>

namespace switchyard::resilience {

namespace {

std::int64_t secondOf(SteadyTime now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

// One bucket per whole second of the window (at least one): the window is the current second and
// the size - 1 before it.
std::size_t windowSeconds(Millis window) {
  return static_cast<std::size_t>(std::max<std::int64_t>(std::chrono::ceil<std::chrono::seconds>(window).count(), 1));
}

}  // namespace

RetryBudget::RetryBudget(RetryBudgetConfig config)
    : config_(config), buckets_(windowSeconds(config.window)), primaries_(windowSeconds(config.window)) {}

RetryBudget::Bucket& RetryBudget::bucketAt(SteadyTime now) {
  const std::int64_t second = secondOf(now);
  const auto size = static_cast<std::int64_t>(buckets_.size());
  Bucket& bucket = buckets_[static_cast<std::size_t>(((second % size) + size) % size)];
  // A later second reuses the slot. A caller whose clock reading is a whole window older than the
  // slot's (threads read the clock before taking the lock) counts into the newer bucket rather than
  // wiping it.
  if (bucket.second < second) bucket = Bucket{second, 0};
  return bucket;
}

std::uint64_t RetryBudget::retriesIn(SteadyTime now) const {
  const std::int64_t second = secondOf(now);
  const auto size = static_cast<std::int64_t>(buckets_.size());
  std::uint64_t retries = 0;
  for (const Bucket& bucket : buckets_) {
    if (bucket.second <= second - size) continue;  // left the window (or never used: -1)
    retries += bucket.retries;
  }
  return retries;
}

void RetryBudget::recordPrimary(SteadyTime now) { primaries_.add(secondOf(now)); }

bool RetryBudget::tryAcquire(SteadyTime now) {
  const double window_seconds = std::chrono::duration<double>(config_.window).count();
  std::lock_guard lock(mutex_);
  const std::uint64_t primaries = this->primaries(now);
  const std::uint64_t retries = retriesIn(now);
  const double allowed = std::max(static_cast<double>(config_.min_per_second) * window_seconds,
                                  config_.ratio * static_cast<double>(primaries));
  if (static_cast<double>(retries + 1) > allowed) return false;
  ++bucketAt(now).retries;
  return true;
}

std::uint64_t RetryBudget::primaries(SteadyTime now) const {
  return primaries_.sumFrom(secondOf(now) - static_cast<std::int64_t>(buckets_.size()) + 1);
}

std::uint64_t RetryBudget::retries(SteadyTime now) {
  std::lock_guard lock(mutex_);
  return retriesIn(now);
}

}  // namespace switchyard::resilience
