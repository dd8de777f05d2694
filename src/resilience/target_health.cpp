#include "resilience/target_health.h"

#include <algorithm>
#include <limits>

#include "observability/log.h"

namespace switchyard::resilience {

namespace {

constexpr std::uint64_t kSumMask = (std::uint64_t{1} << 44) - 1;
constexpr std::uint64_t kMaxSampleMs = (std::uint64_t{1} << 24) - 1;  // 4.6 hours: a sum of 2^20 fits
constexpr std::uint64_t kMergeAtCount = std::uint64_t{1} << 19;      // well before the count's 20 bits fill

WallTime wallNow() { return std::chrono::system_clock::now(); }

std::int64_t unixMs(WallTime when) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

std::uint64_t sampleMs(Millis elapsed) {
  return std::min<std::uint64_t>(static_cast<std::uint64_t>(std::max<Millis::rep>(elapsed.count(), 0)), kMaxSampleMs);
}

}  // namespace

TargetHealth::TargetHealth(std::string target, BreakerConfig config, IncidentLog& incidents)
    : target_(std::move(target)),
      incidents_(incidents),
      breaker_(config),
      shards_(std::make_unique<Shard[]>(kThreadShards)),
      next_merge_(std::numeric_limits<SteadyTime::duration::rep>::min()) {}

Admission TargetHealth::admit(SteadyTime now) {
  // The common case without the lock: a closed breaker admits (a trip is published before the call
  // that makes it returns), an open one within its interval rejects.
  if (drill_.load(std::memory_order_relaxed)) return Admission::Rejected;
  const BreakerState published = breaker_.publishedState();
  if (published == BreakerState::Closed) return Admission::Allowed;
  if (published == BreakerState::Open && now < breaker_.reopensAt()) return Admission::Rejected;
  Change change;
  Admission admission{};
  {
    std::lock_guard lock(mutex_);
    const BreakerState recorded = breaker_.recordedState();
    admission = breaker_.admit(now);
    if (breaker_.recordedState() == recorded) return admission;  // the common case: nothing changed
    noteState(change, recorded, now, "open interval over");
    if (change.to == BreakerState::HalfOpen) noteEvent(change, "half_open", "open interval over: probes admitted");
  }
  logChange(change);
  return admission;
}

void TargetHealth::recordSuccess(SteadyTime now, Admission admission, Millis first_token, Millis total) {
  // Late answers are still true latencies of the target.
  recordLatency(now, first_token, total);
  if (admission == Admission::Rejected) return;
  if (admission == Admission::Allowed) {
    // Only a probe can close the breaker (and its incident, which is open exactly while the breaker
    // is not closed), so any other success is lock-free: it joins the window of a closed breaker and
    // changes nothing in an open or half-open one.
    if (breaker_.publishedState() == BreakerState::Closed) breaker_.countSuccess(now);
    if (failing_since_ms_.load(std::memory_order_relaxed) != 0) failing_since_ms_.store(0, std::memory_order_relaxed);
    return;
  }
  Change change;
  {
    std::lock_guard lock(mutex_);
    const BreakerState recorded = breaker_.recordedState();
    breaker_.recordSuccess(now, admission);
    failing_since_ms_.store(0, std::memory_order_relaxed);
    if (open_incident_ && breaker_.state(now) == BreakerState::Closed) {
      noteEvent(change, "recovered", "probes succeeded");
      noteEvent(change, "closed", "breaker closed");
      change.incident_touched.reset();
      change.incident_closed = incidents_.close(open_incident_, std::chrono::system_clock::now());
      open_incident_.reset();
      incident_open_.store(false, std::memory_order_relaxed);
    }
    if (breaker_.recordedState() == recorded && !change.incident_closed) return;
    noteState(change, recorded, now, "probes succeeded");
  }
  logChange(change);
}

void TargetHealth::recordFailure(SteadyTime now, Admission admission, base::FailureKind failure,
                                 std::string_view detail) {
  Change change;
  {
    std::lock_guard lock(mutex_);
    const BreakerState recorded = breaker_.recordedState();
    const BreakerState before = breaker_.state(now);
    if (failing_since_ms_.load(std::memory_order_relaxed) == 0) {
      failing_since_ms_.store(unixMs(wallNow()), std::memory_order_relaxed);
    }
    breaker_.recordFailure(now, admission);
    const bool had_incident = open_incident_ != nullptr;
    updateIncident(now, before, failure, detail, change);
    if (had_incident && admission == Admission::Probe && breaker_.recordedState() == BreakerState::Open) {
      std::string what(base::toToken(failure));
      if (!detail.empty()) what.append(" ").append(detail);
      noteEvent(change, "probe_failed", what);
    }
    if (breaker_.recordedState() == recorded && !change.incident_opened) return;
    noteState(change, recorded, now, admission == Admission::Probe ? "probe failed" : "attempts failed");
  }
  change.failure = failure;
  change.detail = detail;
  logChange(change);
}

void TargetHealth::healthCheckPassed(SteadyTime now) {
  Change change;
  {
    std::lock_guard lock(mutex_);
    if (drill_.load(std::memory_order_relaxed)) return;  // suspended for the drill
    const BreakerState recorded = breaker_.recordedState();
    // A pass proves the provider answers, not that this model's requests succeed (a model can keep
    // failing while the model list answers 200). So it only ends the open interval early: real
    // requests probe, and they close the breaker and the incident (recordSuccess) or re-open it
    // with a doubled interval, within the same incident. Closing here would let a failing model
    // back in every check interval and open a new incident each time. While closed a pass is not a
    // success in the window either: only user requests can clear a run of failures there.
    breaker_.admitProbesNow(now);
    if (breaker_.recordedState() == recorded) return;
    noteState(change, recorded, now, "health check passed");
    noteEvent(change, "health_check_passed", "provider answered");
    if (change.to == BreakerState::HalfOpen) noteEvent(change, "half_open", "health check passed: probes admitted");
  }
  logChange(change);
}

void TargetHealth::healthCheckFailed(SteadyTime now, base::FailureKind failure, std::string_view detail) {
  Change change;
  {
    std::lock_guard lock(mutex_);
    if (drill_.load(std::memory_order_relaxed)) return;  // suspended for the drill
    const BreakerState recorded = breaker_.recordedState();
    const BreakerState before = breaker_.state(now);
    if (before == BreakerState::Closed && failing_since_ms_.load(std::memory_order_relaxed) == 0) {
      failing_since_ms_.store(unixMs(wallNow()), std::memory_order_relaxed);
    }
    // While open the breaker is left alone: re-tripping would grow the interval on every probe.
    if (before == BreakerState::Closed) breaker_.recordFailure(now, Admission::Allowed);
    const bool had_incident = open_incident_ != nullptr;
    updateIncident(now, before, failure, detail, change);
    if (had_incident) {
      std::string what(base::toToken(failure));
      if (!detail.empty()) what.append(" ").append(detail);
      noteEvent(change, "health_check_failed", what);
    }
    if (breaker_.recordedState() == recorded && !change.incident_opened) {
      if (!change.incident_touched) return;
      change.from = change.to = recorded;  // nothing to log, but the timeline changed
    } else {
      noteState(change, recorded, now, "health check failed");
    }
  }
  change.failure = failure;
  change.detail = detail;
  logChange(change);
}

void TargetHealth::noteState(Change& change, BreakerState from, SteadyTime now, std::string_view cause) const {
  change.from = from;
  change.to = breaker_.recordedState();
  change.cause = cause;
  change.trips = breaker_.trips();
  if (change.to == BreakerState::Open) {
    change.open_for = std::chrono::duration_cast<Millis>(breaker_.reopensAt() - now);
  }
}

void TargetHealth::noteEvent(Change& change, std::string_view kind, std::string_view detail) {
  if (!open_incident_) return;
  incidents_.addEvent(*open_incident_, wallNow(), kind, detail);
  change.incident_touched = open_incident_;
}

void TargetHealth::logChange(const Change& change) const {
  using observability::LogLevel;
  if (change.to != change.from) {
    switch (change.to) {
      case BreakerState::Open:
        observability::log(LogLevel::Warn, "breaker opened",
                           {{"target", target_},
                            {"from", toString(change.from)},
                            {"cause", change.cause},
                            {"failure", base::toToken(change.failure)},
                            {"detail", change.detail},
                            {"open_ms", static_cast<long long>(change.open_for.count())},
                            {"trips", change.trips}});
        break;
      case BreakerState::HalfOpen:
        observability::log(LogLevel::Info, "breaker half-open",
                           {{"target", target_}, {"cause", change.cause}, {"trips", change.trips}});
        break;
      case BreakerState::Closed:
        observability::log(LogLevel::Info, "breaker closed",
                           {{"target", target_}, {"from", toString(change.from)}, {"cause", change.cause}});
        break;
    }
  }
  if (change.incident_opened) {
    observability::log(LogLevel::Warn, "incident opened",
                       {{"incident", static_cast<unsigned long long>(*change.incident_opened)},
                        {"target", target_},
                        {"drill", change.incident_touched != nullptr && change.incident_touched->incident.drill},
                        {"failure", base::toToken(change.failure)},
                        {"detail", change.detail}});
  }
  if (change.incident_closed) {
    const Incident& incident = *change.incident_closed;
    const auto lasted = std::chrono::duration_cast<Millis>(incident.closed.value_or(incident.opened) - incident.opened);
    observability::log(LogLevel::Info, "incident closed",
                       {{"incident", static_cast<unsigned long long>(incident.id)},
                        {"target", incident.target},
                        {"drill", incident.drill},
                        {"duration_ms", static_cast<long long>(lasted.count())},
                        {"affected", static_cast<unsigned long long>(incident.affected)},
                        {"failed_over", static_cast<unsigned long long>(incident.failed_over)},
                        {"hedged", static_cast<unsigned long long>(incident.hedged)},
                        {"lost", static_cast<unsigned long long>(incident.lost)}});
  }
  // Persistence and the webhook (IncidentLog::setListener), after the lock.
  if (change.incident_closed) {
    incidents_.publish(*change.incident_closed, "closed");
  } else if (change.incident_opened && change.incident_touched) {
    incidents_.publish(*change.incident_touched, "opened");
  } else if (change.incident_touched) {
    incidents_.publish(*change.incident_touched, "updated");
  }
}

void TargetHealth::updateIncident(SteadyTime now, BreakerState before, base::FailureKind failure,
                                  std::string_view detail, Change& change) {
  // Only a trip from Closed starts an incident: a failed probe re-opening a half-open breaker is
  // the same outage going on.
  if (!open_incident_ && before == BreakerState::Closed && breaker_.state(now) == BreakerState::Open) {
    std::string first_error(base::toToken(failure));
    if (!detail.empty()) {
      first_error += ' ';
      first_error += detail;
    }
    const WallTime opened = wallNow();
    const std::int64_t since_ms = failing_since_ms_.load(std::memory_order_relaxed);
    const WallTime first_failure = since_ms != 0 ? WallTime(std::chrono::milliseconds(since_ms)) : opened;
    open_incident_ = incidents_.start(target_, opened, first_error);
    incident_open_.store(true, std::memory_order_relaxed);
    change.incident_opened = open_incident_->incident.id;
    incidents_.update(open_incident_->incident.id,
                      [&](Incident& incident) { incident.first_failure = std::min(first_failure, opened); });
    incidents_.addEvent(*open_incident_, std::min(first_failure, opened), "first_failure",
                        since_ms != 0 ? "the first failure of the run that tripped the breaker" : first_error);
    incidents_.addEvent(*open_incident_, opened, "breaker_opened",
                        first_error + " (open for " +
                            std::to_string(std::chrono::duration_cast<Millis>(breaker_.reopensAt() - now).count()) + " ms)");
    change.incident_touched = open_incident_;
  }
  if (!open_incident_) return;
  incidents_.countError(*open_incident_, base::toToken(failure));
}

void TargetHealth::recordAbandoned(Admission admission) {
  if (admission != Admission::Probe) return;
  std::lock_guard lock(mutex_);
  breaker_.releaseProbe();
}

void TargetHealth::noteEffect(IncidentEffect effect) {
  if (!incident_open_.load(std::memory_order_relaxed)) return;  // most troubled targets: no incident
  std::lock_guard lock(mutex_);
  if (open_incident_) IncidentLog::countEffect(*open_incident_, effect);
}

void TargetHealth::recordLatency(SteadyTime now, Millis first_token, Millis total) {
  Shard& shard = shards_[threadShard()];
  const std::uint64_t first_ms = sampleMs(first_token);
  shard.buckets[LatencyTracker::bucketOf(static_cast<double>(first_ms))].fetch_add(1, std::memory_order_relaxed);
  shard.total.fetch_add((std::uint64_t{1} << kSumBits) | sampleMs(total), std::memory_order_relaxed);
  const std::uint64_t before =
      shard.first_token.fetch_add((std::uint64_t{1} << kSumBits) | first_ms, std::memory_order_relaxed);
  if ((before >> kSumBits) + 1 >= kMergeAtCount) {
    // No merge for a long while (a clock that stands still): merge before the count can overflow.
    std::lock_guard lock(mutex_);
    mergeLatency();
    return;
  }
  maybeMergeLatency(now);
}

void TargetHealth::maybeMergeLatency(SteadyTime now) const {
  auto due = next_merge_.load(std::memory_order_relaxed);
  const auto ticks = now.time_since_epoch().count();
  if (ticks < due) return;
  const auto next = ticks + std::chrono::duration_cast<SteadyTime::duration>(kLatencyMerge).count();
  if (!next_merge_.compare_exchange_strong(due, next, std::memory_order_relaxed)) return;  // another caller merges
  std::lock_guard lock(mutex_);
  mergeLatency();
}

void TargetHealth::mergeLatency() const {
  LatencyTracker::Batch batch;
  for (std::size_t i = 0; i < kThreadShards; ++i) {
    Shard& shard = shards_[i];
    // Loads first: an idle shard's lines are not written. A sample whose parts straddle a merge
    // lands partly in this batch and partly in the next.
    if (shard.first_token.load(std::memory_order_relaxed) != 0) {
      const std::uint64_t first = shard.first_token.exchange(0, std::memory_order_relaxed);
      batch.first_token_count += first >> kSumBits;
      batch.first_token_sum_ms += static_cast<double>(first & kSumMask);
    }
    if (shard.total.load(std::memory_order_relaxed) != 0) {
      const std::uint64_t total = shard.total.exchange(0, std::memory_order_relaxed);
      batch.total_count += total >> kSumBits;
      batch.total_sum_ms += static_cast<double>(total & kSumMask);
    }
    for (std::size_t b = 0; b < LatencyTracker::kBuckets; ++b) {
      if (shard.buckets[b].load(std::memory_order_relaxed) == 0) continue;
      batch.buckets[b] += shard.buckets[b].exchange(0, std::memory_order_relaxed);
    }
  }
  if (batch.first_token_count == 0 && batch.total_count == 0) return;
  latency_.recordBatch(batch);
  ttft_ewma_ms_.store(latency_.firstTokenEwmaMs(), std::memory_order_relaxed);
  ttft_p95_ms_.store(latency_.firstTokenQuantileMs(0.95), std::memory_order_relaxed);
  total_ewma_ms_.store(latency_.totalEwmaMs(), std::memory_order_relaxed);
  samples_.store(latency_.samples(), std::memory_order_relaxed);
}

TargetSnapshot TargetHealth::snapshot(SteadyTime now) const {
  std::lock_guard lock(mutex_);
  mergeLatency();
  TargetSnapshot snapshot;
  snapshot.target = target_;
  snapshot.breaker = breaker_.state(now);
  snapshot.reopens_at = breaker_.reopensAt();
  snapshot.trips = breaker_.trips();
  snapshot.window_requests = breaker_.windowRequests(now);
  snapshot.window_failures = breaker_.windowFailures(now);
  snapshot.ttft_ewma_ms = latency_.firstTokenEwmaMs();
  snapshot.ttft_p95_ms = latency_.firstTokenQuantileMs(0.95);
  snapshot.total_ewma_ms = latency_.totalEwmaMs();
  snapshot.samples = latency_.samples();
  for (std::size_t i = 0; i < kThreadShards; ++i) snapshot.in_flight += shards_[i].in_flight.load(std::memory_order_relaxed);
  if (open_incident_) snapshot.open_incident = open_incident_->incident.id;
  snapshot.drill = drill_.load(std::memory_order_relaxed);
  if (snapshot.drill) {
    snapshot.breaker = BreakerState::Open;
    snapshot.reopens_at = SteadyTime(SteadyTime::duration(drill_until_.load(std::memory_order_relaxed)));
  }
  return snapshot;
}

PlanState TargetHealth::planState(SteadyTime now) const {
  maybeMergeLatency(now);
  // The state is read before the interval's end: a trip publishes the end first, so an Open state
  // never pairs with the previous interval.
  if (drill_.load(std::memory_order_relaxed)) {
    return PlanState{BreakerState::Open, SteadyTime(SteadyTime::duration(drill_until_.load(std::memory_order_relaxed))),
                     ttft_ewma_ms_.load(std::memory_order_relaxed), samples_.load(std::memory_order_relaxed),
                     total_ewma_ms_.load(std::memory_order_relaxed)};
  }
  const BreakerState state = breaker_.state(now);
  return PlanState{state, breaker_.reopensAt(), ttft_ewma_ms_.load(std::memory_order_relaxed),
                   samples_.load(std::memory_order_relaxed), total_ewma_ms_.load(std::memory_order_relaxed)};
}

Incident IncidentEntry::read() const {
  Incident copy = incident;
  copy.affected += affected.load(std::memory_order_relaxed);
  copy.failed_over += failed_over.load(std::memory_order_relaxed);
  copy.hedged += hedged.load(std::memory_order_relaxed);
  copy.lost += lost.load(std::memory_order_relaxed);
  copy.continued += continued.load(std::memory_order_relaxed);
  return copy;
}

std::shared_ptr<IncidentEntry> IncidentLog::start(std::string target, WallTime when, std::string first_error,
                                                  bool drill) {
  auto entry = std::make_shared<IncidentEntry>();
  entry->incident.drill = drill;
  entry->incident.target = std::move(target);
  entry->incident.opened = when;
  entry->incident.first_error = std::move(first_error);
  std::lock_guard lock(mutex_);
  entry->incident.id = next_id_++;
  incidents_.push_back(entry);
  return entry;
}

IncidentEntry* IncidentLog::find(std::uint64_t id) {
  const auto found = std::lower_bound(incidents_.begin(), incidents_.end(), id,
                                      [](const auto& entry, std::uint64_t wanted) { return entry->incident.id < wanted; });
  return found != incidents_.end() && (*found)->incident.id == id ? found->get() : nullptr;
}

std::optional<Incident> IncidentLog::close(const std::shared_ptr<IncidentEntry>& entry, WallTime when) {
  std::lock_guard lock(mutex_);
  return closeLocked(*entry, when);
}

std::optional<Incident> IncidentLog::close(std::uint64_t id, WallTime when) {
  std::lock_guard lock(mutex_);
  IncidentEntry* entry = find(id);
  if (entry == nullptr) return std::nullopt;
  return closeLocked(*entry, when);
}

std::optional<Incident> IncidentLog::closeLocked(IncidentEntry& entry, WallTime when) {
  // An entry already dropped from the log is closed (only closed ones are dropped).
  if (entry.incident.closed) return std::nullopt;
  entry.incident.closed = when;
  std::optional<Incident> closed_now = entry.read();
  // Open incidents are always kept (they are the live ones); closed ones beyond the capacity go,
  // oldest first. Closing is rare; the scan stops at the oldest closed one.
  ++closed_;
  for (auto it = incidents_.begin(); closed_ > capacity_ && it != incidents_.end();) {
    if ((*it)->incident.closed) {
      it = incidents_.erase(it);
      --closed_;
    } else {
      ++it;
    }
  }
  return closed_now;
}

void IncidentLog::countError(IncidentEntry& entry, std::string_view token) {
  std::lock_guard lock(mutex_);
  ++entry.incident.errors_by_kind[std::string(token)];
}

void IncidentLog::countEffect(IncidentEntry& entry, IncidentEffect effect) {
  entry.affected.fetch_add(1, std::memory_order_relaxed);
  switch (effect) {
    case IncidentEffect::FailedOver: entry.failed_over.fetch_add(1, std::memory_order_relaxed); break;
    case IncidentEffect::Hedged: entry.hedged.fetch_add(1, std::memory_order_relaxed); break;
    case IncidentEffect::Lost: entry.lost.fetch_add(1, std::memory_order_relaxed); break;
    case IncidentEffect::Continued: entry.continued.fetch_add(1, std::memory_order_relaxed); break;
    case IncidentEffect::ServedAnyway: break;
  }
}

std::vector<Incident> IncidentLog::all() const {
  std::lock_guard lock(mutex_);
  std::vector<Incident> copies;
  copies.reserve(incidents_.size());
  for (const auto& entry : incidents_) copies.push_back(entry->read());
  return copies;
}

std::optional<Incident> IncidentLog::get(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  const auto found = std::lower_bound(incidents_.begin(), incidents_.end(), id,
                                      [](const auto& entry, std::uint64_t wanted) { return entry->incident.id < wanted; });
  if (found == incidents_.end() || (*found)->incident.id != id) return std::nullopt;
  return (*found)->read();
}

void IncidentLog::addEvent(IncidentEntry& entry, WallTime when, std::string_view kind, std::string_view detail) {
  std::lock_guard lock(mutex_);
  auto& timeline = entry.incident.timeline;
  if (!timeline.empty() && timeline.back().kind == kind && kind != "closed") {
    ++timeline.back().count;
    timeline.back().last_at = when;
    return;
  }
  if (timeline.size() >= kMaxTimeline) {
    ++entry.incident.timeline_dropped;
    return;
  }
  timeline.push_back(IncidentEvent{when, std::string(kind), std::string(detail), 1, when});
}

void IncidentLog::restore(std::vector<Incident> earlier, WallTime now) {
  std::vector<Incident> interrupted;
  {
    std::lock_guard lock(mutex_);
    for (Incident& incident : earlier) {
      if (!incidents_.empty() && incidents_.back()->incident.id >= incident.id) continue;  // keep ids ascending
      if (!incident.closed) {
        incident.closed = now;
        if (incident.timeline.size() < kMaxTimeline) {
          incident.timeline.push_back(IncidentEvent{now, "restarted", "the gateway restarted while it was open", 1, now});
        }
        interrupted.push_back(incident);
      }
      auto entry = std::make_shared<IncidentEntry>();
      entry->incident = std::move(incident);
      next_id_ = std::max(next_id_, entry->incident.id + 1);
      incidents_.push_back(std::move(entry));
      ++closed_;
    }
    while (closed_ > capacity_ && !incidents_.empty()) {
      incidents_.pop_front();
      --closed_;
    }
  }
  for (const Incident& incident : interrupted) publish(incident, "closed");
}

void IncidentLog::publish(const IncidentEntry& entry, std::string_view event) const {
  if (!listener_) return;
  Incident copy;
  {
    std::lock_guard lock(mutex_);
    copy = entry.read();
  }
  listener_(copy, event);
}

bool TargetHealth::startDrill(SteadyTime until, std::string_view detail) {
  Change change;
  {
    std::lock_guard lock(mutex_);
    if (drill_.load(std::memory_order_relaxed) || open_incident_ ||
        breaker_.state(std::chrono::steady_clock::now()) != BreakerState::Closed) {
      return false;
    }
    drill_until_.store(until.time_since_epoch().count(), std::memory_order_relaxed);
    drill_.store(true, std::memory_order_release);
    const WallTime opened = wallNow();
    open_incident_ = incidents_.start(target_, opened, "drill: " + std::string(detail), true);
    incident_open_.store(true, std::memory_order_relaxed);
    incidents_.addEvent(*open_incident_, opened, "drill_started", detail);
    incidents_.addEvent(*open_incident_, opened, "breaker_opened", "taken out of rotation for the drill");
    change.incident_opened = open_incident_->incident.id;
    change.incident_touched = open_incident_;
  }
  observability::log(observability::LogLevel::Warn, "drill started", {{"target", target_}, {"detail", detail}});
  logChange(change);
  return true;
}

std::optional<Incident> TargetHealth::endDrill(std::string_view cause) {
  Change change;
  {
    std::lock_guard lock(mutex_);
    if (!drill_.load(std::memory_order_relaxed)) return std::nullopt;
    drill_.store(false, std::memory_order_release);
    if (open_incident_ && open_incident_->incident.drill) {
      noteEvent(change, "drill_ended", cause);
      noteEvent(change, "recovered", "restored to rotation");
      noteEvent(change, "closed", "drill over");
      change.incident_touched.reset();
      change.incident_closed = incidents_.close(open_incident_, wallNow());
      open_incident_.reset();
      incident_open_.store(false, std::memory_order_relaxed);
    }
  }
  observability::log(observability::LogLevel::Info, "drill ended", {{"target", target_}, {"cause", cause}});
  logChange(change);
  return change.incident_closed;
}

void TargetHealth::reconfigure(const BreakerConfig& config) {
  const std::lock_guard lock(mutex_);
  breaker_.reconfigure(config);
}

}  // namespace switchyard::resilience
