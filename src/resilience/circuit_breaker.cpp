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

namespace {

std::int64_t floorDiv(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

}  // namespace

CircuitBreaker::Window::Window(Millis length_)
    : length(std::max(length_, Millis(1))),
      step_ticks(std::max<std::int64_t>(
          (std::chrono::duration_cast<SteadyTime::duration>(length).count() + kSteps - 1) / kSteps, 1)),
      successes(kRing),
      failures(kRing, {-1, 0}) {}

std::int64_t CircuitBreaker::Window::stepOf(SteadyTime now) const {
  return std::max<std::int64_t>(floorDiv(now.time_since_epoch().count(), step_ticks), 0);
}

std::int64_t CircuitBreaker::Window::firstStepAt(SteadyTime now) const {
  // A step is in the window while its start + length > now.
  const auto start = now - std::chrono::duration_cast<SteadyTime::duration>(length);
  return floorDiv(start.time_since_epoch().count(), step_ticks) + 1;
}

CircuitBreaker::CircuitBreaker(BreakerConfig config) : config_(config) {
  // A config that could never close or never admit a probe would leave a target out for good.
  config_.half_open_probes = std::max(config_.half_open_probes, 1);
  config_.probes_to_close = std::max(config_.probes_to_close, 1);
  config_.consecutive_failures = std::max(config_.consecutive_failures, 1);
  config_.min_requests = std::max(config_.min_requests, 1);
  windows_.push_back(std::make_unique<Window>(config_.window));
  window_.store(windows_.back().get(), std::memory_order_release);
}

void CircuitBreaker::reconfigure(const BreakerConfig& config) {
  const Millis old_window = config_.window;
  config_ = config;
  config_.half_open_probes = std::max(config_.half_open_probes, 1);
  config_.probes_to_close = std::max(config_.probes_to_close, 1);
  config_.consecutive_failures = std::max(config_.consecutive_failures, 1);
  config_.min_requests = std::max(config_.min_requests, 1);
  if (std::max(config_.window, Millis(1)) == std::max(old_window, Millis(1))) return;
  windows_.push_back(std::make_unique<Window>(config_.window));
  window_.store(windows_.back().get(), std::memory_order_release);
  successes_seen_ = 0;
}

BreakerState CircuitBreaker::state(SteadyTime now) const {
  const BreakerState state = recordedState();
  if (state == BreakerState::Open && now >= reopensAt()) return BreakerState::HalfOpen;
  return state;
}

Millis CircuitBreaker::openInterval() const {
  // base * 2^trips, computed without overflow: stop doubling once past the cap.
  auto interval = config_.open_base;
  for (int i = 0; i < trips_ && interval < config_.open_max; ++i) interval *= 2;
  return std::min(interval, config_.open_max);
}

Admission CircuitBreaker::admit(SteadyTime now) {
  BreakerState state = recordedState();
  if (state == BreakerState::Closed) return Admission::Allowed;
  if (state == BreakerState::Open) {
    if (now < reopensAt()) return Admission::Rejected;
    // The interval is over: a fresh half-open round. Probes still in flight from an earlier round
    // keep their slots (they are real requests on the target) until they report.
    probe_successes_ = 0;
    publish(BreakerState::HalfOpen);
  }
  if (probes_in_flight_ >= config_.half_open_probes) return Admission::Rejected;
  ++probes_in_flight_;
  return Admission::Probe;
}

void CircuitBreaker::releaseProbe() { probes_in_flight_ = std::max(probes_in_flight_ - 1, 0); }

void CircuitBreaker::countSuccess(SteadyTime now) {
  Window& current = window();
  current.successes.add(current.stepOf(now));
}

void CircuitBreaker::noteSuccessesSinceLastFailure() {
  const std::uint64_t successes = window().successes.total();
  if (successes != successes_seen_) consecutive_failures_ = 0;
  successes_seen_ = successes;
}

int CircuitBreaker::failuresFrom(const Window& window, std::int64_t first) const {
  int failures = 0;
  for (const auto& [step, count] : window.failures) {
    if (step >= first) failures += count;
  }
  return failures;
}

void CircuitBreaker::recordSuccess(SteadyTime now, Admission admission) {
  if (admission == Admission::Rejected) return;
  if (admission == Admission::Probe) releaseProbe();
  const BreakerState state = recordedState();
  if (state == BreakerState::Closed) {
    // Also a probe that reports after its round already closed the breaker: a plain outcome now.
    countSuccess(now);
    return;
  }
  // Only a probe can close the breaker; a slow request admitted before the trip proves little.
  if (admission != Admission::Probe || state != BreakerState::HalfOpen) return;
  if (++probe_successes_ >= config_.probes_to_close) close();
}

void CircuitBreaker::recordFailure(SteadyTime now, Admission admission) {
  if (admission == Admission::Rejected) return;
  if (admission == Admission::Probe) releaseProbe();
  const BreakerState state = recordedState();
  if (state == BreakerState::Closed) {
    Window& current = window();
    const std::int64_t step = current.stepOf(now);
    auto& cell = current.failures[static_cast<std::size_t>(step) % current.failures.size()];
    if (cell.first < step) cell = {step, 0};
    ++cell.second;  // a clock read older than the cell's step counts into the newer step
    noteSuccessesSinceLastFailure();
    ++consecutive_failures_;
    const std::int64_t first = current.firstStepAt(now);
    const int failures = failuresFrom(current, first);
    const int requests = failures + static_cast<int>(current.successes.sumFrom(first));
    const bool rate_tripped =
        requests >= config_.min_requests &&
        static_cast<double>(failures) >= config_.failure_rate * static_cast<double>(requests);
    if (consecutive_failures_ >= config_.consecutive_failures || rate_tripped) trip(now);
    return;
  }
  // Open: the failure of a request admitted before the trip (or of a probe whose sibling already
  // re-opened the breaker) is old news; tripping again would double the interval for nothing.
  if (admission == Admission::Probe && state == BreakerState::HalfOpen) trip(now);
}

void CircuitBreaker::admitProbesNow(SteadyTime now) {
  if (recordedState() != BreakerState::Open) return;
  // As admit() does when the interval runs out: a fresh half-open round, in-flight probes keeping
  // their slots. open_until_ moves to now so that reopensAt() does not promise a later end.
  open_until_.store(std::min(reopensAt(), now).time_since_epoch().count(), std::memory_order_release);
  probe_successes_ = 0;
  publish(BreakerState::HalfOpen);
}

void CircuitBreaker::forceClose() { close(); }

void CircuitBreaker::forceOpen(SteadyTime now) {
  if (state(now) != BreakerState::Open) trip(now);
}

void CircuitBreaker::trip(SteadyTime now) {
  open_until_.store((now + openInterval()).time_since_epoch().count(), std::memory_order_release);
  ++trips_;
  probe_successes_ = 0;
  publish(BreakerState::Open);
}

void CircuitBreaker::close() {
  trips_ = 0;
  consecutive_failures_ = 0;
  probe_successes_ = 0;
  probes_in_flight_ = 0;
  // The failures that tripped it are not held against the recovered target.
  Window& current = window();
  current.successes.clear();
  std::fill(current.failures.begin(), current.failures.end(), std::pair<std::int64_t, int>{-1, 0});
  successes_seen_ = current.successes.total();
  publish(BreakerState::Closed);
}

int CircuitBreaker::windowRequests(SteadyTime now) const {
  const Window& current = window();
  const std::int64_t first = current.firstStepAt(now);
  return failuresFrom(current, first) + static_cast<int>(current.successes.sumFrom(first));
}

int CircuitBreaker::windowFailures(SteadyTime now) const {
  const Window& current = window();
  return failuresFrom(current, current.firstStepAt(now));
}

}  // namespace switchyard::resilience
