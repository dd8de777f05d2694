#pragma once
// What the gateway knows of one target's health, shared by every worker: its circuit breaker, its
// latency, the requests in flight, and the incident that is open while its breaker is. Every method
// is thread-safe (one small mutex per target; no lock is held across I/O). Each breaker transition
// (opened, half-open, closed) and each incident opening and closing is logged once, by the call
// that made it, after the lock is released: warnings for openings, info for recoveries.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/failure.h"
#include "resilience/circuit_breaker.h"
#include "resilience/latency_tracker.h"

namespace switchyard::resilience {

using WallTime = std::chrono::system_clock::time_point;

// The record of one breaker opening and, later, closing.
struct Incident {
  std::uint64_t id = 0;
  std::string target;             // "provider/model"
  WallTime opened{};
  std::optional<WallTime> closed;
  std::string first_error;        // "upstream_status HTTP 503 (...)": the failure that tripped it
  std::map<std::string, std::uint64_t> errors_by_kind;  // failure token -> count while open
  std::uint64_t affected = 0;     // requests that wanted this target while the incident was open
  std::uint64_t failed_over = 0;  // ... and were served by another target
  std::uint64_t hedged = 0;       // ... and were hedged to another target
  std::uint64_t lost = 0;         // ... and got no answer (every target failed)
};

// How a request that wanted a target with an open incident ended.
enum class IncidentEffect : std::uint8_t { FailedOver, Hedged, Lost, ServedAnyway };

struct TargetSnapshot {
  std::string target;
  BreakerState breaker = BreakerState::Closed;
  SteadyTime reopens_at{};
  int trips = 0;
  int window_requests = 0;
  int window_failures = 0;
  double ttft_ewma_ms = 0;
  double ttft_p95_ms = 0;
  double total_ewma_ms = 0;
  std::uint64_t samples = 0;
  std::int64_t in_flight = 0;
  std::optional<std::uint64_t> open_incident;  // its id
};

// What the planner reads on every request: cheap to take (no copies, no percentiles).
struct PlanState {
  BreakerState breaker = BreakerState::Closed;
  SteadyTime reopens_at{};
  double ttft_ewma_ms = 0;
  std::uint64_t samples = 0;
};

class IncidentLog;

class TargetHealth {
 public:
  TargetHealth(std::string target, BreakerConfig config, IncidentLog& incidents);

  const std::string& target() const { return target_; }

  Admission admit(SteadyTime now);
  // The outcome of an admitted attempt; latencies are those of a successful answer (first token for
  // streams, the whole answer otherwise, as `first_token`).
  void recordSuccess(SteadyTime now, Admission admission, Millis first_token, Millis total);
  void recordFailure(SteadyTime now, Admission admission, base::FailureKind failure, std::string_view detail);
  // An admitted attempt that ended without an outcome for this target (the client left, a hedge lost).
  void recordAbandoned(Admission admission);
  // An active health check's verdict (proxy/health_checker.h). A pass re-admits at once: an open
  // breaker turns half-open (its trips kept), so that real requests probe and decide; the breaker
  // and its incident close only when probes close them, so a model that keeps failing while its
  // provider's model list answers stays in one incident whose open interval keeps doubling. A
  // pass leaves closed and half-open breakers alone. A failure counts like an admitted request's
  // failure while closed (so the breaker can open before users pile up), and only in the incident
  // while open.
  void healthCheckPassed(SteadyTime now);
  void healthCheckFailed(SteadyTime now, base::FailureKind failure, std::string_view detail);
  // A request that wanted this target while its incident is open (counted into that incident).
  void noteEffect(IncidentEffect effect);

  // A config reload's breaker settings; the breaker's state, latencies and incidents are kept.
  void reconfigure(const BreakerConfig& config);

  void attemptStarted() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void attemptEnded() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

  TargetSnapshot snapshot(SteadyTime now) const;
  PlanState planState(SteadyTime now) const;
  // The p95 of time to first token (hedging's "p95" delay); 0 when unknown.
  double firstTokenP95Ms() const;

 private:
  // What one call changed, to be logged once the lock is released.
  struct Change {
    BreakerState from = BreakerState::Closed;
    BreakerState to = BreakerState::Closed;
    std::string_view cause;           // why it half-opened or closed
    base::FailureKind failure = base::FailureKind::None;
    std::string_view detail;          // the failure that opened it
    Millis open_for{0};               // the open interval just started
    int trips = 0;
    std::optional<std::uint64_t> incident_opened;
    std::optional<Incident> incident_closed;
  };
  void noteState(Change& change, BreakerState from, SteadyTime now, std::string_view cause) const;
  void logChange(const Change& change) const;
  void updateIncident(SteadyTime now, BreakerState before, base::FailureKind failure, std::string_view detail,
                      Change& change);

  const std::string target_;
  IncidentLog& incidents_;
  mutable std::mutex mutex_;
  CircuitBreaker breaker_;
  LatencyTracker latency_;
  std::optional<std::uint64_t> open_incident_;
  std::atomic<std::int64_t> in_flight_{0};
};

// Every incident, open and closed (the last `capacity` closed ones are kept).
class IncidentLog {
 public:
  explicit IncidentLog(std::size_t capacity = 1000) : capacity_(capacity) {}

  std::uint64_t open(std::string target, WallTime when, std::string first_error);
  // The incident as it closed (none when it is no longer kept or was closed already).
  std::optional<Incident> close(std::uint64_t id, WallTime when);
  // Applies `update` to the incident with `id`, if it is still kept.
  template <class Update>
  void update(std::uint64_t id, Update&& update) {
    std::lock_guard lock(mutex_);
    for (auto& incident : incidents_) {
      if (incident.id == id) {
        update(incident);
        return;
      }
    }
  }
  std::vector<Incident> all() const;  // oldest first

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<Incident> incidents_;
  std::uint64_t next_id_ = 1;
};

}  // namespace switchyard::resilience
