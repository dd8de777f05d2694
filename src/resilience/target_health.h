#pragma once
// What the gateway knows of one target's health, shared by every worker: its circuit breaker, its
// latency, the requests in flight, and the incident that is open while its breaker is. Every method
// is thread-safe, and a request that succeeds takes no lock: admission to a closed breaker is one
// atomic load, its success joins the breaker's window in the calling thread's shard, and its
// latency and in-flight count go to that thread's shard too (thread_shards.h). Failures, probes,
// state transitions, incidents, health checks and /admin reads take one small mutex per target (no
// lock is held across I/O). Each breaker transition (opened, half-open, closed) and each incident
// opening and closing is logged once, by the call that made it, after the lock is released:
// warnings for openings, info for recoveries.
//
// What is stale, and by how much: breaker states and the counts the breaker decides on are never
// stale (a trip is published before the failing call returns; a success counts at once). Latency
// (the averages and p95 the planner and the hedge delay read) is merged from the shards at most
// every kLatencyMerge (100 ms) while requests arrive, and at once for /admin/targets; samples merged
// together move the averages as if they had all been their mean.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/failure.h"
#include "resilience/circuit_breaker.h"
#include "resilience/latency_tracker.h"
#include "resilience/thread_shards.h"

namespace switchyard::resilience {

using WallTime = std::chrono::system_clock::time_point;

// One step of an incident's timeline (issue 14): "first_failure", "breaker_opened", "half_open",
// "probe_failed", "health_check_failed", "health_check_passed", "recovered", "closed",
// "drill_started", "drill_ended", "restarted". Repeats of the same kind in a row are one event
// with a count and the time of the last.
struct IncidentEvent {
  WallTime at{};
  std::string kind;
  std::string detail;
  std::uint64_t count = 1;
  WallTime last_at{};  // the last repeat (== at when count is 1)

  friend bool operator==(const IncidentEvent&, const IncidentEvent&) = default;
};

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
  std::uint64_t continued = 0;    // ... and had a broken stream continued by another target
  bool drill = false;             // an outage drill (POST /admin/drills), not a real failure
  std::optional<WallTime> first_failure;  // the first failure of the run that tripped the breaker
  std::vector<IncidentEvent> timeline;    // oldest first, at most kMaxTimeline events
  std::uint64_t timeline_dropped = 0;     // events beyond kMaxTimeline
};

inline constexpr std::size_t kMaxTimeline = 200;

// How a request that wanted a target with an open incident ended.
enum class IncidentEffect : std::uint8_t { FailedOver, Hedged, Lost, ServedAnyway, Continued };

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
  bool drill = false;                          // out of rotation for a drill (breaker reads as open)
};

// What the planner reads on every request: cheap to take (no copies, no percentiles).
struct PlanState {
  BreakerState breaker = BreakerState::Closed;
  SteadyTime reopens_at{};
  double ttft_ewma_ms = 0;
  std::uint64_t samples = 0;
  double total_ewma_ms = 0;  // the whole answer (strategy fastest for non-streaming requests); 0 when unknown
};

// How long latency samples may wait in the per-thread shards before the planner's view includes them.
inline constexpr Millis kLatencyMerge{100};

class IncidentLog;
struct IncidentEntry;

class TargetHealth {
 public:
  TargetHealth(std::string target, BreakerConfig config, IncidentLog& incidents);
  TargetHealth(const TargetHealth&) = delete;
  TargetHealth& operator=(const TargetHealth&) = delete;

  const std::string& target() const { return target_; }

  // Lock-free while the breaker is closed (and while it is open within its interval).
  Admission admit(SteadyTime now);
  // The outcome of an admitted attempt; latencies are those of a successful answer (first token for
  // streams, the whole answer otherwise, as `first_token`). A success is lock-free unless it is a
  // probe's.
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

  // Outage drills (issue 14): the target is out of rotation as if its breaker had opened (admit()
  // rejects, the planner reads it as open until `until`, health checks are ignored) and a drill
  // incident is open. False (nothing changed) when a drill is on already or the breaker is not
  // closed (a real outage is its own drill). endDrill restores the target and closes the incident
  // (none when no drill was on).
  bool startDrill(SteadyTime until, std::string_view detail);
  std::optional<Incident> endDrill(std::string_view cause);
  bool inDrill() const { return drill_.load(std::memory_order_acquire); }

  // A config reload's breaker settings; the breaker's state, latencies and incidents are kept.
  void reconfigure(const BreakerConfig& config);

  // Lock-free, per thread shard.
  void attemptStarted() { shards_[threadShard()].in_flight.fetch_add(1, std::memory_order_relaxed); }
  void attemptEnded() { shards_[threadShard()].in_flight.fetch_sub(1, std::memory_order_relaxed); }

  // Exact: merges the latency shards first.
  TargetSnapshot snapshot(SteadyTime now) const;
  // Lock-free, except that about every kLatencyMerge one caller merges the latency shards.
  PlanState planState(SteadyTime now) const;
  // The p95 of time to first token (hedging's "p95" delay) as of the last merge; 0 when unknown.
  double firstTokenP95Ms() const { return ttft_p95_ms_.load(std::memory_order_relaxed); }

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
    std::shared_ptr<IncidentEntry> incident_touched;  // its timeline changed: published (IncidentLog)
  };
  // Adds a timeline event to the open incident, if any, and marks it to be published.
  void noteEvent(Change& change, std::string_view kind, std::string_view detail);
  void noteState(Change& change, BreakerState from, SteadyTime now, std::string_view cause) const;
  void logChange(const Change& change) const;
  void updateIncident(SteadyTime now, BreakerState before, base::FailureKind failure, std::string_view detail,
                      Change& change);
  void recordLatency(SteadyTime now, Millis first_token, Millis total);
  // Merges the latency shards when kLatencyMerge has passed since the last merge (one caller wins).
  void maybeMergeLatency(SteadyTime now) const;
  void mergeLatency() const;  // under mutex_

  // What one thread adds; a cache line (or a few) of its own. The sample words pack a count in the
  // top 20 bits and a sum of milliseconds in the kSumBits below.
  struct alignas(64) Shard {
    std::atomic<std::uint64_t> first_token{0};
    std::atomic<std::uint64_t> total{0};
    std::atomic<std::int64_t> in_flight{0};
    std::array<std::atomic<std::uint64_t>, LatencyTracker::kBuckets> buckets{};
  };
  static constexpr int kSumBits = 44;

  const std::string target_;
  IncidentLog& incidents_;
  mutable std::mutex mutex_;
  CircuitBreaker breaker_;
  mutable LatencyTracker latency_;  // the merged samples, under mutex_
  std::shared_ptr<IncidentEntry> open_incident_;  // under mutex_
  std::atomic<bool> incident_open_{false};  // open_incident_ is set; lets noteEffect skip the lock
  // Unix ms of the first failure since the last success (0: none); a success clears it lock-free.
  std::atomic<std::int64_t> failing_since_ms_{0};
  std::atomic<bool> drill_{false};
  std::atomic<SteadyTime::duration::rep> drill_until_{0};
  std::unique_ptr<Shard[]> shards_;
  // Published by each merge, read lock-free by the planner and the hedge delay.
  mutable std::atomic<SteadyTime::duration::rep> next_merge_;
  mutable std::atomic<double> ttft_ewma_ms_{0};
  mutable std::atomic<double> ttft_p95_ms_{0};
  mutable std::atomic<double> total_ewma_ms_{0};
  mutable std::atomic<std::uint64_t> samples_{0};
};

// One incident as the log keeps it. The effect counters are atomics so that a target counts into
// its open incident without the log's lock; the rest is under the log's mutex.
struct IncidentEntry {
  Incident incident;
  std::atomic<std::uint64_t> affected{0};
  std::atomic<std::uint64_t> failed_over{0};
  std::atomic<std::uint64_t> hedged{0};
  std::atomic<std::uint64_t> lost{0};
  std::atomic<std::uint64_t> continued{0};

  Incident read() const;  // under the log's mutex
};

// Every incident, open and closed (the last `capacity` closed ones are kept). A target holds its
// open incident's entry, so counting into it finds it in O(1); by id it is a binary search.
class IncidentLog {
 public:
  explicit IncidentLog(std::size_t capacity = 1000) : capacity_(capacity) {}

  std::shared_ptr<IncidentEntry> start(std::string target, WallTime when, std::string first_error, bool drill = false);
  std::uint64_t open(std::string target, WallTime when, std::string first_error) {
    return start(std::move(target), when, std::move(first_error))->incident.id;
  }
  // The incident as it closed (none when it is no longer kept or was closed already).
  std::optional<Incident> close(const std::shared_ptr<IncidentEntry>& entry, WallTime when);
  std::optional<Incident> close(std::uint64_t id, WallTime when);
  // One more failure of kind `token` while the incident is open.
  void countError(IncidentEntry& entry, std::string_view token);
  // Lock-free.
  static void countEffect(IncidentEntry& entry, IncidentEffect effect);
  // Applies `update` to the incident with `id`, if it is still kept.
  template <class Update>
  void update(std::uint64_t id, Update&& update) {
    std::lock_guard lock(mutex_);
    if (IncidentEntry* entry = find(id)) update(entry->incident);
  }
  std::vector<Incident> all() const;  // oldest first
  std::optional<Incident> get(std::uint64_t id) const;
  // Appends to the timeline (repeats of the last event's kind fold into it).
  void addEvent(IncidentEntry& entry, WallTime when, std::string_view kind, std::string_view detail = {});

  // Incidents of an earlier run (from the store), oldest first, before any is started: kept as
  // closed ones (one still open then is closed at `now` with a "restarted" event, and published),
  // and new ids continue after theirs.
  void restore(std::vector<Incident> earlier, WallTime now);

  // Called (outside every lock, on the thread that made the change) with the incident as it is
  // after it opened, changed its timeline or closed: persistence and the webhook. Set before any
  // incident starts; `event` is "opened", "updated" or "closed".
  using Listener = std::function<void(const Incident& incident, std::string_view event)>;
  void setListener(Listener listener) { listener_ = std::move(listener); }
  void publish(const IncidentEntry& entry, std::string_view event) const;
  void publish(const Incident& incident, std::string_view event) const {
    if (listener_) listener_(incident, event);
  }

 private:
  IncidentEntry* find(std::uint64_t id);  // under mutex_
  std::optional<Incident> closeLocked(IncidentEntry& entry, WallTime when);

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<IncidentEntry>> incidents_;  // by id, oldest first
  std::size_t closed_ = 0;                                // closed ones among them
  std::uint64_t next_id_ = 1;
  Listener listener_;
};

}  // namespace switchyard::resilience
