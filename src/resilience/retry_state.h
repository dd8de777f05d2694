#pragma once
// Per-request retry decisions for the fallback strategy. A failed attempt moves on to the next
// target at once; a target is tried again only after every target has had its turn (round by
// round), with exponential backoff and jitter before each new round and any Retry-After the target
// asked for, all within max_attempts and the request's total deadline. Pure: time comes in as
// arguments, randomness through an injected source, so tests need no sleeps.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

namespace switchyard::resilience {

using Millis = std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

struct RetryLimits {
  int max_attempts = 4;
  Millis backoff_base{50};
  Millis backoff_max{2000};
  Millis retry_after_max{10000};
};

// Returns a uniformly distributed number in [0, 1).
using UniformRandom = std::function<double()>;

// The backoff before round `round` (1 = the first retry round): "equal jitter", a delay drawn
// uniformly from [d/2, d] with d = min(backoff_max, backoff_base * 2^(round-1)).
Millis backoffForRound(int round, const RetryLimits& limits, double uniform01);

class RetryState {
 public:
  RetryState(RetryLimits limits, std::size_t target_count, SteadyTime deadline, UniformRandom random);

  enum class Decision { Try, GiveUpAttempts, GiveUpDeadline };
  struct Next {
    Decision decision = Decision::Try;
    std::size_t target = 0;  // index into the route's targets
    Millis wait{0};          // how long to wait before the attempt
  };
  // What to do next; when it says Try, the caller waits `wait`, then calls startAttempt().
  Next next(SteadyTime now) const;
  void startAttempt();
  // `target` cannot serve this request at all (its wire format cannot carry it): it is never
  // chosen again, and choosing it cost no attempt. With every target excluded, next() gives up.
  void exclude(std::size_t target);
  bool excluded(std::size_t target) const { return target < excluded_.size() && excluded_[target]; }
  // Records that `target` failed; `retry_after` is the provider's wish, if it expressed one.
  void recordFailure(std::size_t target, std::optional<Millis> retry_after, SteadyTime now);

  int attempts() const { return attempts_; }

 private:
  RetryLimits limits_;
  std::size_t target_count_;
  SteadyTime deadline_;
  UniformRandom random_;
  // The position in the endless round-robin sequence of the next attempt (skipping excluded targets).
  std::size_t position() const;

  int attempts_ = 0;
  std::size_t cursor_ = 0;              // position() starts looking here
  std::vector<SteadyTime> not_before_;  // per target, from Retry-After
  std::vector<bool> excluded_;
};

}  // namespace switchyard::resilience
