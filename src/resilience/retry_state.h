#pragma once
// Per-request retry decisions for the fallback strategy. A failed attempt moves on to the next
// target at once; a target is tried again only after every target has had its turn (round by
// round), with exponential backoff and jitter before each new round and any Retry-After the target
// asked for, all within max_attempts and the request's total deadline. With `same_target: N`, a
// transient failure is first retried on the same target up to N times (after the backoff, or a
// Retry-After of at most same_target_wait_max); a longer Retry-After moves on at once and keeps
// that target out of the later rounds until it has passed (unless nothing else is left). Pure:
// time comes in as arguments, randomness through an injected source, so tests need no sleeps.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include <boost/container/small_vector.hpp>

namespace switchyard::resilience {

using Millis = std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

struct RetryLimits {
  int max_attempts = 4;
  Millis backoff_base{50};
  Millis backoff_max{2000};
  Millis retry_after_max{10000};
  int same_target = 0;                 // same-target retries per target for a transient failure
  Millis same_target_wait_max{2000};   // the longest Retry-After a same-target retry waits for
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
    bool same_target = false;  // a same-target retry of the attempt that just failed
    std::size_t position = 0;  // where in the round-robin sequence (startAttempt's bookkeeping)
  };
  // What to do next; when it says Try, the caller waits `wait`, then calls startAttempt(next).
  Next next(SteadyTime now) const;
  void startAttempt(const Next& next);
  const RetryLimits& limits() const { return limits_; }
  // An attempt outside the sequence (a hedge racing the current one): counts toward max_attempts.
  void countExtraAttempt() { ++attempts_; }
  // `target` cannot serve this request at all (its wire format cannot carry it): it is never
  // chosen again, and choosing it cost no attempt. With every target excluded, next() gives up.
  void exclude(std::size_t target);
  bool excluded(std::size_t target) const { return target < targets_.size() && targets_[target].excluded; }
  // Records that `target` failed; `retry_after` is the provider's wish, if it expressed one.
  // `transient` failures (5xx, 429, reset, malformed answer) may be retried on the same target.
  void recordFailure(std::size_t target, std::optional<Millis> retry_after, SteadyTime now,
                     bool transient = false);

  int attempts() const { return attempts_; }

 private:
  RetryLimits limits_;
  std::size_t target_count_;
  SteadyTime deadline_;
  UniformRandom random_;
  // The position in the endless round-robin sequence of the next attempt: skips excluded targets,
  // and targets held out by a long Retry-After while any other target is left.
  std::size_t position(SteadyTime now) const;
  bool skipped(std::size_t target, SteadyTime now, bool skip_held) const;

  int attempts_ = 0;
  std::size_t cursor_ = 0;              // position() starts looking here
  // What this request knows of each target: one allocation per request, whatever it learns.
  struct PerTarget {
    SteadyTime not_before = SteadyTime::min();  // from Retry-After
    SteadyTime held_until = SteadyTime::min();  // out of the rounds until then (same-target mode)
    int same_target_used = 0;                   // same-target retries spent
    bool excluded = false;
  };
  // Inline for the usual route of a few targets: a request allocates nothing for its retry state.
  boost::container::small_vector<PerTarget, 4> targets_;
  std::optional<std::size_t> repeat_;   // the target a same-target retry goes to next
  Millis repeat_wait_{0};
};

}  // namespace switchyard::resilience
