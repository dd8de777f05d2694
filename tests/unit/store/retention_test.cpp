// Retention of audit records (store.retention): SqliteStore::pruneAudit / pruneSpendDays, the
// store thread's periodic prune in StoreService, and openExisting for `switchyard requests`.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "store/store_service.h"
#include "../support/temp_dir.h"

namespace switchyard::store {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using switchyard::testing::TempDir;

constexpr std::int64_t kDay = 86'400'000;       // ms
constexpr std::int64_t kMay14 = 20'587 * kDay;  // 2026-05-14T00:00:00Z in unix ms

AuditRecord spend(const std::string& id, std::int64_t time_ms, std::int64_t nano_usd = 1, std::int64_t tokens = 1) {
  return AuditRecord{.request_id = id,
                     .time_ms = time_ms,
                     .key_id = "key_1",
                     .route = "chat",
                     .outcome = "ok",
                     .status = 200,
                     .json = "{\"request_id\":\"" + id + "\"}",
                     .cost_nano_usd = nano_usd,
                     .tokens = tokens};
}

SpendTotal total(std::string scope, std::string name, std::int64_t nano_usd, std::int64_t tokens) {
  return SpendTotal{.scope = std::move(scope), .name = std::move(name), .nano_usd = nano_usd, .tokens = tokens};
}

std::vector<std::string> idsNewestFirst(Store& store) {
  std::vector<std::string> ids;
  for (const std::string& json : store.auditRecords({.limit = 1'000'000})) {
    ids.push_back(json.substr(15, json.size() - 17));  // {"request_id":"ID"}
  }
  return ids;
}

// n records, one a minute from `start`, ids p0, p1, ..., each costing 1 nano-USD and 1 token.
void appendSeries(Store& store, const std::string& prefix, std::int64_t start, int n) {
  std::vector<AuditRecord> records;
  for (int i = 0; i < n; ++i) records.push_back(spend(prefix + std::to_string(i), start + i * 60'000));
  store.appendAudit(records);
}

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- SqliteStore ---

TEST(SqliteStoreRetention, AgeDeletesTheRecordsBeforeTheCutOldestFirstAndKeepsTheRest) {
  auto store = SqliteStore::open(":memory:");
  appendSeries(*store, "r", kMay14, 5);                            // r0 .. r4 at minutes 0 .. 4
  EXPECT_EQ(store->pruneAudit(kMay14 + 2 * 60'000, 0, 100), 2U);  // before minute 2: r0, r1
  EXPECT_THAT(idsNewestFirst(*store), ElementsAre("r4", "r3", "r2"));
  EXPECT_EQ(store->pruneAudit(kMay14 + 2 * 60'000, 0, 100), 0U);  // nothing more
  EXPECT_EQ(store->auditRecord("r1"), std::nullopt);
}

TEST(SqliteStoreRetention, RowLimitKeepsTheNewestRecords) {
  auto store = SqliteStore::open(":memory:");
  appendSeries(*store, "r", kMay14, 10);
  EXPECT_EQ(store->pruneAudit(0, 3, 100), 7U);
  EXPECT_THAT(idsNewestFirst(*store), ElementsAre("r9", "r8", "r7"));
  EXPECT_EQ(store->pruneAudit(0, 3, 100), 0U);
  appendSeries(*store, "s", kMay14 + kDay, 2);  // two more: the two oldest go
  EXPECT_EQ(store->pruneAudit(0, 3, 100), 2U);
  EXPECT_THAT(idsNewestFirst(*store), ElementsAre("s1", "s0", "r9"));
}

TEST(SqliteStoreRetention, NoLimitsOrAnEmptyChunkDeleteNothing) {
  auto store = SqliteStore::open(":memory:");
  appendSeries(*store, "r", kMay14, 3);
  EXPECT_EQ(store->pruneAudit(0, 0, 100), 0U);
  EXPECT_EQ(store->pruneAudit(kMay14 + kDay, 1, 0), 0U);
  EXPECT_EQ(idsNewestFirst(*store).size(), 3U);
}

TEST(SqliteStoreRetention, EachCallDeletesAtMostAChunkSoABacklogTakesSeveralCalls) {
  auto store = SqliteStore::open(":memory:");
  appendSeries(*store, "r", kMay14, 25);
  const std::int64_t cut = kMay14 + 23 * 60'000;  // r0 .. r22 are too old
  std::vector<std::size_t> chunks;
  for (int call = 0; call < 10; ++call) {
    const std::size_t deleted = store->pruneAudit(cut, 0, 10);
    chunks.push_back(deleted);
    if (deleted < 10) break;
  }
  EXPECT_THAT(chunks, ElementsAre(10U, 10U, 3U));
  EXPECT_THAT(idsNewestFirst(*store), ElementsAre("r24", "r23"));
}

TEST(SqliteStoreRetention, AgeAndRowLimitShareTheChunk) {
  auto store = SqliteStore::open(":memory:");
  appendSeries(*store, "r", kMay14, 10);
  // Age: r0, r1 (2); then rows (keep 4): r2 .. r5 (4): 6 in all, at most 4 a call.
  EXPECT_EQ(store->pruneAudit(kMay14 + 2 * 60'000, 4, 4), 4U);
  EXPECT_EQ(store->pruneAudit(kMay14 + 2 * 60'000, 4, 4), 2U);
  EXPECT_EQ(store->pruneAudit(kMay14 + 2 * 60'000, 4, 4), 0U);
  EXPECT_THAT(idsNewestFirst(*store), ElementsAre("r9", "r8", "r7", "r6"));
}

TEST(SqliteStoreRetention, SpendTotalsOfTodayAndThisMonthSurvivePruningTheirRecords) {
  auto store = SqliteStore::open(":memory:");
  const std::int64_t may1 = kMay14 - 13 * kDay;
  appendSeries(*store, "m", may1, 4);    // earlier this month
  appendSeries(*store, "t", kMay14, 6);  // today
  const auto today = store->spendSince(kMay14);
  const auto month = store->spendSince(may1);
  EXPECT_EQ(store->pruneAudit(kMay14 + kDay, 0, 100), 10U);  // every record goes
  EXPECT_EQ(store->pruneAudit(0, 1, 100), 0U);
  EXPECT_THAT(idsNewestFirst(*store), IsEmpty());
  EXPECT_EQ(store->spendSince(kMay14), today);
  EXPECT_EQ(store->spendSince(may1), month);
  EXPECT_THAT(month, ElementsAre(total("gateway", "", 10, 10), total("key", "key_1", 10, 10),
                                 total("route", "chat", 10, 10)));
  EXPECT_THAT(today, ElementsAre(total("gateway", "", 6, 6), total("key", "key_1", 6, 6),
                                 total("route", "chat", 6, 6)));
}

TEST(SqliteStoreRetention, SpendDaysBeforeTheCutAreDeletedWholeDaysOnly) {
  auto store = SqliteStore::open(":memory:");
  appendSeries(*store, "a", kMay14 - 2 * kDay, 1);
  appendSeries(*store, "b", kMay14 - kDay, 1);
  appendSeries(*store, "c", kMay14, 1);
  // The cut falls inside May 13: May 12 ends before it and goes; May 13 and 14 stay.
  EXPECT_EQ(store->pruneSpendDays(kMay14 - kDay + 1000), 1U);
  EXPECT_THAT(store->spendSince(kMay14 - 3 * kDay),
              ElementsAre(total("gateway", "", 2, 2), total("key", "key_1", 2, 2), total("route", "chat", 2, 2)));
  EXPECT_EQ(idsNewestFirst(*store).size(), 3U);  // records are not touched
}

// --- A reader beside the gateway (switchyard requests) ---

TEST(SqliteStoreReader, OpenExistingRefusesAMissingFileAndCreatesNothing) {
  TempDir dir;
  const std::string path = dir.file("missing.db");
  try {
    SqliteStore::openExisting(path);
    FAIL() << "open succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(SqliteStoreReader, OpenExistingRefusesAFileThatIsNotAStore) {
  TempDir dir;
  const std::string path = dir.file("empty.db");
  std::ofstream(path).close();
  EXPECT_THROW(SqliteStore::openExisting(path), std::runtime_error);
}

TEST(SqliteStoreReader, ReadsWhatTheWriterCommitsWhileTheWriterKeepsItsConnection) {
  TempDir dir;
  const std::string path = dir.file("switchyard.db");
  auto writer = SqliteStore::open(path);
  appendSeries(*writer, "r", kMay14, 2);
  auto reader = SqliteStore::openExisting(path);
  EXPECT_THAT(idsNewestFirst(*reader), ElementsAre("r1", "r0"));
  appendSeries(*writer, "s", kMay14 + kDay, 1);
  EXPECT_THAT(idsNewestFirst(*reader), ElementsAre("s0", "r1", "r0"));
}

// --- StoreService: the store thread prunes ---

StoreService::Settings pruning(Retention retention) {
  StoreService::Settings settings;
  settings.flush_interval = 10ms;
  settings.retention = retention;
  settings.prune_interval = 20ms;
  settings.prune_chunk = 7;  // several chunks per round
  return settings;
}

template <class Predicate>
bool eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

TEST(StoreServiceRetention, RecordsOlderThanMaxAgeGoInChunksAndTheSpendTotalsStay) {
  StoreService service(SqliteStore::open(":memory:"), pruning({.max_age = 1h}));
  const std::int64_t now = nowMs();
  for (int i = 0; i < 30; ++i) service.recordAudit(spend("old" + std::to_string(i), now - 2 * 3600'000 + i));
  for (int i = 0; i < 3; ++i) service.recordAudit(spend("new" + std::to_string(i), now + i));
  service.flush();
  const std::int64_t day_start = now - now % kDay;
  const auto before = service.runBlocking([day_start](Store& store) { return store.spendSince(day_start); });
  ASSERT_TRUE(eventually([&] { return service.prunedAudit() >= 30; })) << service.prunedAudit();
  EXPECT_EQ(service.prunedAudit(), 30U);
  EXPECT_THAT(service.runBlocking([](Store& store) { return idsNewestFirst(store); }),
              ElementsAre("new2", "new1", "new0"));
  // The records two hours ago may be yesterday's (just after midnight): compare what was read.
  EXPECT_EQ(service.runBlocking([day_start](Store& store) { return store.spendSince(day_start); }), before);
}

TEST(StoreServiceRetention, RowLimitKeepsTheNewest) {
  StoreService service(SqliteStore::open(":memory:"), pruning({.max_rows = 5}));
  const std::int64_t now = nowMs();
  for (int i = 0; i < 20; ++i) service.recordAudit(spend("r" + std::to_string(i), now + i));
  service.flush();
  ASSERT_TRUE(eventually([&] { return service.prunedAudit() >= 15; })) << service.prunedAudit();
  EXPECT_THAT(service.runBlocking([](Store& store) { return idsNewestFirst(store); }),
              ElementsAre("r19", "r18", "r17", "r16", "r15"));
}

TEST(StoreServiceRetention, NoRetentionPrunesNothing) {
  StoreService::Settings settings = pruning({});
  StoreService service(SqliteStore::open(":memory:"), settings);
  service.recordAudit(spend("ancient", 1000));
  service.flush();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(service.prunedAudit(), 0U);
  EXPECT_THAT(service.runBlocking([](Store& store) { return idsNewestFirst(store); }), ElementsAre("ancient"));
}

TEST(StoreServiceRetention, SpendDaysOlderThanTheyAreKeptGoAndRecentOnesStay) {
  StoreService service(SqliteStore::open(":memory:"), pruning({.max_age = 1h}));
  const std::int64_t now = nowMs();
  const std::int64_t kept_ms = std::chrono::milliseconds(kSpendDaysKept).count();
  service.recordAudit(spend("too-old", now - kept_ms - 2 * kDay, 5, 5));
  service.recordAudit(spend("last-month", now - 30 * kDay, 7, 7));
  service.flush();
  ASSERT_TRUE(eventually([&] { return service.prunedAudit() >= 2; }));
  // Both records are gone (older than an hour); only the spend of the day within 400 days stays.
  const auto spend_left = [&] {
    return service.runBlocking([now](Store& store) { return store.spendSince(now - kept_ms - 10 * kDay); });
  };
  ASSERT_TRUE(eventually([&] { return !spend_left().empty() && spend_left()[0].nano_usd == 7; }));
  EXPECT_THAT(spend_left(), ElementsAre(total("gateway", "", 7, 7), total("key", "key_1", 7, 7),
                                        total("route", "chat", 7, 7)));
}

}  // namespace
}  // namespace switchyard::store
