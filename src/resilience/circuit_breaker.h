#pragma once
// A circuit breaker per target: closed / open / half-open, as in Envoy's outlier detection and
// resilience4j. Pure: time comes in as arguments (tests drive a fake clock). TargetHealth
// (target_health.h) wraps it for sharing between workers: every method is called under its owner's
// lock, except the ones marked lock-free (publishedState, publishedReopensAt, countSuccess), which
// is what a request that succeeds needs, so that it takes no lock at all.
//
// The failure-rate window slides in steps of a twentieth of `window` (1.5 s of the default 30 s):
// an outcome leaves it up to one step early, as in resilience4j's time-based window. Counts in it
// and the run of consecutive failures are exact: a success is counted at once (into the calling
// thread's shard), and the failure that follows it sees it.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/failure.h"
#include "resilience/thread_shards.h"

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
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  // Asks to send a request at `now`. Open turns half-open once its interval has passed.
  Admission admit(SteadyTime now);
  // The outcome of an admitted request (a Probe's outcome decides between closing and re-opening).
  void recordSuccess(SteadyTime now, Admission admission);
  void recordFailure(SteadyTime now, Admission admission);
  // Lock-free (may run concurrently with any call): the success of a request admitted while the
  // breaker was closed, with the breaker still closed as published. It joins the window and ends a
  // run of failures. (recordSuccess does the same for a closed breaker under the lock.)
  void countSuccess(SteadyTime now);
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
  // New thresholds (a config reload); the state and trips are kept, and so is the window unless its
  // length changes (then it starts empty: its steps no longer fit).
  void reconfigure(const BreakerConfig& config);

  BreakerState state(SteadyTime now) const;  // Open reads as HalfOpen once its interval is over
  // The state as the last call left it (Open stays Open until a call notices its interval is over):
  // what a transition is read from, so that each is seen once. Lock-free: a transition is published
  // as the call that makes it returns (release; read with acquire), the open interval's end first.
  BreakerState recordedState() const { return state_.load(std::memory_order_acquire); }
  BreakerState publishedState() const { return recordedState(); }
  // When the current open interval ends (meaningful while Open). Lock-free.
  SteadyTime reopensAt() const {
    return SteadyTime(SteadyTime::duration(open_until_.load(std::memory_order_acquire)));
  }
  int trips() const { return trips_; }        // times it has opened since it was last closed for good
  Millis openInterval() const;                // the interval the next trip would use

  // Counts in the current window, for /admin/targets.
  int windowRequests(SteadyTime now) const;
  int windowFailures(SteadyTime now) const;

 private:
  // The window's steps: successes in per-thread shards (lock-free), failures in a plain ring (under
  // the lock). A window is never freed while the breaker lives, so a countSuccess() that loaded it
  // just before a reconfigure swapped it in for a new one writes into valid memory (and is lost).
  struct Window {
    explicit Window(Millis length);
    std::int64_t stepOf(SteadyTime now) const;
    std::int64_t firstStepAt(SteadyTime now) const;  // the oldest step still in the window at `now`
    Millis length;
    std::int64_t step_ticks;  // in SteadyTime ticks
    SlotCounter successes;
    std::vector<std::pair<std::int64_t, int>> failures;  // (step, count), ring like successes'
  };
  static constexpr std::int64_t kSteps = 20;  // steps per window
  static constexpr std::size_t kRing = 24;    // >= kSteps + 1 live steps, with a spare

  void trip(SteadyTime now);
  void close();
  void publish(BreakerState state) { state_.store(state, std::memory_order_release); }
  Window& window() const { return *window_.load(std::memory_order_acquire); }
  int failuresFrom(const Window& window, std::int64_t first) const;
  // Ends the run of failures if a success was counted since the last failure.
  void noteSuccessesSinceLastFailure();

  BreakerConfig config_;
  std::atomic<BreakerState> state_{BreakerState::Closed};
  int consecutive_failures_ = 0;
  std::uint64_t successes_seen_ = 0;  // window().successes.total() at the last failure
  int trips_ = 0;
  std::atomic<SteadyTime::duration::rep> open_until_{0};
  int probes_in_flight_ = 0;
  int probe_successes_ = 0;
  std::atomic<Window*> window_{nullptr};
  std::vector<std::unique_ptr<Window>> windows_;  // the current one last; earlier ones kept (see Window)
};

}  // namespace switchyard::resilience
