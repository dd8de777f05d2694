#include "resilience/circuit_breaker.h"

#include <algorithm>

namespace switchyard::resilience {

std::string_view toString(BreakerState state) {
  switch (state) {
    case BreakerState::Closed: return "closed";
    case BreakerState::Open: return "open";
    case BreakerState::HalfOpen: return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(BreakerConfig config) : config_(config) {
  // A config that could never close or never admit a probe would leave a target out for good.
  config_.half_open_probes = std::max(config_.half_open_probes, 1);
  config_.probes_to_close = std::max(config_.probes_to_close, 1);
  config_.consecutive_failures = std::max(config_.consecutive_failures, 1);
  config_.min_requests = std::max(config_.min_requests, 1);
}

BreakerState CircuitBreaker::state(SteadyTime now) const {
  if (state_ == BreakerState::Open && now >= open_until_) return BreakerState::HalfOpen;
  return state_;
}

Millis CircuitBreaker::openInterval() const {
  // base * 2^trips, computed without overflow: stop doubling once past the cap.
  auto interval = config_.open_base;
  for (int i = 0; i < trips_ && interval < config_.open_max; ++i) interval *= 2;
  return std::min(interval, config_.open_max);
}

Admission CircuitBreaker::admit(SteadyTime now) {
  if (state_ == BreakerState::Closed) return Admission::Allowed;
  if (state_ == BreakerState::Open) {
    if (now < open_until_) return Admission::Rejected;
    // The interval is over: a fresh half-open round. Probes still in flight from an earlier round
    // keep their slots (they are real requests on the target) until they report.
    state_ = BreakerState::HalfOpen;
    probe_successes_ = 0;
  }
  if (probes_in_flight_ >= config_.half_open_probes) return Admission::Rejected;
  ++probes_in_flight_;
  return Admission::Probe;
}

void CircuitBreaker::releaseProbe() { probes_in_flight_ = std::max(probes_in_flight_ - 1, 0); }

void CircuitBreaker::recordSuccess(SteadyTime now, Admission admission) {
  if (admission == Admission::Rejected) return;
  if (admission == Admission::Probe) releaseProbe();
  if (state_ == BreakerState::Closed) {
    // Also a probe that reports after its round already closed the breaker: a plain outcome now.
    expire(now);
    window_.emplace_back(now, false);
    consecutive_failures_ = 0;
    return;
  }
  // Only a probe can close the breaker; a slow request admitted before the trip proves little.
  if (admission != Admission::Probe || state_ != BreakerState::HalfOpen) return;
  if (++probe_successes_ >= config_.probes_to_close) close();
}

void CircuitBreaker::recordFailure(SteadyTime now, Admission admission) {
  if (admission == Admission::Rejected) return;
  if (admission == Admission::Probe) releaseProbe();
  if (state_ == BreakerState::Closed) {
    expire(now);
    window_.emplace_back(now, true);
    ++window_failures_;
    ++consecutive_failures_;
    const int requests = static_cast<int>(window_.size());
    const int failures = window_failures_;
    const bool rate_tripped =
        requests >= config_.min_requests &&
        static_cast<double>(failures) >= config_.failure_rate * static_cast<double>(requests);
    if (consecutive_failures_ >= config_.consecutive_failures || rate_tripped) trip(now);
    return;
  }
  // Open: the failure of a request admitted before the trip (or of a probe whose sibling already
  // re-opened the breaker) is old news; tripping again would double the interval for nothing.
  if (admission == Admission::Probe && state_ == BreakerState::HalfOpen) trip(now);
}

void CircuitBreaker::admitProbesNow(SteadyTime now) {
  if (state_ != BreakerState::Open) return;
  // As admit() does when the interval runs out: a fresh half-open round, in-flight probes keeping
  // their slots. open_until_ moves to now so that reopensAt() does not promise a later end.
  open_until_ = std::min(open_until_, now);
  state_ = BreakerState::HalfOpen;
  probe_successes_ = 0;
}

void CircuitBreaker::forceClose() { close(); }

void CircuitBreaker::forceOpen(SteadyTime now) {
  if (state(now) != BreakerState::Open) trip(now);
}

void CircuitBreaker::trip(SteadyTime now) {
  open_until_ = now + openInterval();
  ++trips_;
  state_ = BreakerState::Open;
  probe_successes_ = 0;
}

void CircuitBreaker::close() {
  state_ = BreakerState::Closed;
  trips_ = 0;
  consecutive_failures_ = 0;
  probe_successes_ = 0;
  probes_in_flight_ = 0;
  window_.clear();  // the failures that tripped it are not held against the recovered target
  window_failures_ = 0;
}

void CircuitBreaker::expire(SteadyTime now) const {
  while (!window_.empty() && window_.front().first + config_.window <= now) {
    if (window_.front().second) --window_failures_;
    window_.pop_front();
  }
}

int CircuitBreaker::windowRequests(SteadyTime now) const {
  expire(now);
  return static_cast<int>(window_.size());
}

int CircuitBreaker::windowFailures(SteadyTime now) const {
  expire(now);
  return window_failures_;
}

}  // namespace switchyard::resilience
