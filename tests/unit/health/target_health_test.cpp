#include "resilience/target_health.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "resilience/thread_shards.h"

namespace switchyard::resilience {
namespace {

using namespace std::chrono_literals;
using base::FailureKind;

const SteadyTime kStart = SteadyTime{} + 1000s;

BreakerConfig config() {
  BreakerConfig config;
  config.consecutive_failures = 3;
  config.min_requests = 100;
  config.open_base = Millis(1000);
  config.open_max = Millis(8000);
  config.half_open_probes = 1;
  config.probes_to_close = 1;
  return config;
}

void fail(TargetHealth& health, SteadyTime now, FailureKind kind, std::string_view detail = "") {
  health.recordFailure(now, health.admit(now), kind, detail);
}

// Three failures in a row: the last one trips the breaker.
void trip(TargetHealth& health, SteadyTime now) {
  fail(health, now, FailureKind::ConnectionReset);
  fail(health, now, FailureKind::AttemptTimeout);
  fail(health, now, FailureKind::UpstreamStatus, "HTTP 503 (overloaded)");
}

TEST(TargetHealth, NoIncidentWhileTheBreakerStaysClosed) {
  IncidentLog log;
  TargetHealth health("openai/gpt-4o", config(), log);
  EXPECT_EQ(health.target(), "openai/gpt-4o");
  fail(health, kStart, FailureKind::ConnectionReset);
  fail(health, kStart, FailureKind::ConnectionReset);
  health.noteEffect(IncidentEffect::FailedOver);  // nothing to count into
  EXPECT_TRUE(log.all().empty());
  EXPECT_FALSE(health.snapshot(kStart).open_incident);
}

TEST(TargetHealth, TrippingTheBreakerOpensAnIncidentWithTheTrippingError) {
  IncidentLog log;
  TargetHealth health("openai/gpt-4o", config(), log);
  const auto before = std::chrono::system_clock::now();
  trip(health, kStart);
  const auto incidents = log.all();
  ASSERT_EQ(incidents.size(), 1u);
  const Incident& incident = incidents[0];
  EXPECT_EQ(incident.target, "openai/gpt-4o");
  EXPECT_EQ(incident.first_error, "upstream_status HTTP 503 (overloaded)");
  EXPECT_GE(incident.opened, before);
  EXPECT_FALSE(incident.closed);
  // Only failures from the trip on belong to the incident.
  EXPECT_EQ(incident.errors_by_kind, (std::map<std::string, std::uint64_t>{{"upstream_status", 1}}));
  EXPECT_EQ(health.snapshot(kStart).open_incident, incident.id);
}

TEST(TargetHealth, FirstErrorWithoutDetailIsTheTokenAlone) {
  IncidentLog log;
  TargetHealth health("a/b", config(), log);
  for (int i = 0; i < 3; ++i) fail(health, kStart, FailureKind::Tls);
  ASSERT_EQ(log.all().size(), 1u);
  EXPECT_EQ(log.all()[0].first_error, "tls");
}

TEST(TargetHealth, FailuresWhileOpenAreCountedByKind) {
  IncidentLog log;
  TargetHealth health("a/b", config(), log);
  std::vector<Admission> slow{health.admit(kStart), health.admit(kStart)};
  trip(health, kStart);
  // Slow requests admitted before the trip fail late: they count, but do not trip it again.
  health.recordFailure(kStart + 10ms, slow[0], FailureKind::ConnectionReset, "");
  health.recordFailure(kStart + 20ms, slow[1], FailureKind::UpstreamStatus, "HTTP 500");
  // A failed probe re-opens the breaker: still the same incident.
  const SteadyTime probe_time = kStart + 1s;
  fail(health, probe_time, FailureKind::AttemptTimeout);
  EXPECT_EQ(health.snapshot(probe_time).breaker, BreakerState::Open);
  EXPECT_EQ(health.snapshot(probe_time).trips, 2);
  const auto incidents = log.all();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].errors_by_kind,
            (std::map<std::string, std::uint64_t>{
                {"upstream_status", 2}, {"connection_reset", 1}, {"attempt_timeout", 1}}));
  EXPECT_FALSE(incidents[0].closed);
}

TEST(TargetHealth, ClosingTheBreakerClosesTheIncidentAndTheNextTripOpensANewOne) {
  IncidentLog log;
  TargetHealth health("a/b", config(), log);
  trip(health, kStart);
  const SteadyTime t = kStart + 1s;
  const Admission probe = health.admit(t);
  ASSERT_EQ(probe, Admission::Probe);
  health.recordSuccess(t, probe, 120ms, 900ms);
  EXPECT_EQ(health.snapshot(t).breaker, BreakerState::Closed);
  EXPECT_FALSE(health.snapshot(t).open_incident);
  auto incidents = log.all();
  ASSERT_EQ(incidents.size(), 1u);
  ASSERT_TRUE(incidents[0].closed);
  EXPECT_GE(*incidents[0].closed, incidents[0].opened);

  // A failure after the close belongs to no incident.
  fail(health, t, FailureKind::Dns);
  EXPECT_EQ(log.all()[0].errors_by_kind.count("dns"), 0u);
  fail(health, t, FailureKind::Dns);
  fail(health, t, FailureKind::Dns);
  incidents = log.all();
  ASSERT_EQ(incidents.size(), 2u);
  EXPECT_GT(incidents[1].id, incidents[0].id);
  EXPECT_FALSE(incidents[1].closed);
  EXPECT_EQ(incidents[1].first_error, "dns");
  EXPECT_EQ(health.snapshot(t).open_incident, incidents[1].id);
}

TEST(TargetHealth, EffectsAreCountedIntoTheOpenIncident) {
  IncidentLog log;
  TargetHealth health("a/b", config(), log);
  trip(health, kStart);
  health.noteEffect(IncidentEffect::FailedOver);
  health.noteEffect(IncidentEffect::FailedOver);
  health.noteEffect(IncidentEffect::Hedged);
  health.noteEffect(IncidentEffect::Lost);
  health.noteEffect(IncidentEffect::ServedAnyway);
  const Incident incident = log.all().at(0);
  EXPECT_EQ(incident.affected, 5u);
  EXPECT_EQ(incident.failed_over, 2u);
  EXPECT_EQ(incident.hedged, 1u);
  EXPECT_EQ(incident.lost, 1u);
}

TEST(TargetHealth, AbandonedProbeFreesItsSlot) {
  IncidentLog log;
  TargetHealth health("a/b", config(), log);
  trip(health, kStart);
  const SteadyTime t = kStart + 1s;
  const Admission probe = health.admit(t);
  ASSERT_EQ(probe, Admission::Probe);
  EXPECT_EQ(health.admit(t), Admission::Rejected);
  health.recordAbandoned(Admission::Allowed);  // not a probe: frees nothing
  EXPECT_EQ(health.admit(t), Admission::Rejected);
  health.recordAbandoned(probe);
  EXPECT_EQ(health.admit(t), Admission::Probe);
  EXPECT_EQ(health.snapshot(t).breaker, BreakerState::HalfOpen);
}

TEST(TargetHealth, SnapshotFillsEveryField) {
  IncidentLog log;
  TargetHealth health("anthropic/claude", config(), log);
  for (int i = 0; i < 10; ++i) health.recordSuccess(kStart, health.admit(kStart), 200ms, 1500ms);
  health.attemptStarted();
  health.attemptStarted();
  health.attemptStarted();
  health.attemptEnded();
  trip(health, kStart + 1s);

  const TargetSnapshot snapshot = health.snapshot(kStart + 1s);
  EXPECT_EQ(snapshot.target, "anthropic/claude");
  EXPECT_EQ(snapshot.breaker, BreakerState::Open);
  EXPECT_EQ(snapshot.reopens_at, kStart + 2s);
  EXPECT_EQ(snapshot.trips, 1);
  EXPECT_EQ(snapshot.window_requests, 13);
  EXPECT_EQ(snapshot.window_failures, 3);
  EXPECT_DOUBLE_EQ(snapshot.ttft_ewma_ms, 200);
  EXPECT_GT(snapshot.ttft_p95_ms, 200 / 1.3);
  EXPECT_LT(snapshot.ttft_p95_ms, 200 * 1.3);
  EXPECT_DOUBLE_EQ(health.firstTokenP95Ms(), snapshot.ttft_p95_ms);
  EXPECT_DOUBLE_EQ(snapshot.total_ewma_ms, 1500);
  EXPECT_EQ(snapshot.samples, 10u);
  EXPECT_EQ(snapshot.in_flight, 2);
  ASSERT_TRUE(snapshot.open_incident);
  EXPECT_EQ(*snapshot.open_incident, log.all().at(0).id);
  EXPECT_EQ(health.snapshot(kStart + 2s).breaker, BreakerState::HalfOpen);
}

TEST(TargetHealth, ConcurrentWorkersKeepEveryCount) {
  IncidentLog log;
  TargetHealth health("a/b", config(), log);
  trip(health, kStart);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        health.attemptStarted();
        health.noteEffect(IncidentEffect::FailedOver);
        // Requests admitted before the trip, reporting late while it is open.
        health.recordFailure(kStart + 1ms, Admission::Allowed, FailureKind::StreamCut, "");
        health.recordSuccess(kStart + 1ms, Admission::Allowed, 50ms, 100ms);
        (void)health.snapshot(kStart + 1ms);
        health.attemptEnded();
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const TargetSnapshot snapshot = health.snapshot(kStart + 1ms);
  EXPECT_EQ(snapshot.in_flight, 0);
  EXPECT_EQ(snapshot.samples, std::uint64_t{kThreads * kPerThread});
  EXPECT_EQ(snapshot.trips, 1);
  EXPECT_EQ(snapshot.breaker, BreakerState::Open);
  const auto incidents = log.all();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].affected, std::uint64_t{kThreads * kPerThread});
  EXPECT_EQ(incidents[0].failed_over, std::uint64_t{kThreads * kPerThread});
  EXPECT_EQ(incidents[0].errors_by_kind.at("stream_cut"), std::uint64_t{kThreads * kPerThread});
}

// Runs `body(thread_index)` on `threads` threads at once and waits for them.
template <class Body>
void onThreads(int threads, Body body) {
  std::atomic<int> ready{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < threads) std::this_thread::yield();
      body(t);
    });
  }
  for (auto& worker : workers) worker.join();
}

TEST(TargetHealth, LockFreeSuccessesFromManyThreadsAreEveryOneInTheWindow) {
  IncidentLog log;
  BreakerConfig settings = config();
  settings.window = Millis(10000);
  TargetHealth health("a/b", settings, log);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 3000;
  onThreads(kThreads, [&](int) {
    for (int i = 0; i < kPerThread; ++i) {
      const SteadyTime now = kStart + Millis(i);  // spread over 3 s of the window's steps
      health.attemptStarted();
      health.recordSuccess(now, health.admit(now), 40ms, 90ms);
      health.attemptEnded();
    }
  });
  const SteadyTime end = kStart + 3s;
  const TargetSnapshot snapshot = health.snapshot(end);
  EXPECT_EQ(snapshot.window_requests, kThreads * kPerThread);
  EXPECT_EQ(snapshot.window_failures, 0);
  EXPECT_EQ(snapshot.samples, std::uint64_t{kThreads * kPerThread});
  EXPECT_DOUBLE_EQ(snapshot.ttft_ewma_ms, 40);
  EXPECT_DOUBLE_EQ(snapshot.total_ewma_ms, 90);
  EXPECT_EQ(snapshot.in_flight, 0);
  // The successes ended no run yet; a full run of failures still trips it, one short does not.
  fail(health, end, FailureKind::ConnectionReset);
  fail(health, end, FailureKind::ConnectionReset);
  EXPECT_EQ(health.snapshot(end).breaker, BreakerState::Closed);
  fail(health, end, FailureKind::ConnectionReset);
  EXPECT_EQ(health.snapshot(end).breaker, BreakerState::Open);
  // Once the window has passed, the old successes are gone from it.
  EXPECT_EQ(health.snapshot(kStart + 12999ms).window_requests, 3);
}

TEST(TargetHealth, ConcurrentSuccessesKeepTheFailureRateExact) {
  IncidentLog log;
  BreakerConfig settings = config();
  settings.consecutive_failures = 1000000;  // only the rate can trip it
  settings.failure_rate = 0.5;
  settings.min_requests = 20;
  TargetHealth health("a/b", settings, log);
  // Each thread: three successes, then a failure. Every failure sees at least its own thread's
  // successes and those of every failure recorded before it, so the rate never reaches 1/4 + a bit.
  constexpr int kThreads = 6;
  constexpr int kRounds = 500;
  onThreads(kThreads, [&](int) {
    for (int i = 0; i < kRounds; ++i) {
      for (int s = 0; s < 3; ++s) health.recordSuccess(kStart, health.admit(kStart), 10ms, 10ms);
      fail(health, kStart, FailureKind::UpstreamStatus);
    }
  });
  TargetSnapshot snapshot = health.snapshot(kStart);
  EXPECT_EQ(snapshot.breaker, BreakerState::Closed);
  EXPECT_EQ(snapshot.window_requests, kThreads * kRounds * 4);
  EXPECT_EQ(snapshot.window_failures, kThreads * kRounds);
  // Failures from every thread at once: the rate reaches 50% at exactly one failure, which trips it
  // once; the rest are late outcomes of an open breaker.
  const int needed = kThreads * kRounds * 2;  // more failures for half of the requests to have failed
  std::atomic<int> started{0};
  onThreads(kThreads, [&](int) {
    while (started.fetch_add(1) < needed + 50) fail(health, kStart, FailureKind::UpstreamStatus);
  });
  snapshot = health.snapshot(kStart);
  EXPECT_EQ(snapshot.breaker, BreakerState::Open);
  EXPECT_EQ(snapshot.trips, 1);
  EXPECT_EQ(snapshot.window_failures, kThreads * kRounds * 3) << "the failure that reached 50% tripped it";
  EXPECT_EQ(log.all().size(), 1u);
}

TEST(TargetHealth, ConcurrentFailuresTripOnceAtTheThreshold) {
  for (int round = 0; round < 20; ++round) {
    IncidentLog log;
    TargetHealth health("a/b", config(), log);  // 3 in a row
    onThreads(8, [&](int) {
      for (int i = 0; i < 4; ++i) fail(health, kStart, FailureKind::ConnectionReset);
    });
    const TargetSnapshot snapshot = health.snapshot(kStart);
    ASSERT_EQ(snapshot.breaker, BreakerState::Open);
    ASSERT_EQ(snapshot.trips, 1);
    ASSERT_EQ(snapshot.window_failures, 3) << "the third failure tripped it; later ones are late outcomes";
    ASSERT_EQ(log.all().size(), 1u);
  }
}

TEST(TargetHealth, HalfOpenAdmitsExactlyTheProbeLimitAcrossThreads) {
  IncidentLog log;
  BreakerConfig settings = config();
  settings.half_open_probes = 3;
  settings.probes_to_close = 3;
  TargetHealth health("a/b", settings, log);
  trip(health, kStart);
  const SteadyTime t = kStart + 1s;
  std::atomic<int> probes{0};
  std::atomic<int> allowed{0};
  onThreads(8, [&](int) {
    for (int i = 0; i < 200; ++i) {
      const Admission admission = health.admit(t);
      if (admission == Admission::Probe) probes.fetch_add(1);
      if (admission == Admission::Allowed) allowed.fetch_add(1);
    }
  });
  EXPECT_EQ(probes.load(), 3);
  EXPECT_EQ(allowed.load(), 0);
  // Three successful probes from three threads close it; then admission is lock-free Allowed.
  onThreads(3, [&](int) { health.recordSuccess(t, Admission::Probe, 10ms, 10ms); });
  EXPECT_EQ(health.snapshot(t).breaker, BreakerState::Closed);
  EXPECT_EQ(health.admit(t), Admission::Allowed);
  ASSERT_EQ(log.all().size(), 1u);
  EXPECT_TRUE(log.all()[0].closed);
}

TEST(TargetHealth, OtherWorkersSeeATripAtTheirNextAdmission) {
  IncidentLog log;
  TargetHealth health("a/b", config(), log);
  std::atomic<bool> tripped{false};
  std::atomic<int> allowed_after{0};
  std::thread reader([&] {
    while (!tripped.load(std::memory_order_acquire)) (void)health.admit(kStart);
    // Everything after the tripping call returned must see the open breaker.
    for (int i = 0; i < 1000; ++i) {
      if (health.admit(kStart) == Admission::Allowed) allowed_after.fetch_add(1);
      if (health.planState(kStart).breaker != BreakerState::Open) allowed_after.fetch_add(1);
    }
  });
  trip(health, kStart);
  tripped.store(true, std::memory_order_release);
  reader.join();
  EXPECT_EQ(allowed_after.load(), 0);
}

TEST(TargetHealth, LatencyReachesThePlannerWithinTheMergeInterval) {
  IncidentLog log;
  TargetHealth health("a/b", config(), log);
  // The first read merges (nothing yet) and puts the next merge kLatencyMerge later.
  EXPECT_EQ(health.planState(kStart).samples, 0u);
  health.recordSuccess(kStart, Admission::Allowed, 100ms, 100ms);
  onThreads(4, [&](int) {
    for (int i = 0; i < 50; ++i) health.recordSuccess(kStart + 10ms, Admission::Allowed, 300ms, 300ms);
  });
  EXPECT_EQ(health.planState(kStart + 99ms).samples, 0u) << "within the interval: not merged yet";
  EXPECT_EQ(health.firstTokenP95Ms(), 0);
  const PlanState merged = health.planState(kStart + kLatencyMerge);
  EXPECT_EQ(merged.samples, 201u);
  EXPECT_NEAR(merged.ttft_ewma_ms, (100.0 + 200 * 300.0) / 201, 1e-9) << "a first batch: its mean";
  EXPECT_GT(health.firstTokenP95Ms(), 300 / 1.3);
  // Samples recorded after a merge wait for the next one, which the recording itself can make.
  health.recordSuccess(kStart + 150ms, Admission::Allowed, 300ms, 300ms);
  EXPECT_EQ(health.planState(kStart + 150ms).samples, 201u);
  health.recordSuccess(kStart + 2 * kLatencyMerge, Admission::Allowed, 300ms, 300ms);
  EXPECT_EQ(health.planState(kStart + 2 * kLatencyMerge).samples, 203u);
}

TEST(TargetHealth, EffectsFromManyThreadsAreCountedWithoutTheLogLock) {
  IncidentLog log;
  TargetHealth health("a/b", config(), log);
  TargetHealth other("c/d", config(), log);
  trip(health, kStart);
  onThreads(6, [&](int t) {
    for (int i = 0; i < 1000; ++i) {
      health.noteEffect(t % 2 == 0 ? IncidentEffect::Hedged : IncidentEffect::Lost);
      other.noteEffect(IncidentEffect::FailedOver);  // no incident: nothing counted
      if (i % 100 == 0) (void)log.all();
    }
  });
  const auto incidents = log.all();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].affected, 6000u);
  EXPECT_EQ(incidents[0].hedged, 3000u);
  EXPECT_EQ(incidents[0].lost, 3000u);
}

TEST(SlotCounter, CountsEveryAddFromEveryThreadInItsSlot) {
  SlotCounter counter(10);
  onThreads(8, [&](int t) {
    for (int i = 0; i < 5000; ++i) counter.add(100 + (i + t) % 5);
  });
  EXPECT_EQ(counter.total(), 40000u);
  EXPECT_EQ(counter.sumFrom(100), 40000u);
  EXPECT_EQ(counter.sumFrom(103), 16000u);
  // The ring comes round: slot 110 reuses 100's cells, which no longer count.
  counter.add(110);
  EXPECT_EQ(counter.sumFrom(101), 32001u);
  // An add with an older clock reading counts into the newer slot its cell holds.
  counter.add(100);
  EXPECT_EQ(counter.sumFrom(110), 2u);
  counter.clear();
  EXPECT_EQ(counter.sumFrom(0), 0u);
  EXPECT_EQ(counter.total(), 40002u) << "the total is never cleared";
}

TEST(SlotCounter, EveryThreadGetsAShardInRange) {
  std::set<std::size_t> seen;
  std::mutex mutex;
  onThreads(kThreadShards + 4, [&](int) {
    const std::size_t shard = threadShard();
    EXPECT_LT(shard, kThreadShards);
    EXPECT_EQ(threadShard(), shard) << "fixed for the thread's life";
    std::lock_guard lock(mutex);
    seen.insert(shard);
  });
  EXPECT_EQ(seen.size(), kThreadShards) << "round robin: more threads than shards use them all";
}

TEST(IncidentLog, KeepsOpenIncidentsAndOnlyTheNewestClosedOnes) {
  IncidentLog log(2);
  const auto now = std::chrono::system_clock::now();
  const auto first = log.open("a/1", now, "dns");
  const auto second = log.open("a/2", now, "dns");
  const auto third = log.open("a/3", now, "dns");
  const auto fourth = log.open("a/4", now, "dns");
  log.close(second, now + 1s);
  log.close(third, now + 2s);
  log.close(fourth, now + 3s);
  std::vector<std::uint64_t> ids;
  for (const auto& incident : log.all()) ids.push_back(incident.id);
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{first, third, fourth})) << "oldest first, open one kept";
  log.close(first, now + 4s);
  ids.clear();
  for (const auto& incident : log.all()) ids.push_back(incident.id);
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{third, fourth}));
  // Updating a dropped incident is a no-op.
  log.update(first, [](Incident& incident) { ++incident.affected; });
  log.update(fourth, [](Incident& incident) { ++incident.affected; });
  EXPECT_EQ(log.all()[1].affected, 1u);
}

TEST(IncidentLog, ClosingTwiceKeepsTheFirstCloseTime) {
  IncidentLog log;
  const auto now = std::chrono::system_clock::now();
  const auto id = log.open("a/b", now, "tls");
  log.close(id, now + 1s);
  log.close(id, now + 5s);
  EXPECT_EQ(log.all().at(0).closed, now + 1s);
}

}  // namespace
}  // namespace switchyard::resilience
