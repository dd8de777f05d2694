#include "store/store_service.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/executor.h"
#include "store/sqlite_store.h"
#include "../support/temp_dir.h"

namespace switchyard::store {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Optional;

// Long enough that only flush(), run() and the destructor commit within a test.
constexpr std::chrono::milliseconds kNever = std::chrono::hours(1);

using switchyard::testing::TempDir;

AuditRecord audit(const std::string& id) {
  return AuditRecord{.request_id = id, .time_ms = 1000, .route = "chat", .outcome = "ok",
                     .status = 200, .json = "{\"id\":\"" + id + "\"}"};
}

std::size_t auditCount(StoreService& service) {
  return service.runBlocking(
      [](Store& store) { return store.auditRecords({.limit = 1'000'000}).size(); });
}

// Runs `task` on a fresh io_context on this thread until it finishes; its result or exception.
template <class T>
T runHere(Task<T> task) {
  boost::asio::io_context io;
  std::exception_ptr error;
  std::optional<T> result;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result = std::move(value);
  });
  io.run();
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

// A store whose commits fail on demand; what it holds outlives it (the service owns the store).
struct FlakyState {
  std::atomic<bool> failing{false};
  std::atomic<int> commits{0};
  std::vector<AuditRecord> records;  // the store thread's, read after flush() or destruction
};
class FlakyStore final : public Store {
 public:
  explicit FlakyStore(std::shared_ptr<FlakyState> state) : state_(std::move(state)) {}
  void putKey(const KeyRecord&) override {}
  bool deleteKey(std::string_view) override { return false; }
  std::vector<KeyRecord> keys() override { return {}; }
  void appendAudit(std::span<const AuditRecordView> records) override {
    if (state_->failing) throw std::runtime_error("database or disk is full");
    ++state_->commits;
    for (const AuditRecordView& record : records) state_->records.push_back(copyOf(record));
  }
  std::optional<std::string> auditRecord(std::string_view) override { return std::nullopt; }
  bool hasAudit(std::string_view, std::int64_t) override { return false; }
  std::vector<std::string> auditRecords(const AuditQuery&) override { return {}; }
  std::vector<SpendTotal> spendSince(std::int64_t) override { return {}; }
  std::size_t pruneAudit(std::int64_t, std::size_t, std::size_t) override { return 0; }
  std::size_t pruneSpendDays(std::int64_t) override { return 0; }

 private:
  std::shared_ptr<FlakyState> state_;
};

TEST(StoreService, RecordsFromSeveralThreadsAreAllCommittedAfterFlush) {
  StoreService service(SqliteStore::open(":memory:"), {.flush_interval = 5ms});
  constexpr int kThreads = 4;
  constexpr int kRecords = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&service, t] {
      for (int i = 0; i < kRecords; ++i) {
        service.recordAudit(audit("t" + std::to_string(t) + "-" + std::to_string(i)));
      }
    });
  }
  // The threads end before the service: their buffers must outlive them.
  for (auto& thread : threads) thread.join();
  service.flush();
  EXPECT_EQ(auditCount(service), std::size_t{kThreads * kRecords});
  EXPECT_EQ(service.droppedAudit(), 0u);
}

// The request path hands over views of its own storage (the trail's strings, the thread's render
// storage) and reuses that storage for the next request at once: every field must have been copied
// when recordAudit returns, empty ones and a JSON too large for the render storage included, and
// every record must come out as it went in, across the buffers of several collections.
TEST(StoreService, RecordsHandedOverAsViewsAreCopiedWholeBeforeRecordAuditReturns) {
  auto state = std::make_shared<FlakyState>();
  StoreService service(std::make_unique<FlakyStore>(state), {.flush_interval = kNever});
  std::vector<AuditRecord> expected;
  std::string reused;  // the caller's storage, overwritten for every record
  for (int i = 0; i < 300; ++i) {
    const std::string id = "req-" + std::to_string(i);
    const std::string json = i == 7 ? std::string(100'000, 'j') : "{\"n\":" + std::to_string(i) + "}";
    const std::string key = i % 3 == 0 ? "" : "key_" + std::to_string(i);
    reused = id + key + json;
    const std::string_view all(reused);
    const AuditRecordView view{.request_id = all.substr(0, id.size()),
                               .time_ms = 1000 + i,
                               .start_ns = i,
                               .key_id = all.substr(id.size(), key.size()),
                               .route = i % 2 == 0 ? "chat" : "",
                               .outcome = "ok",
                               .status = 200 + i % 5,
                               .json = all.substr(id.size() + key.size()),
                               .cost_nano_usd = i * 1'000'000'007LL,
                               .tokens = -i};
    expected.push_back(copyOf(view));
    service.recordAudit(view);
    std::fill(reused.begin(), reused.end(), '#');
    if (i % 100 == 99) service.flush();  // several collections, each with buffers swapped back
  }
  service.flush();
  ASSERT_EQ(state->records.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const AuditRecord& got = state->records[i];
    const AuditRecord& want = expected[i];
    EXPECT_EQ(got.request_id, want.request_id) << i;
    EXPECT_EQ(got.time_ms, want.time_ms) << i;
    EXPECT_EQ(got.start_ns, want.start_ns) << i;
    EXPECT_EQ(got.key_id, want.key_id) << i;
    EXPECT_EQ(got.route, want.route) << i;
    EXPECT_EQ(got.outcome, want.outcome) << i;
    EXPECT_EQ(got.status, want.status) << i;
    EXPECT_EQ(got.json, want.json) << i;
    EXPECT_EQ(got.cost_nano_usd, want.cost_nano_usd) << i;
    EXPECT_EQ(got.tokens, want.tokens) << i;
  }
}

TEST(StoreService, AFullBatchIsCommittedWithoutWaitingForTheInterval) {
  // Under load the store commits every wake_batch records: short commits, not one a whole
  // interval long that stalls the workers sharing its core.
  auto state = std::make_shared<FlakyState>();
  StoreService service(std::make_unique<FlakyStore>(state), {.flush_interval = std::chrono::hours(1), .wake_batch = 8});
  for (int i = 0; i < 8; ++i) service.recordAudit(audit("r" + std::to_string(i)));
  for (int i = 0; i < 1000 && state->commits.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(state->commits.load(), 1);
  for (int i = 0; i < 7; ++i) service.recordAudit(audit("s" + std::to_string(i)));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(state->commits.load(), 1) << "fewer than a batch waits for the interval";
}

TEST(StoreService, RunReturnsTheValueAndResumesOnTheCallersThread) {
  StoreService service(SqliteStore::open(":memory:"), {.flush_interval = kNever});
  const auto caller = std::this_thread::get_id();
  std::thread::id inside, after;
  const auto keys = runHere([&]() -> Task<std::size_t> {
    co_await service.run([](Store& store) {
      store.putKey(KeyRecord{.id = "key_1", .name = "one", .sha256_hex = "00"});
    });
    const std::size_t count = co_await service.run([&inside](Store& store) {
      inside = std::this_thread::get_id();
      return store.keys().size();
    });
    after = std::this_thread::get_id();
    co_return count;
  }());
  EXPECT_EQ(keys, 1u);
  EXPECT_NE(inside, caller);  // on the store thread
  EXPECT_EQ(after, caller);
}

TEST(StoreService, RunSeesAuditRecordsRecordedBeforeIt) {
  StoreService service(SqliteStore::open(":memory:"), {.flush_interval = kNever});
  service.recordAudit(audit("r1"));
  const auto found = runHere([&]() -> Task<std::optional<std::string>> {
    co_return co_await service.run([](Store& store) { return store.auditRecord("r1"); });
  }());
  EXPECT_THAT(found, Optional(std::string("{\"id\":\"r1\"}")));
}

TEST(StoreService, RunRethrowsWhatFnThrows) {
  StoreService service(SqliteStore::open(":memory:"), {.flush_interval = kNever});
  auto task = [&]() -> Task<int> {
    co_return co_await service.run([](Store&) -> int { throw std::runtime_error("no such key"); });
  };
  EXPECT_THROW(
      {
        try {
          runHere(task());
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "no such key");
          throw;
        }
      },
      std::runtime_error);
  // The store thread carries on.
  EXPECT_EQ(service.runBlocking([](Store& store) { return store.keys().size(); }), 0u);
}

TEST(StoreService, RunBlockingRethrowsWhatFnThrows) {
  StoreService service(SqliteStore::open(":memory:"), {.flush_interval = kNever});
  EXPECT_THROW(service.runBlocking([](Store&) { throw std::logic_error("bad"); }),
               std::logic_error);
}

TEST(StoreService, RecordsBeyondMaxPendingAreDroppedAndCounted) {
  StoreService service(SqliteStore::open(":memory:"),
                       {.flush_interval = kNever, .max_pending = 10});
  for (int i = 0; i < 15; ++i) service.recordAudit(audit("a" + std::to_string(i)));
  EXPECT_EQ(service.droppedAudit(), 5u);
  service.flush();
  EXPECT_EQ(auditCount(service), 10u);
  // Committed records free their places.
  for (int i = 0; i < 3; ++i) service.recordAudit(audit("b" + std::to_string(i)));
  service.flush();
  EXPECT_EQ(auditCount(service), 13u);
  EXPECT_EQ(service.droppedAudit(), 5u);
}

TEST(StoreService, DestructorCommitsPendingRecords) {
  TempDir dir;
  const std::string path = dir.file("switchyard.db");
  {
    StoreService service(SqliteStore::open(path), {.flush_interval = kNever});
    service.recordAudit(audit("r1"));
    std::thread([&service] { service.recordAudit(audit("r2")); }).join();
  }
  auto store = SqliteStore::open(path);
  EXPECT_TRUE(store->auditRecord("r1").has_value());
  EXPECT_TRUE(store->auditRecord("r2").has_value());
}

TEST(StoreService, FailedCommitKeepsRecordsForTheNextTryAndReportsOnce) {
  auto state = std::make_shared<FlakyState>();
  StoreService service(std::make_unique<FlakyStore>(state),
                       {.flush_interval = kNever, .max_pending = 3});
  state->failing = true;
  service.recordAudit(audit("r1"));
  service.recordAudit(audit("r2"));
  ::testing::internal::CaptureStderr();
  service.flush();
  service.flush();
  const std::string reported = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(reported, HasSubstr("cannot commit 2 audit records"));
  EXPECT_THAT(reported, HasSubstr("database or disk is full"));
  EXPECT_EQ(reported.find("cannot commit", reported.find("cannot commit") + 1), std::string::npos)
      << "reported twice within a minute: " << reported;
  // The kept records count against max_pending.
  service.recordAudit(audit("r3"));
  service.recordAudit(audit("r4"));
  EXPECT_EQ(service.droppedAudit(), 1u);

  state->failing = false;
  ::testing::internal::CaptureStderr();
  service.flush();
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), HasSubstr("committed again"));
  ASSERT_EQ(state->records.size(), 3u);
  EXPECT_EQ(state->records[0].request_id, "r1");
  EXPECT_EQ(state->records[2].request_id, "r3");
  EXPECT_EQ(state->commits, 1);  // the kept and the new records in one transaction
}

// The bound documented in the README: a kill -9 loses no key and no audit record recorded at least
// one flush interval before it (only those of the last interval and the batch in flight).
TEST(StoreService, KillNineLosesNoKeyAndNoRecordOlderThanTheFlushInterval) {
  TempDir dir;
  const std::string path = dir.file("switchyard.db");
  constexpr auto kInterval = 50ms;
  // The bound is one interval plus the time a commit takes and the store thread waits for a core.
  // Four ASan runs at once on two cores, the child a copy-on-write image of a parent that has run
  // the suite many times (--gtest_repeat), measured up to ~170 ms for those two; hence the slack.
  constexpr auto kSlack = 300ms;
  constexpr int kEarly = 300;
  constexpr int kLate = 300;
  const KeyRecord key{
      .id = "key_0123456789abcdef", .name = "k", .sha256_hex = std::string(64, 'c')};

  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    // No gtest assertions here: the child reports through how it ends.
    try {
      StoreService service(SqliteStore::open(path), {.flush_interval = kInterval});
      service.runBlocking([&key](Store& store) { store.putKey(key); });
      for (int i = 0; i < kEarly; ++i) service.recordAudit(audit("early-" + std::to_string(i)));
      std::this_thread::sleep_for(kInterval + kSlack);
      for (int i = 0; i < kLate; ++i) service.recordAudit(audit("late-" + std::to_string(i)));
      raise(SIGKILL);  // no destructor, no flush
    } catch (...) {
      _exit(3);
    }
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;

  auto store = SqliteStore::open(path);
  EXPECT_THAT(store->keys(), ::testing::ElementsAre(key));
  for (int i = 0; i < kEarly; ++i) {
    EXPECT_TRUE(store->auditRecord("early-" + std::to_string(i)).has_value()) << "early-" << i;
  }
  EXPECT_LE(store->auditRecords({.limit = 10'000}).size(), std::size_t{kEarly + kLate});
}

}  // namespace
}  // namespace switchyard::store
