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
      targets_(target_count_) {}

bool RetryState::skipped(std::size_t target, SteadyTime now, bool skip_held) const {
  return targets_[target].excluded || (skip_held && targets_[target].held_until > now);
}

std::size_t RetryState::position(SteadyTime now) const {
  for (const bool skip_held : {true, false}) {
    std::size_t position = cursor_;
    std::size_t skipped_count = 0;
    for (; skipped_count < target_count_ && skipped(position % target_count_, now, skip_held); ++skipped_count) {
      ++position;
    }
    if (skipped_count < target_count_) return position;
  }
  return cursor_;  // every target is excluded
}

void RetryState::startAttempt(const Next& next) {
  ++attempts_;
  if (next.same_target) {
    repeat_.reset();
  } else {
    cursor_ = next.position + 1;
  }
}

void RetryState::exclude(std::size_t target) {
  if (target >= targets_.size()) return;
  targets_[target].excluded = true;
  if (repeat_ == target) repeat_.reset();
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
  if (repeat_) {
    next.target = *repeat_;
    next.same_target = true;
    next.wait = repeat_wait_;
    if (now + next.wait >= deadline_) next.decision = Decision::GiveUpDeadline;
    return next;
  }
  const std::size_t attempt = position(now);
  next.position = attempt;
  next.target = attempt % target_count_;
  if (targets_[next.target].excluded) {  // every target is excluded
    next.decision = Decision::GiveUpAttempts;
    return next;
  }
  const int round = static_cast<int>(attempt / target_count_);
  // Backoff before each new round, at its first target that can serve.
  const bool new_round = cursor_ > 0 && attempt / target_count_ > (cursor_ - 1) / target_count_;
  if (new_round) next.wait = backoffForRound(round, limits_, random_());
  if (targets_[next.target].not_before > now) {
    next.wait = std::max(next.wait, std::chrono::ceil<Millis>(targets_[next.target].not_before - now));
  }
  if (now + next.wait >= deadline_) next.decision = Decision::GiveUpDeadline;
  return next;
}

void RetryState::recordFailure(std::size_t target, std::optional<Millis> retry_after, SteadyTime now,
                               bool transient) {
  repeat_.reset();
  if (target >= targets_.size()) return;
  PerTarget& known = targets_[target];
  if (limits_.same_target > 0 && transient && !known.excluded) {
    if (!retry_after || *retry_after <= limits_.same_target_wait_max) {
      const Millis wait = retry_after ? *retry_after
                                      : backoffForRound(known.same_target_used + 1, limits_, random_());
      // A retry that could not start before the deadline would only waste it: move on instead.
      if (known.same_target_used < limits_.same_target && now + wait < deadline_) {
        ++known.same_target_used;
        repeat_ = target;
        repeat_wait_ = wait;
        return;
      }
    } else {
      // The provider asked for longer than a same-target retry may wait: move on now, and leave
      // this target out of the later rounds until then.
      known.held_until = now + *retry_after;
    }
  }
  if (!retry_after) return;
  known.not_before = now + std::min(*retry_after, limits_.retry_after_max);
}

}  // namespace switchyard::resilience
