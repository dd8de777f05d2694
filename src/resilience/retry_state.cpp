#include "resilience/retry_state.h"

#include <algorithm>

namespace switchyard::resilience {

Millis backoffForRound(int round, const RetryLimits& limits, double uniform01) {
  if (round < 1) return Millis{0};
  const int shift = std::min(round - 1, 30);
  const auto grown = limits.backoff_base.count() * (std::int64_t{1} << shift);
  const auto ceiling = std::min<std::int64_t>(grown, limits.backoff_max.count());
  const double jittered = static_cast<double>(ceiling) * (0.5 + 0.5 * uniform01);
  return Millis{static_cast<Millis::rep>(jittered)};
}

RetryState::RetryState(RetryLimits limits, std::size_t target_count, SteadyTime deadline,
                       UniformRandom random)
    : limits_(limits),
      target_count_(std::max<std::size_t>(target_count, 1)),
      deadline_(deadline),
      random_(std::move(random)),
      not_before_(target_count_, SteadyTime::min()),
      excluded_(target_count_, false) {}

std::size_t RetryState::position() const {
  std::size_t position = cursor_;
  for (std::size_t skipped = 0; skipped < target_count_ && excluded_[position % target_count_]; ++skipped) {
    ++position;
  }
  return position;
}

void RetryState::startAttempt() {
  ++attempts_;
  cursor_ = position() + 1;
}

void RetryState::exclude(std::size_t target) {
  if (target < excluded_.size()) excluded_[target] = true;
}

RetryState::Next RetryState::next(SteadyTime now) const {
  Next next;
  if (attempts_ >= limits_.max_attempts) {
    next.decision = Decision::GiveUpAttempts;
    return next;
  }
  if (now >= deadline_) {
    next.decision = Decision::GiveUpDeadline;
    return next;
  }
  const std::size_t attempt = position();
  next.target = attempt % target_count_;
  if (excluded_[next.target]) {  // every target is excluded
    next.decision = Decision::GiveUpAttempts;
    return next;
  }
  const int round = static_cast<int>(attempt / target_count_);
  // Backoff before each new round, at its first target that can serve.
  const bool new_round = cursor_ > 0 && attempt / target_count_ > (cursor_ - 1) / target_count_;
  if (new_round) next.wait = backoffForRound(round, limits_, random_());
  if (not_before_[next.target] > now) {
    next.wait = std::max(next.wait, std::chrono::ceil<Millis>(not_before_[next.target] - now));
  }
  if (now + next.wait >= deadline_) next.decision = Decision::GiveUpDeadline;
  return next;
}

void RetryState::recordFailure(std::size_t target, std::optional<Millis> retry_after,
                               SteadyTime now) {
  if (!retry_after || target >= not_before_.size()) return;
  not_before_[target] = now + std::min(*retry_after, limits_.retry_after_max);
}

}  // namespace switchyard::resilience
