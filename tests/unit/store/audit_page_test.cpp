// Audit records kept in compressed pages (schema v4): the codec, and what SqliteStore promises
// across pages: order by start over pages whose times overlap, batches larger than a page, repeated
// request ids, pruning inside a page, and a v3 file moved into pages.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/audit_page.h"
#include "store/sqlite_store.h"
#include "../support/temp_dir.h"

namespace switchyard::store {
namespace {

using ::testing::ElementsAre;
using switchyard::testing::TempDir;

AuditRecord record(const std::string& id, std::int64_t time_ms, const std::string& route = "chat") {
  return AuditRecord{.request_id = id,
                     .time_ms = time_ms,
                     .key_id = "key_1",
                     .route = route,
                     .outcome = "ok",
                     .status = 200,
                     .json = "{\"id\":\"" + id + "\"}",
                     .cost_nano_usd = 7,
                     .tokens = 3};
}

std::vector<std::string> jsons(std::initializer_list<std::string> ids) {
  std::vector<std::string> out;
  for (const std::string& id : ids) out.push_back("{\"id\":\"" + id + "\"}");
  return out;
}

TEST(AuditPageCodec, RoundTripsEveryFieldIncludingEmptyAndBinaryText) {
  std::vector<AuditRecord> records = {record("a", 1), record("", -5), record("c", 1'800'000'000'000)};
  records[1].key_id = "";
  records[1].json = std::string("{\"x\":\"\0\xff\"}", 11);
  records[2].json = std::string(100'000, 'z');
  records[2].status = 503;
  records[2].cost_nano_usd = -1;
  std::vector<AuditRecordView> views;
  for (const AuditRecord& r : records) views.push_back(viewOf(r));
  AuditPageCodec codec;
  const std::string page(codec.encode(views));
  EXPECT_LT(page.size(), 1000U);  // 100 KB of one letter compresses
  const auto decoded = codec.decode(page);
  ASSERT_EQ(decoded.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const AuditRecord back = copyOf(decoded[i]);
    EXPECT_EQ(back.request_id, records[i].request_id);
    EXPECT_EQ(back.time_ms, records[i].time_ms);
    EXPECT_EQ(back.key_id, records[i].key_id);
    EXPECT_EQ(back.route, records[i].route);
    EXPECT_EQ(back.outcome, records[i].outcome);
    EXPECT_EQ(back.status, records[i].status);
    EXPECT_EQ(back.json, records[i].json);
    EXPECT_EQ(back.cost_nano_usd, records[i].cost_nano_usd);
    EXPECT_EQ(back.tokens, records[i].tokens);
  }
}

TEST(AuditPageCodec, RefusesWhatIsNotAWholePage) {
  AuditPageCodec codec;
  const AuditRecord one = record("a", 1);
  const std::vector<AuditRecordView> views = {viewOf(one)};
  const std::string page(codec.encode(views));
  EXPECT_THROW(codec.decode("not a page"), std::runtime_error);
  EXPECT_THROW(codec.decode(std::string_view(page).substr(0, page.size() - 3)), std::runtime_error);
  std::string flipped = page;
  flipped[flipped.size() / 2] ^= 0x55;
  try {
    (void)codec.decode(flipped);  // either refused, or decodes to some records: never a crash
  } catch (const std::runtime_error&) {
  }
}

TEST(SqliteStorePages, RecordsAreListedByStartAcrossPagesWhoseTimesOverlap) {
  auto store = SqliteStore::open(":memory:");
  // A long request ends in the second commit but started before the first one's records.
  store->appendAudit(std::vector<AuditRecord>{record("b", 20), record("c", 30)});
  store->appendAudit(std::vector<AuditRecord>{record("a", 10), record("d", 40)});
  EXPECT_EQ(store->auditRecords({}), jsons({"d", "c", "b", "a"}));
  EXPECT_EQ(store->auditRecords({.limit = 3}), jsons({"d", "c", "b"}));
  EXPECT_EQ(store->auditRecords({.since_ms = 20, .limit = 10}), jsons({"d", "c", "b"}));
  EXPECT_EQ(store->auditRecords({.limit = 0}), std::vector<std::string>{});
}

TEST(SqliteStorePages, EqualStartsListTheLaterInsertedFirstAcrossPages) {
  auto store = SqliteStore::open(":memory:");
  store->appendAudit(std::vector<AuditRecord>{record("p1", 10), record("p2", 10)});
  store->appendAudit(std::vector<AuditRecord>{record("q1", 10), record("q2", 5)});
  EXPECT_EQ(store->auditRecords({.limit = 2}), jsons({"q1", "p2"}));
  EXPECT_EQ(store->auditRecords({}), jsons({"q1", "p2", "p1", "q2"}));
}

TEST(SqliteStorePages, ABatchLargerThanAPageIsSplitAndEveryRecordIsFound) {
  TempDir dir;
  const std::string path = dir.file("pages.db");
  const std::size_t n = 2 * kAuditPageRecords + 5;
  {
    auto store = SqliteStore::open(path);
    std::vector<AuditRecord> batch;
    for (std::size_t i = 0; i < n; ++i) batch.push_back(record("r" + std::to_string(i), static_cast<std::int64_t>(i)));
    store->appendAudit(batch);
  }
  auto store = SqliteStore::open(path);
  EXPECT_EQ(store->auditRecords({.limit = n + 10}).size(), n);
  for (const std::size_t i : {std::size_t{0}, kAuditPageRecords - 1, kAuditPageRecords, n - 1}) {
    EXPECT_EQ(store->auditRecord("r" + std::to_string(i)), jsons({"r" + std::to_string(i)})[0]);
    EXPECT_TRUE(store->hasAudit("r" + std::to_string(i), static_cast<std::int64_t>(i)));
  }
  EXPECT_EQ(store->auditRecords({.limit = 2}), jsons({"r" + std::to_string(n - 1), "r" + std::to_string(n - 2)}));
  // Keep the newest 3: whole pages go, and the last one loses all but its newest 3.
  EXPECT_EQ(store->pruneAudit(0, 3, n), n - 3);
  EXPECT_EQ(store->auditRecords({.limit = n}).size(), 3U);
  EXPECT_EQ(store->auditRecord("r0"), std::nullopt);
  EXPECT_FALSE(store->hasAudit("r0", 0));
}

TEST(SqliteStorePages, ARepeatedIdAndStartInOnePageKeepsItsEntryUntilBothRecordsGo) {
  auto store = SqliteStore::open(":memory:");
  AuditRecord first = record("same", 10);
  AuditRecord second = record("same", 10);
  second.json = "{\"second\":true}";
  store->appendAudit(std::vector<AuditRecord>{first, second, record("other", 11)});
  EXPECT_EQ(store->auditRecord("same"), "{\"second\":true}");
  EXPECT_EQ(store->pruneAudit(0, 2, 100), 1U);  // the oldest inserted: `first`
  EXPECT_EQ(store->auditRecord("same"), "{\"second\":true}");
  EXPECT_TRUE(store->hasAudit("same", 10));
  EXPECT_EQ(store->pruneAudit(0, 1, 100), 1U);
  EXPECT_EQ(store->auditRecord("same"), std::nullopt);
  EXPECT_FALSE(store->hasAudit("same", 10));
}

TEST(SqliteStorePages, AgePruningInsideAPageKeepsItsNewerRecordsFindable) {
  auto store = SqliteStore::open(":memory:");
  store->appendAudit(std::vector<AuditRecord>{record("late", 50), record("early", 5), record("mid", 20)});
  EXPECT_EQ(store->pruneAudit(21, 0, 100), 2U);
  EXPECT_EQ(store->auditRecords({}), jsons({"late"}));
  EXPECT_EQ(store->auditRecord("late"), jsons({"late"})[0]);
  EXPECT_EQ(store->auditRecord("mid"), std::nullopt);
  // The page now starts at 50: a cut before that finds nothing more.
  EXPECT_EQ(store->pruneAudit(50, 0, 100), 0U);
}

// The audit table as schema v3 had it, with enough records for more than one page.
TEST(SqliteStorePages, AVersion3FileHasItsRecordsMovedIntoPagesInOrder) {
  TempDir dir;
  const std::string path = dir.file("v3.db");
  const int n = static_cast<int>(kAuditPageRecords) + 100;
  {
    auto store = SqliteStore::open(path);  // today's schema, then taken back to v3 by hand
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string sql = R"sql(
DROP TABLE audit_pages; DROP TABLE audit_ids;
CREATE TABLE audit(seq INTEGER PRIMARY KEY, request_id TEXT NOT NULL, time_ms INTEGER NOT NULL,
  key_id TEXT NOT NULL, route TEXT NOT NULL, outcome TEXT NOT NULL, status INTEGER NOT NULL,
  json TEXT NOT NULL, cost_nano_usd INTEGER NOT NULL DEFAULT 0, tokens INTEGER NOT NULL DEFAULT 0);
CREATE INDEX audit_by_time ON audit(time_ms);
CREATE INDEX audit_by_request ON audit(request_id);
PRAGMA user_version = 3;
)sql";
    for (int i = 0; i < n; ++i) {
      sql += "INSERT INTO audit(request_id, time_ms, key_id, route, outcome, status, json, cost_nano_usd, tokens) "
             "VALUES('v" + std::to_string(i) + "', " + std::to_string(1000 + i / 2) + ", 'key_1', 'chat', 'ok', 200, "
             "'{\"id\":\"v" + std::to_string(i) + "\"}', 2, 1);";
    }
    store.reset();
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto store = SqliteStore::open(path);
  const auto all = store->auditRecords({.limit = 10'000});
  ASSERT_EQ(all.size(), static_cast<std::size_t>(n));
  // Newest start first; records with the same start (two per millisecond) newest inserted first.
  EXPECT_EQ(all.front(), jsons({"v" + std::to_string(n - 1)})[0]);
  EXPECT_EQ(all[1], jsons({"v" + std::to_string(n - 2)})[0]);
  EXPECT_EQ(all.back(), jsons({"v0"})[0]);
  EXPECT_EQ(store->auditRecord("v7"), jsons({"v7"})[0]);
  EXPECT_TRUE(store->hasAudit("v7", 1003));
  EXPECT_THAT(store->spendSince(999),
              ElementsAre(SpendTotal{.scope = "gateway", .name = "", .nano_usd = 2 * n, .tokens = n},
                          SpendTotal{.scope = "key", .name = "key_1", .nano_usd = 2 * n, .tokens = n},
                          SpendTotal{.scope = "route", .name = "chat", .nano_usd = 2 * n, .tokens = n}));
}

TEST(SqliteStorePages, APageWhoseBoundsDisagreeWithItsRecordsIsMendedNotLoopedOn) {
  TempDir dir;
  const std::string path = dir.file("bounds.db");
  {
    auto store = SqliteStore::open(path);
    store->appendAudit(std::vector<AuditRecord>{record("a", 100), record("b", 200)});
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE audit_pages SET first_ms = 1", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = SqliteStore::open(path);
  EXPECT_EQ(store->pruneAudit(50, 0, 100), 0U);  // returns: nothing is older than 50
  EXPECT_EQ(store->auditRecords({}), jsons({"b", "a"}));
  EXPECT_EQ(store->pruneAudit(150, 0, 100), 1U);
  EXPECT_EQ(store->auditRecords({}), jsons({"b"}));
}

TEST(SqliteStorePages, AReaderRefusesAFileOlderThanPagesAndLeavesItAlone) {
  TempDir dir;
  const std::string path = dir.file("v3.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE audit(seq INTEGER PRIMARY KEY); PRAGMA user_version = 3;", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  try {
    SqliteStore::openExisting(path);
    ADD_FAILURE() << "opened";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("start this build's gateway on it once"));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 3);  // not migrated
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

}  // namespace
}  // namespace switchyard::store
