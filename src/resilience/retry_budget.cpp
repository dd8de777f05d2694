#include "resilience/retry_budget.h"

#include <algorithm>

namespace switchyard::resilience {

namespace {

std::int64_t secondOf(SteadyTime now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

}  // namespace

RetryBudget::RetryBudget(RetryBudgetConfig config)
    : config_(config),
      // One bucket per whole second of the window (at least one): the window is the current second
      // and the buckets.size() - 1 before it.
      buckets_(static_cast<std::size_t>(std::max<std::int64_t>(
          std::chrono::ceil<std::chrono::seconds>(config.window).count(), 1))) {}

RetryBudget::Bucket& RetryBudget::bucketAt(SteadyTime now) {
  const std::int64_t second = secondOf(now);
  const auto size = static_cast<std::int64_t>(buckets_.size());
  Bucket& bucket = buckets_[static_cast<std::size_t>(((second % size) + size) % size)];
  // A later second reuses the slot. A caller whose clock reading is a whole window older than the
  // slot's (threads read the clock before taking the lock) counts into the newer bucket rather than
  // wiping it.
  if (bucket.second < second) bucket = Bucket{second, 0, 0};
  return bucket;
}

void RetryBudget::sums(SteadyTime now, std::uint64_t& primaries, std::uint64_t& retries) const {
  const std::int64_t second = secondOf(now);
  const auto size = static_cast<std::int64_t>(buckets_.size());
  primaries = 0;
  retries = 0;
  for (const Bucket& bucket : buckets_) {
    if (bucket.second <= second - size) continue;  // left the window (or never used: -1)
    primaries += bucket.primaries;
    retries += bucket.retries;
  }
}

void RetryBudget::recordPrimary(SteadyTime now) {
  std::lock_guard lock(mutex_);
  ++bucketAt(now).primaries;
}

bool RetryBudget::tryAcquire(SteadyTime now) {
  std::lock_guard lock(mutex_);
  std::uint64_t primaries = 0;
  std::uint64_t retries = 0;
  sums(now, primaries, retries);
  const double window_seconds = std::chrono::duration<double>(config_.window).count();
  const double allowed = std::max(static_cast<double>(config_.min_per_second) * window_seconds,
                                  config_.ratio * static_cast<double>(primaries));
  if (static_cast<double>(retries + 1) > allowed) return false;
  ++bucketAt(now).retries;
  return true;
}

std::uint64_t RetryBudget::primaries(SteadyTime now) {
  std::lock_guard lock(mutex_);
  std::uint64_t primaries = 0;
  std::uint64_t retries = 0;
  sums(now, primaries, retries);
  return primaries;
}

std::uint64_t RetryBudget::retries(SteadyTime now) {
  std::lock_guard lock(mutex_);
  std::uint64_t primaries = 0;
  std::uint64_t retries = 0;
  sums(now, primaries, retries);
  return retries;
}

}  // namespace switchyard::resilience
