#pragma once
// A circuit breaker per target: closed / open / half-open, as in Envoy's outlier detection and
// resilience4j. Pure and single-threaded: time comes in as arguments (tests drive a fake clock);
// TargetHealth (target_health.h) wraps it for sharing between workers.
#include <chrono>
#include <cstdint>
#include <deque>

#include "base/failure.h"

namespace switchyard::resilience {

using SteadyTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

// Defaults named once; documented in the README (with how they compare to Envoy and resilience4j).
struct BreakerConfig {
  int consecutive_failures = 5;       // trip after this many failures in a row
  double failure_rate = 0.5;          // ... or when this share of the window's requests failed
  int min_requests = 20;              // ... with at least this many requests in the window
  Millis window{30000};               // sliding window for the failure rate
  Millis open_base{5000};             // first open interval
  Millis open_max{120000};            // cap on the open interval, which doubles on each re-trip
  int half_open_probes = 2;           // concurrent probe requests allowed while half-open
  int probes_to_close = 2;            // successful probes that close the breaker
};

enum class BreakerState : std::uint8_t { Closed, Open, HalfOpen };
std::string_view toString(BreakerState state);

// What the breaker says about sending one request now.
enum class Admission : std::uint8_t {
  Allowed,   // closed: send
  Probe,     // half-open: send as one of the limited probes (report its outcome!)
  Rejected,  // open, or half-open with every probe slot taken: skip this target
};

class CircuitBreaker {
 public:
  explicit CircuitBreaker(BreakerConfig config = {});

  // Asks to send a request at `now`. Open turns half-open once its interval has passed.
  Admission admit(SteadyTime now);
  // The outcome of an admitted request (a Probe's outcome decides between closing and re-opening).
  void recordSuccess(SteadyTime now, Admission admission);
  void recordFailure(SteadyTime now, Admission admission);
  // A request admitted as Probe that ended without an outcome (client left): frees its slot.
  void releaseProbe();
  // A passing health check on an open breaker: the open interval ends at `now`, so the breaker is
  // half-open and its next requests are probes that decide (a closing run closes it, a failure
  // re-opens it with the doubled interval). Trips are kept: a health check only says the provider
  // answers, not that this model's requests succeed, so it re-admits probes but never closes.
  // Closed and half-open breakers are left as they are.
  void admitProbesNow(SteadyTime now);
  // Forced transitions, overriding the request-driven state machine: forceClose closes from any
  // state (window, trips and probe slots cleared, as a closing probe would; an operator's reset);
  // forceOpen trips at `now` unless already open (the interval grows like any other trip).
  void forceClose();
  void forceOpen(SteadyTime now);
  // New thresholds (a config reload); the state, window and trips are kept.
  void reconfigure(const BreakerConfig& config) { config_ = config; }

  BreakerState state(SteadyTime now) const;  // Open reads as HalfOpen once its interval is over
  // The state as the last call left it (Open stays Open until a call notices its interval is over):
  // what a transition is read from, so that each is seen once.
  BreakerState recordedState() const { return state_; }
  // When the current open interval ends (meaningful while Open).
  SteadyTime reopensAt() const { return open_until_; }
  int trips() const { return trips_; }        // times it has opened since it was last closed for good
  Millis openInterval() const;                // the interval the next trip would use

  // Counts in the current window, for /admin/targets.
  int windowRequests(SteadyTime now) const;
  int windowFailures(SteadyTime now) const;

 private:
  void trip(SteadyTime now);
  void close();
  void expire(SteadyTime now) const;

  BreakerConfig config_;
  BreakerState state_ = BreakerState::Closed;
  int consecutive_failures_ = 0;
  int trips_ = 0;
  SteadyTime open_until_{};
  int probes_in_flight_ = 0;
  int probe_successes_ = 0;
  // (time, failed) of the window's outcomes; old ones are dropped lazily.
  mutable std::deque<std::pair<SteadyTime, bool>> window_;
  mutable int window_failures_ = 0;  // failed entries in window_, kept in step so no scan is needed
};

}  // namespace switchyard::resilience
