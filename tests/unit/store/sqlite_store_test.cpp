#include "store/sqlite_store.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
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

// A fresh directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sy-store-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

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

TEST(SqliteStore, OpenRefusesAFileThatIsNotADatabase) {
  TempDir dir;
  const std::string path = dir.file("notes.txt");
  std::ofstream(path) << std::string(4096, 'x');
  EXPECT_THROW(SqliteStore::open(path), std::runtime_error);
}

}  // namespace
}  // namespace switchyard::store
