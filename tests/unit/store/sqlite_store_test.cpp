#include "store/sqlite_store.h"
#include "../support/temp_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

namespace switchyard::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using switchyard::testing::TempDir;

KeyRecord fullKey() {
  return KeyRecord{.id = "key_00112233445566aa",
                   .name = "batch jobs",
                   .sha256_hex = std::string(64, 'a'),
                   .routes = {"chat", "odd \"route\" \\ with\ttab", "ünïcode"},
                   .data_classes = {"public", "internal"},
                   .pii_action = "redact",
                   .expires_at = 1'900'000'000,
                   .enabled = false,
                   .created_at = 1'700'000'100};
}

KeyRecord minimalKey() {
  return KeyRecord{.id = "key_ffeeddccbbaa9988",
                   .name = "anyone",
                   .sha256_hex = std::string(64, 'b'),
                   .created_at = 1'700'000'000};
}

AuditRecord audit(std::string id, std::int64_t time_ms, std::string route, std::string outcome,
                  std::string key_id = "") {
  const int status = outcome == "ok" ? 200 : 502;
  return AuditRecord{.request_id = id,
                     .time_ms = time_ms,
                     .key_id = std::move(key_id),
                     .route = std::move(route),
                     .outcome = std::move(outcome),
                     .status = status,
                     .json = "{\"request_id\":\"" + id + "\"}"};
}

std::string json(const std::string& id) { return "{\"request_id\":\"" + id + "\"}"; }

TEST(SqliteStore, KeysRoundTripWithEveryFieldOldestFirst) {
  auto store = SqliteStore::open(":memory:");
  store->putKey(fullKey());
  store->putKey(minimalKey());
  EXPECT_THAT(store->keys(), ElementsAre(minimalKey(), fullKey()));
}

TEST(SqliteStore, PutKeyWithAnExistingIdReplacesIt) {
  auto store = SqliteStore::open(":memory:");
  store->putKey(fullKey());
  KeyRecord changed = fullKey();
  changed.enabled = true;
  changed.routes.clear();
  changed.expires_at.reset();
  changed.pii_action = "";
  store->putKey(changed);
  EXPECT_THAT(store->keys(), ElementsAre(changed));
}

TEST(SqliteStore, DeleteKeyRemovesItAndSaysWhetherItExisted) {
  auto store = SqliteStore::open(":memory:");
  store->putKey(fullKey());
  store->putKey(minimalKey());
  EXPECT_TRUE(store->deleteKey(fullKey().id));
  EXPECT_FALSE(store->deleteKey(fullKey().id));
  EXPECT_FALSE(store->deleteKey("key_unknown"));
  EXPECT_THAT(store->keys(), ElementsAre(minimalKey()));
}

TEST(SqliteStore, AuditRecordIsFoundByRequestId) {
  auto store = SqliteStore::open(":memory:");
  const std::vector<AuditRecord> records = {audit("r1", 1000, "chat", "ok"),
                                            audit("r2", 2000, "chat", "failed")};
  store->appendAudit(records);
  EXPECT_EQ(store->auditRecord("r2"), json("r2"));
  EXPECT_EQ(store->auditRecord("r3"), std::nullopt);
}

// A client chooses its x-request-id: reusing one must not overwrite another request's record.
TEST(SqliteStore, AuditRecordWithARepeatedRequestIdKeepsBothAndReadsTheNewest) {
  auto store = SqliteStore::open(":memory:");
  AuditRecord first = audit("r1", 1000, "chat", "ok");
  AuditRecord second = first;
  second.json = "{\"second\":true}";
  const std::vector<AuditRecord> records = {first, second};
  store->appendAudit(records);
  EXPECT_EQ(store->auditRecord("r1"), "{\"second\":true}");
  EXPECT_THAT(store->auditRecords({}), ElementsAre("{\"second\":true}", first.json));
}

// A batch goes in 16 records per statement, then one at a time: every record is kept, in the
// batch's order (the tie-break of records started in the same millisecond), across the groups.
TEST(SqliteStore, ABatchLongerThanOneInsertStatementKeepsEveryRecordInOrder) {
  auto store = SqliteStore::open(":memory:");
  std::vector<AuditRecord> records;
  std::vector<std::string> newest_first;
  for (int i = 0; i < 37; ++i) {
    const std::string id = "r" + std::to_string(i);
    records.push_back(audit(id, 5000, "chat", "ok"));
    newest_first.insert(newest_first.begin(), json(id));
  }
  store->appendAudit(records);
  EXPECT_THAT(store->auditRecords({}), ::testing::ElementsAreArray(newest_first));
  EXPECT_EQ(store->auditRecord("r36"), json("r36"));
}

class SqliteStoreQuery : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<AuditRecord> records = {
        audit("a", 1000, "chat", "ok", "key_1"),     audit("b", 2000, "chat", "failed", "key_2"),
        audit("c", 3000, "embed", "ok", ""),         audit("d", 4000, "embed", "refused", "key_1"),
        audit("e", 4000, "chat", "failed_over", "key_1"),  // same time as d, appended after it
    };
    store_->appendAudit(records);
  }
  std::vector<std::string> query(AuditQuery query) { return store_->auditRecords(query); }
  std::unique_ptr<SqliteStore> store_ = SqliteStore::open(":memory:");
};

TEST_F(SqliteStoreQuery, EmptyQueryReturnsEveryRecordNewestFirstTiesByInsertion) {
  EXPECT_THAT(query({}), ElementsAre(json("e"), json("d"), json("c"), json("b"), json("a")));
}

TEST_F(SqliteStoreQuery, FiltersByRoute) {
  EXPECT_THAT(query({.route = "embed"}), ElementsAre(json("d"), json("c")));
}

TEST_F(SqliteStoreQuery, FiltersByOutcome) {
  EXPECT_THAT(query({.outcome = "ok"}), ElementsAre(json("c"), json("a")));
}

TEST_F(SqliteStoreQuery, FiltersByKey) {
  EXPECT_THAT(query({.key_id = "key_1"}), ElementsAre(json("e"), json("d"), json("a")));
}

TEST_F(SqliteStoreQuery, SinceIsInclusive) {
  EXPECT_THAT(query({.since_ms = 3000}), ElementsAre(json("e"), json("d"), json("c")));
}

TEST_F(SqliteStoreQuery, FiltersCombine) {
  EXPECT_THAT(query({.route = "chat", .key_id = "key_1", .since_ms = 2000}),
              ElementsAre(json("e")));
  EXPECT_THAT(query({.route = "chat", .outcome = "refused"}), IsEmpty());
}

TEST_F(SqliteStoreQuery, LimitKeepsTheNewest) {
  EXPECT_THAT(query({.limit = 2}), ElementsAre(json("e"), json("d")));
  EXPECT_THAT(query({.route = "chat", .limit = 1}), ElementsAre(json("e")));
  EXPECT_THAT(query({.limit = 0}), IsEmpty());
}

TEST(SqliteStore, KeysAndCommittedAuditSurviveReopeningTheFile) {
  TempDir dir;
  const std::string path = dir.file("switchyard.db");
  {
    auto store = SqliteStore::open(path);
    store->putKey(fullKey());
    const std::vector<AuditRecord> records = {audit("r1", 1000, "chat", "ok", fullKey().id)};
    store->appendAudit(records);
  }
  auto store = SqliteStore::open(path);
  EXPECT_THAT(store->keys(), ElementsAre(fullKey()));
  EXPECT_EQ(store->auditRecord("r1"), json("r1"));
  EXPECT_THAT(store->auditRecords({.key_id = fullKey().id}), ElementsAre(json("r1")));
}

TEST(SqliteStore, FileIsInWalMode) {
  TempDir dir;
  const std::string path = dir.file("switchyard.db");
  SqliteStore::open(path);
  // WAL is a property of the file: a fresh connection that asks nothing of it reports it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(SqliteStore, OpenNamesThePathAndTheReasonWhenTheFileCannotBeCreated) {
  TempDir dir;
  // A regular file where a directory should be: unwritable even for root, unlike chmod.
  const std::string blocker = dir.file("not-a-directory");
  std::ofstream(blocker) << "x";
  const std::string path = blocker + "/switchyard.db";
  try {
    SqliteStore::open(path);
    FAIL() << "open succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path));
    EXPECT_THAT(e.what(), HasSubstr("unable to open database file"));
    EXPECT_THAT(e.what(), HasSubstr("Not a directory"));
  }
}

TEST(SqliteStore, OpenRefusesAFileWhoseSchemaIsNewerThanThisBuild) {
  TempDir dir;
  const std::string path = dir.file("switchyard.db");
  SqliteStore::open(path);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  try {
    SqliteStore::open(path);
    FAIL() << "open succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path));
    EXPECT_THAT(e.what(), HasSubstr("schema version 99 is newer"));
  }
}

// --- Spend (schema v2) ---

constexpr std::int64_t kDay = 86'400'000;  // ms
constexpr std::int64_t kMay14 = 20'587 * kDay;  // 2026-05-14T00:00:00Z in unix ms

AuditRecord spend(std::string id, std::int64_t time_ms, std::string key_id, std::string route,
                  std::int64_t nano_usd, std::int64_t tokens) {
  AuditRecord record = audit(std::move(id), time_ms, std::move(route), "ok", std::move(key_id));
  record.cost_nano_usd = nano_usd;
  record.tokens = tokens;
  return record;
}

SpendTotal total(std::string scope, std::string name, std::int64_t nano_usd, std::int64_t tokens) {
  return SpendTotal{
      .scope = std::move(scope), .name = std::move(name), .nano_usd = nano_usd, .tokens = tokens};
}


// Runs one statement on a raw connection and returns the first column of every row as text.
std::vector<std::string> rawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  std::vector<std::string> rows;
  while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    rows.emplace_back(text ? text : "NULL");
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

// "request_id:cost:tokens" of every record in the file, in insertion order, read from the pages
// as stored (the file's own format, not through SqliteStore).
std::vector<std::string> costsInOrder(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT body FROM audit_pages ORDER BY id", -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  std::vector<std::string> rows;
  switchyard::store::AuditPageCodec codec;
  while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
    const std::string_view body(static_cast<const char*>(sqlite3_column_blob(stmt, 0)),
                                static_cast<std::size_t>(sqlite3_column_bytes(stmt, 0)));
    for (const auto& record : codec.decode(body)) {
      rows.push_back(std::string(record.request_id) + ":" + std::to_string(record.cost_nano_usd) + ":" +
                     std::to_string(record.tokens));
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

TEST(SqliteStoreSpend, AuditRecordsKeepTheirCostAndTokens) {
  TempDir dir;
  const std::string path = dir.file("switchyard.db");
  {
    auto store = SqliteStore::open(path);
    const std::vector<AuditRecord> records = {spend("r1", kMay14, "key_1", "chat", 1234, 56),
                                              audit("r2", kMay14 + 1, "chat", "refused")};
    store->appendAudit(records);
  }
  EXPECT_THAT(costsInOrder(path),
              ElementsAre("r1:1234:56", "r2:0:0"));
}

TEST(SqliteStoreSpend, SumsOverallPerKeyAndPerRouteLeavingOutAnonymousKeysAndEarlierDays) {
  auto store = SqliteStore::open(":memory:");
  const std::vector<AuditRecord> records = {
      spend("old", kMay14 - 1, "key_1", "chat", 1'000'000, 1000),  // the day before
      spend("a", kMay14, "key_1", "chat", 100, 10),
      spend("b", kMay14 + 5 * 3600'000, "key_2", "chat", 200, 20),
      spend("c", kMay14 + kDay + 7, "key_1", "embed", 300, 30),  // the next day
      spend("d", kMay14 + 9, "", "chat", 400, 40),               // anonymous
      spend("e", kMay14 + 10, "key_3", "chat", 0, 0),            // cost nothing: left out
  };
  store->appendAudit(records);
  EXPECT_THAT(store->spendSince(kMay14),
              ElementsAre(total("gateway", "", 1000, 100), total("key", "key_1", 400, 40),
                          total("key", "key_2", 200, 20), total("route", "chat", 700, 70),
                          total("route", "embed", 300, 30)));
  EXPECT_THAT(store->spendSince(kMay14 + kDay),
              ElementsAre(total("gateway", "", 300, 30), total("key", "key_1", 300, 30),
                          total("route", "embed", 300, 30)));
  EXPECT_THAT(store->spendSince(kMay14 + 2 * kDay), IsEmpty());
}

TEST(SqliteStoreSpend, BatchesAddUpOnTheSameDayKeyAndRoute) {
  auto store = SqliteStore::open(":memory:");
  for (int batch = 0; batch < 3; ++batch) {
    const std::vector<AuditRecord> records = {
        spend("a" + std::to_string(batch), kMay14 + batch, "key_1", "chat", 10, 1),
        spend("b" + std::to_string(batch), kMay14 + batch, "key_1", "chat", 5, 2)};
    store->appendAudit(records);
  }
  EXPECT_THAT(store->spendSince(kMay14),
              ElementsAre(total("gateway", "", 45, 9), total("key", "key_1", 45, 9),
                          total("route", "chat", 45, 9)));
}

// A since_ms inside a day reads that day's records from since_ms on, and whole days after it.
TEST(SqliteStoreSpend, AStartInsideADayCountsOnlyTheRecordsFromThere) {
  auto store = SqliteStore::open(":memory:");
  const std::vector<AuditRecord> records = {
      spend("a", kMay14 + 1000, "key_1", "chat", 1, 1),
      spend("b", kMay14 + 2000, "key_1", "chat", 10, 10),  // exactly since: counted
      spend("c", kMay14 + 3000, "key_1", "chat", 100, 100),
      spend("d", kMay14 + kDay, "key_1", "chat", 1000, 1000),
  };
  store->appendAudit(records);
  EXPECT_THAT(store->spendSince(kMay14 + 2000),
              ElementsAre(total("gateway", "", 1110, 1110), total("key", "key_1", 1110, 1110),
                          total("route", "chat", 1110, 1110)));
}

TEST(SqliteStoreSpend, SpendSurvivesReopeningTheFile) {
  TempDir dir;
  const std::string path = dir.file("switchyard.db");
  {
    auto store = SqliteStore::open(path);
    const std::vector<AuditRecord> records = {spend("a", kMay14, "key_1", "chat", 7, 3)};
    store->appendAudit(records);
  }
  auto store = SqliteStore::open(path);
  EXPECT_THAT(store->spendSince(kMay14),
              ElementsAre(total("gateway", "", 7, 3), total("key", "key_1", 7, 3),
                          total("route", "chat", 7, 3)));
}

// The schema as issue 12 shipped it (user_version 1), written by hand as that build would have.
constexpr const char* kShippedSchemaV1 = R"sql(
CREATE TABLE keys(id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, sha256_hex TEXT NOT NULL,
  routes TEXT NOT NULL, data_classes TEXT NOT NULL, pii_action TEXT NOT NULL, expires_at INTEGER,
  enabled INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX keys_by_created ON keys(created_at);
CREATE TABLE audit(seq INTEGER PRIMARY KEY, request_id TEXT NOT NULL, time_ms INTEGER NOT NULL,
  key_id TEXT NOT NULL, route TEXT NOT NULL, outcome TEXT NOT NULL, status INTEGER NOT NULL,
  json TEXT NOT NULL);
CREATE INDEX audit_by_time ON audit(time_ms);
CREATE INDEX audit_by_request ON audit(request_id);
INSERT INTO keys VALUES('key_00112233445566aa', 'old', 'aa', '["chat"]', '[]', '', NULL, 1, 5);
INSERT INTO audit(request_id, time_ms, key_id, route, outcome, status, json)
  VALUES('old-request', 1000, 'key_00112233445566aa', 'chat', 'ok', 200, '{"old":true}');
PRAGMA user_version = 1;
)sql";

TEST(SqliteStoreSpend, AVersion1FileIsMigratedKeepingItsKeysAndRecords) {
  TempDir dir;
  const std::string path = dir.file("switchyard.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, kShippedSchemaV1, nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  {
    auto store = SqliteStore::open(path);
    ASSERT_EQ(store->keys().size(), 1u);
    EXPECT_EQ(store->keys()[0].routes, std::vector<std::string>{"chat"});
    EXPECT_EQ(store->auditRecord("old-request"), "{\"old\":true}");
    EXPECT_THAT(store->spendSince(0), IsEmpty());  // v1 records cost nothing
    const std::vector<AuditRecord> records = {
        spend("new", kMay14, "key_00112233445566aa", "chat", 9, 4)};
    store->appendAudit(records);
    EXPECT_THAT(store->spendSince(0),
                ElementsAre(total("gateway", "", 9, 4), total("key", "key_00112233445566aa", 9, 4),
                            total("route", "chat", 9, 4)));
  }
  EXPECT_THAT(rawQuery(path, "PRAGMA user_version"), ElementsAre("4"));
  EXPECT_THAT(rawQuery(path, "SELECT name FROM sqlite_master WHERE name = 'audit'"), IsEmpty());  // moved
  EXPECT_THAT(costsInOrder(path),
              ElementsAre("old-request:0:0", "new:9:4"));
  // Opening again finds the schema current and changes nothing.
  auto store = SqliteStore::open(path);
  EXPECT_THAT(store->auditRecords({}), ElementsAre(json("new"), "{\"old\":true}"));
}

TEST(SqliteStore, OpenRefusesAFileThatIsNotADatabase) {
  TempDir dir;
  const std::string path = dir.file("notes.txt");
  std::ofstream(path) << std::string(4096, 'x');
  EXPECT_THROW(SqliteStore::open(path), std::runtime_error);
}


// --- Incidents (schema v3) ---

TEST(SqliteStore, IncidentsAreReplacedByIdAndSurviveReopening) {
  TempDir dir;
  const std::string path = dir.file("incidents.db");
  {
    auto store = SqliteStore::open(path);
    store->putIncident({.id = 1, .target = "a/m", .opened_at_ms = 1000, .json = "{\"v\":1}"});
    store->putIncident({.id = 2, .target = "b/m", .opened_at_ms = 2000, .drill = true, .json = "{}"});
    store->putIncident({.id = 1, .target = "a/m", .opened_at_ms = 1000, .closed_at_ms = 1500, .json = "{\"v\":2}"});
  }
  auto store = SqliteStore::open(path);
  const auto all = store->incidents(10);
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].id, 1U);
  EXPECT_EQ(all[0].closed_at_ms, 1500);
  EXPECT_EQ(all[0].json, "{\"v\":2}");
  EXPECT_TRUE(all[1].drill);
  EXPECT_FALSE(all[1].closed_at_ms.has_value());
  const auto newest = store->incidents(1);
  ASSERT_EQ(newest.size(), 1U);
  EXPECT_EQ(newest[0].id, 2U);
}

}  // namespace
}  // namespace switchyard::store
