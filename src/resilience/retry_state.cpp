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
      held_until_(target_count_, SteadyTime::min()),
      same_target_used_(target_count_, 0),
      excluded_(target_count_, false) {}

bool RetryState::skipped(std::size_t target, SteadyTime now, bool skip_held) const {
  return excluded_[target] || (skip_held && held_until_[target] > now);
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
  if (target >= excluded_.size()) return;
  excluded_[target] = true;
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

void RetryState::recordFailure(std::size_t target, std::optional<Millis> retry_after, SteadyTime now,
                               bool transient) {
  repeat_.reset();
  if (target >= not_before_.size()) return;
  if (limits_.same_target > 0 && transient && !excluded_[target]) {
    if (!retry_after || *retry_after <= limits_.same_target_wait_max) {
      const Millis wait = retry_after ? *retry_after
                                      : backoffForRound(same_target_used_[target] + 1, limits_, random_());
      // A retry that could not start before the deadline would only waste it: move on instead.
      if (same_target_used_[target] < limits_.same_target && now + wait < deadline_) {
        ++same_target_used_[target];
        repeat_ = target;
        repeat_wait_ = wait;
        return;
      }
    } else {
      // The provider asked for longer than a same-target retry may wait: move on now, and leave
      // this target out of the later rounds until then.
      held_until_[target] = now + *retry_after;
    }
  }
  if (!retry_after) return;
  not_before_[target] = now + std::min(*retry_after, limits_.retry_after_max);
}

}  // namespace switchyard::resilience
