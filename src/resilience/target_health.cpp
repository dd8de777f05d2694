#include "resilience/target_health.h"

#include <algorithm>

#include "observability/log.h"

namespace switchyard::resilience {

TargetHealth::TargetHealth(std::string target, BreakerConfig config, IncidentLog& incidents)
    : target_(std::move(target)), incidents_(incidents), breaker_(config) {}

Admission TargetHealth::admit(SteadyTime now) {
  Change change;
  Admission admission{};
  {
    std::lock_guard lock(mutex_);
    const BreakerState recorded = breaker_.recordedState();
    admission = breaker_.admit(now);
    if (breaker_.recordedState() == recorded) return admission;  // the common case: nothing changed
    noteState(change, recorded, now, "open interval over");
  }
  logChange(change);
  return admission;
}

void TargetHealth::recordSuccess(SteadyTime now, Admission admission, Millis first_token, Millis total) {
  Change change;
  {
    std::lock_guard lock(mutex_);
    const BreakerState recorded = breaker_.recordedState();
    breaker_.recordSuccess(now, admission);
    // Late answers are still true latencies of the target.
    latency_.recordFirstToken(first_token);
    latency_.recordTotal(total);
    if (open_incident_ && breaker_.state(now) == BreakerState::Closed) {
      change.incident_closed = incidents_.close(*open_incident_, std::chrono::system_clock::now());
      open_incident_.reset();
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
    breaker_.recordFailure(now, admission);
    updateIncident(now, before, failure, detail, change);
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
  }
  logChange(change);
}

void TargetHealth::healthCheckFailed(SteadyTime now, base::FailureKind failure, std::string_view detail) {
  Change change;
  {
    std::lock_guard lock(mutex_);
    const BreakerState recorded = breaker_.recordedState();
    const BreakerState before = breaker_.state(now);
    // While open the breaker is left alone: re-tripping would grow the interval on every probe.
    if (before == BreakerState::Closed) breaker_.recordFailure(now, Admission::Allowed);
    updateIncident(now, before, failure, detail, change);
    if (breaker_.recordedState() == recorded && !change.incident_opened) return;
    noteState(change, recorded, now, "health check failed");
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
                        {"failure", base::toToken(change.failure)},
                        {"detail", change.detail}});
  }
  if (change.incident_closed) {
    const Incident& incident = *change.incident_closed;
    const auto lasted = std::chrono::duration_cast<Millis>(incident.closed.value_or(incident.opened) - incident.opened);
    observability::log(LogLevel::Info, "incident closed",
                       {{"incident", static_cast<unsigned long long>(incident.id)},
                        {"target", incident.target},
                        {"duration_ms", static_cast<long long>(lasted.count())},
                        {"affected", static_cast<unsigned long long>(incident.affected)},
                        {"failed_over", static_cast<unsigned long long>(incident.failed_over)},
                        {"hedged", static_cast<unsigned long long>(incident.hedged)},
                        {"lost", static_cast<unsigned long long>(incident.lost)}});
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
    open_incident_ = incidents_.open(target_, std::chrono::system_clock::now(), std::move(first_error));
    change.incident_opened = open_incident_;
  }
  if (!open_incident_) return;
  const std::string token(base::toToken(failure));
  incidents_.update(*open_incident_, [&token](Incident& incident) { ++incident.errors_by_kind[token]; });
}

void TargetHealth::recordAbandoned(Admission admission) {
  if (admission != Admission::Probe) return;
  std::lock_guard lock(mutex_);
  breaker_.releaseProbe();
}

void TargetHealth::noteEffect(IncidentEffect effect) {
  std::lock_guard lock(mutex_);
  if (!open_incident_) return;
  incidents_.update(*open_incident_, [effect](Incident& incident) {
    ++incident.affected;
    switch (effect) {
      case IncidentEffect::FailedOver: ++incident.failed_over; break;
      case IncidentEffect::Hedged: ++incident.hedged; break;
      case IncidentEffect::Lost: ++incident.lost; break;
      case IncidentEffect::ServedAnyway: break;
    }
  });
}

TargetSnapshot TargetHealth::snapshot(SteadyTime now) const {
  std::lock_guard lock(mutex_);
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
  snapshot.in_flight = in_flight_.load(std::memory_order_relaxed);
  snapshot.open_incident = open_incident_;
  return snapshot;
}

PlanState TargetHealth::planState(SteadyTime now) const {
  std::lock_guard lock(mutex_);
  return PlanState{breaker_.state(now), breaker_.reopensAt(), latency_.firstTokenEwmaMs(), latency_.samples()};
}

double TargetHealth::firstTokenP95Ms() const {
  std::lock_guard lock(mutex_);
  return latency_.firstTokenQuantileMs(0.95);
}

std::uint64_t IncidentLog::open(std::string target, WallTime when, std::string first_error) {
  std::lock_guard lock(mutex_);
  Incident incident;
  incident.id = next_id_++;
  incident.target = std::move(target);
  incident.opened = when;
  incident.first_error = std::move(first_error);
  incidents_.push_back(std::move(incident));
  return incidents_.back().id;
}

std::optional<Incident> IncidentLog::close(std::uint64_t id, WallTime when) {
  std::lock_guard lock(mutex_);
  const auto found = std::find_if(incidents_.begin(), incidents_.end(),
                                  [id](const Incident& incident) { return incident.id == id; });
  if (found == incidents_.end() || found->closed) return std::nullopt;
  found->closed = when;
  std::optional<Incident> closed_now = *found;
  // Open incidents are always kept (they are the live ones); closed ones beyond the capacity go,
  // oldest first. Closing is rare, so the linear scans cost nothing that matters.
  auto closed = static_cast<std::size_t>(std::count_if(
      incidents_.begin(), incidents_.end(), [](const Incident& incident) { return incident.closed.has_value(); }));
  for (auto it = incidents_.begin(); closed > capacity_ && it != incidents_.end();) {
    if (it->closed) {
      it = incidents_.erase(it);
      --closed;
    } else {
      ++it;
    }
  }
  return closed_now;
}

std::vector<Incident> IncidentLog::all() const {
  std::lock_guard lock(mutex_);
  return {incidents_.begin(), incidents_.end()};
}

void TargetHealth::reconfigure(const BreakerConfig& config) {
  const std::lock_guard lock(mutex_);
  breaker_.reconfigure(config);
}

}  // namespace switchyard::resilience
