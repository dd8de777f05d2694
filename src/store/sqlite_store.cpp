#include "store/sqlite_store.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <map>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <sqlite3.h>

namespace switchyard::store {

namespace {

// How long a statement waits for a lock held by another connection (the sqlite3 shell, a backup
// through `.backup`, a second gateway by mistake) before it fails with SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 5000;

// Schema migrations: kMigrations[v] takes a file from user_version v to v + 1. Later issues append
// here (never edit a step that has shipped).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE keys(
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  sha256_hex TEXT NOT NULL,
  routes TEXT NOT NULL,        -- JSON array of strings; [] is every route
  data_classes TEXT NOT NULL,  -- JSON array of strings
  pii_action TEXT NOT NULL,
  expires_at INTEGER,          -- unix seconds; NULL never
  enabled INTEGER NOT NULL,
  created_at INTEGER NOT NULL  -- unix seconds
);
CREATE INDEX keys_by_created ON keys(created_at);
CREATE TABLE audit(
  seq INTEGER PRIMARY KEY,     -- insertion order, which breaks ties of time_ms
  request_id TEXT NOT NULL,    -- not unique: clients choose x-request-id, and none may overwrite another's record
  time_ms INTEGER NOT NULL,    -- unix milliseconds
  key_id TEXT NOT NULL,
  route TEXT NOT NULL,
  outcome TEXT NOT NULL,
  status INTEGER NOT NULL,
  json TEXT NOT NULL
);
-- Two indexes only: every one is paid on each request's insert (a b-tree insert each), while
-- the filters (route, outcome, key) serve an operator's occasional query, which walks the time
-- index newest first and stops at its LIMIT.
CREATE INDEX audit_by_time ON audit(time_ms);
CREATE INDEX audit_by_request ON audit(request_id);
)sql";
// v2 (issue 13): what each request cost, and the same summed per UTC day, key and route, so that
// budgets reload this day's and this month's spend at start-up without reading every record (a
// month of records at 100 requests a second is 260 million rows). v1 records cost nothing.
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE audit ADD COLUMN cost_nano_usd INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit ADD COLUMN tokens INTEGER NOT NULL DEFAULT 0;
CREATE TABLE spend_by_day(
  day INTEGER NOT NULL,        -- UTC days since 1970-01-01 of the records' time_ms
  key_id TEXT NOT NULL,
  route TEXT NOT NULL,
  nano_usd INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  PRIMARY KEY(day, key_id, route)
) WITHOUT ROWID;
)sql";
// v3 (issue 14): incidents (breaker openings and drills), so that post-mortems survive a restart.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE incidents(
  id INTEGER PRIMARY KEY NOT NULL,
  target TEXT NOT NULL,
  opened_at INTEGER NOT NULL,  -- unix milliseconds
  closed_at INTEGER,           -- unix milliseconds; NULL while open
  drill INTEGER NOT NULL,
  json TEXT NOT NULL           -- the timeline and counters
);
)sql";
// v4: audit records in compressed pages, one row per commit (store/audit_page.h), instead of a row
// and two index entries per record. audit_ids finds a record by its request id; the pages' own
// first_ms and last_ms serve the time order, `since` and retention. end_seq counts every record
// ever inserted up to the page's last, so retention by count needs no count of the table. The v3
// rows are moved into pages (moveLegacyAudit) and the audit table dropped in the same transaction.
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE audit_pages(
  id INTEGER PRIMARY KEY,      -- insertion order
  first_ms INTEGER NOT NULL,   -- the earliest time_ms of its records
  last_ms INTEGER NOT NULL,    -- the latest
  records INTEGER NOT NULL,    -- how many it holds now (retention may have taken some)
  end_seq INTEGER NOT NULL,    -- records ever inserted, up to and including this page's
  body BLOB NOT NULL           -- the records, framed and zstd-compressed
);
CREATE INDEX audit_pages_by_last ON audit_pages(last_ms);
CREATE INDEX audit_pages_by_first ON audit_pages(first_ms);
CREATE TABLE audit_ids(
  request_id TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  page INTEGER NOT NULL,
  PRIMARY KEY(request_id, time_ms, page)
) WITHOUT ROWID;
)sql";
constexpr std::array<const char*, 4> kMigrations = {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4};
constexpr long long kSchemaWithPages = 4;

constexpr std::int64_t kMsPerDay = 86'400'000;

// Request ids per audit_ids INSERT statement when a page has that many left: a statement's own
// cost (step, halt, reset) is then paid once per group rather than per record.
constexpr std::size_t kIdsPerInsert = 16;

// "INSERT OR IGNORE INTO audit_ids(...) VALUES(?, ?, ?), ..." for `rows` ids. OR IGNORE: two
// records of one page with the same request id and start share one entry.
const std::string& idsInsertSql(std::size_t rows) {
  static const std::string one = "INSERT OR IGNORE INTO audit_ids(request_id, time_ms, page) VALUES(?, ?, ?)";
  static const std::string many = [] {
    std::string sql = one;
    for (std::size_t i = 1; i < kIdsPerInsert; ++i) sql += ", (?, ?, ?)";
    return sql;
  }();
  return rows == 1 ? one : many;
}

// Newer first: by start, then by insertion (page, then place in the page).
struct Placed {
  std::int64_t time_ms;
  std::int64_t page;
  std::size_t index;
  auto operator<=>(const Placed&) const = default;
};

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);
}

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

void execOn(sqlite3* db, const char* sql, std::string_view what) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db, what);
}

// A cached statement in use; reset and unbound when it goes, so the cache always holds it clean.
class Bound {
 public:
  Bound(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Bound() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Bound(const Bound&) = delete;
  Bound& operator=(const Bound&) = delete;

  void text(int index, std::string_view value) {
    // An empty view may have a null data(), which SQLite would bind as NULL rather than ''.
    check(sqlite3_bind_text64(stmt_, index, value.empty() ? "" : value.data(), value.size(),
                              SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  // The same without a copy (SQLITE_STATIC): `value` must stay alive until this Bound ends (the
  // statement is reset then). For the audit insert, which would otherwise copy each record's
  // strings once more (five allocations per request).
  void textInPlace(int index, std::string_view value) {
    check(sqlite3_bind_text64(stmt_, index, value.empty() ? "" : value.data(), value.size(), SQLITE_STATIC,
                              SQLITE_UTF8));
  }
  void integer(int index, std::int64_t value) { check(sqlite3_bind_int64(stmt_, index, value)); }
  void null(int index) { check(sqlite3_bind_null(stmt_, index)); }

  // True with a row to read, false when done.
  bool step(std::string_view what) {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, what);
  }
  void run(std::string_view what) {
    while (step(what)) {
    }
  }

  std::string textAt(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  std::int64_t integerAt(int column) const { return sqlite3_column_int64(stmt_, column); }
  // Valid until the next step or the end of this Bound.
  std::string_view blobAt(int column) const {
    const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    return data ? std::string_view(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string_view();
  }
  void blobInPlace(int index, std::string_view value) {
    check(sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_STATIC));
  }
  bool nullAt(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail(db_, "binding a parameter");
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// BEGIN IMMEDIATE takes the write lock up front, so a busy file fails (after busy_timeout) at
// the start rather than half-way. Rolled back unless committed.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { execOn(db_, "BEGIN IMMEDIATE", "begin"); }
  ~Transaction() {
    // A failed COMMIT can leave the transaction open (SQLITE_BUSY); some errors end it themselves.
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() { execOn(db_, "COMMIT", "commit"); }

 private:
  sqlite3* db_;
};

// Key writes sync the WAL on commit (synchronous=FULL) so that a key, once shown to the admin,
// survives even power loss; they are rare, so the fsync costs nothing that matters. Audit batches
// stay on NORMAL (see open()).
class SyncedWrites {
 public:
  explicit SyncedWrites(sqlite3* db) : db_(db) {
    execOn(db_, "PRAGMA synchronous = FULL", "synchronous");
  }
  ~SyncedWrites() { sqlite3_exec(db_, "PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr); }
  SyncedWrites(const SyncedWrites&) = delete;
  SyncedWrites& operator=(const SyncedWrites&) = delete;

 private:
  sqlite3* db_;
};

// The first column of the first row of a one-off statement (pragmas), as text.
std::string scalar(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) fail(db, sql);
  std::string value;
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    if (data) value = data;
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(db, sql);
  return value;
}

std::string jsonArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const std::string& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : item) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[(c >> 4) & 0xf];
        out += kHex[c & 0xf];
      } else {
        out += c;
      }
    }
    out += '"';
  }
  out += ']';
  return out;
}

}  // namespace

std::unique_ptr<SqliteStore> SqliteStore::open(const std::string& path) { return openFile(path, false); }

std::unique_ptr<SqliteStore> SqliteStore::openExisting(const std::string& path) { return openFile(path, true); }

std::unique_ptr<SqliteStore> SqliteStore::openFile(const std::string& path, bool existing) {
  sqlite3* db = nullptr;
  // NOMUTEX: one thread uses the connection, so SQLite's own locking would be pure cost. A reader
  // of an existing file may still write to the -shm index that WAL readers share, so it opens
  // read-write too, but never creates the file.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (existing ? 0 : SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  std::unique_ptr<SqliteStore> store(db ? new SqliteStore(db) : nullptr);
  try {
    if (rc != SQLITE_OK) {
      if (!db) throw std::runtime_error(sqlite3_errstr(rc));
      fail(db, "open");
    }
    execOn(db, ("PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs)).c_str(), "busy_timeout");
    if (existing) {
      // Read as it is: the journal mode is the file's own (WAL, set by the gateway), and a schema
      // is never migrated by a reader (the gateway beside it may be an older build).
      const long long version = std::stoll(scalar(db, "PRAGMA user_version"));
      if (version == 0) throw std::runtime_error("not a Switchyard store (no schema)");
      if (version > std::ssize(kMigrations)) {
        throw std::runtime_error("schema version " + std::to_string(version) +
                                 " is newer than this build's (" + std::to_string(kMigrations.size()) + ")");
      }
      if (version < kSchemaWithPages) {
        throw std::runtime_error("schema version " + std::to_string(version) + " is older than this build's (" +
                                 std::to_string(kMigrations.size()) +
                                 "): start this build's gateway on it once to migrate it");
      }
      return store;
    }
    // WAL: readers never block the writer, and a commit is one append to the -wal file.
    const std::string mode = scalar(db, "PRAGMA journal_mode = WAL");
    if (mode != "wal" && mode != "memory") {
      throw std::runtime_error("journal_mode: WAL refused (SQLite kept '" + mode + "')");
    }
    // synchronous=NORMAL in WAL mode: a commit writes the transaction to the -wal file with
    // write(2) but does not fsync it (the WAL is synced at checkpoints). Once write(2) returns, the
    // data is in the kernel's page cache, which outlives the process: a kill -9, a crash or an OOM
    // kill loses no committed transaction, and the file is never corrupt. Only power loss or a
    // kernel panic can lose the last commits before a checkpoint. Key writes sync (SyncedWrites).
    execOn(db, "PRAGMA synchronous = NORMAL", "synchronous");
    store->migrate();
  } catch (const std::exception& e) {
    std::string message = "cannot open store '" + path + "': " + e.what();
    // SQLite's "unable to open database file" does not say why; the OS error does.
    if (db && sqlite3_system_errno(db) != 0) {
      message += std::string(" (") + std::strerror(sqlite3_system_errno(db)) + ")";
    }
    throw std::runtime_error(message);
  }
  return store;
}

SqliteStore::~SqliteStore() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  // The last connection to close checkpoints the WAL into the main file and removes it.
  sqlite3_close_v2(db_);
}

void SqliteStore::migrate() {
  if (std::stoll(scalar(db_, "PRAGMA user_version")) == std::ssize(kMigrations)) return;
  Transaction transaction(db_);
  // Read again under the write lock: another process may have migrated meanwhile.
  const long long version = std::stoll(scalar(db_, "PRAGMA user_version"));
  if (version > std::ssize(kMigrations)) {
    throw std::runtime_error("schema version " + std::to_string(version) +
                             " is newer than this build's (" + std::to_string(kMigrations.size()) +
                             ")");
  }
  for (auto step = version; step < std::ssize(kMigrations); ++step) {
    execOn(db_, kMigrations[static_cast<std::size_t>(step)], "migrating the schema");
  }
  if (version < kSchemaWithPages) moveLegacyAudit();
  execOn(db_, ("PRAGMA user_version = " + std::to_string(kMigrations.size())).c_str(),
         "user_version");
  transaction.commit();
}

sqlite3_stmt* SqliteStore::statement(const std::string& sql) {
  if (const auto found = statements_.find(sql); found != statements_.end()) return found->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    fail(db_, "preparing " + sql);
  }
  statements_.emplace(sql, stmt);
  return stmt;
}

std::vector<std::string> SqliteStore::listOf(std::string_view json_array) {
  Bound query(db_, statement("SELECT value FROM json_each(?1)"));
  query.text(1, json_array);
  std::vector<std::string> items;
  while (query.step("reading a key's list")) items.push_back(query.textAt(0));
  return items;
}

void SqliteStore::putKey(const KeyRecord& key) {
  SyncedWrites synced(db_);
  Bound query(db_, statement(
                       "INSERT OR REPLACE INTO keys(id, name, sha256_hex, routes, data_classes, "
                       "pii_action, expires_at, enabled, created_at) "
                       "VALUES(?1, ?2, ?3, json(?4), json(?5), ?6, ?7, ?8, ?9)"));
  query.text(1, key.id);
  query.text(2, key.name);
  query.text(3, key.sha256_hex);
  query.text(4, jsonArray(key.routes));
  query.text(5, jsonArray(key.data_classes));
  query.text(6, key.pii_action);
  if (key.expires_at) {
    query.integer(7, *key.expires_at);
  } else {
    query.null(7);
  }
  query.integer(8, key.enabled ? 1 : 0);
  query.integer(9, key.created_at);
  query.run("saving key " + key.id);
}

bool SqliteStore::deleteKey(std::string_view id) {
  SyncedWrites synced(db_);  // a revoked key must stay revoked
  Bound query(db_, statement("DELETE FROM keys WHERE id = ?1"));
  query.text(1, id);
  query.run("deleting a key");
  return sqlite3_changes(db_) > 0;
}

std::vector<KeyRecord> SqliteStore::keys() {
  Bound query(db_, statement("SELECT id, name, sha256_hex, routes, data_classes, pii_action, "
                             "expires_at, enabled, created_at FROM keys ORDER BY created_at, id"));
  std::vector<KeyRecord> keys;
  while (query.step("reading keys")) {
    KeyRecord& key = keys.emplace_back();
    key.id = query.textAt(0);
    key.name = query.textAt(1);
    key.sha256_hex = query.textAt(2);
    key.routes = listOf(query.textAt(3));
    key.data_classes = listOf(query.textAt(4));
    key.pii_action = query.textAt(5);
    if (!query.nullAt(6)) key.expires_at = query.integerAt(6);
    key.enabled = query.integerAt(7) != 0;
    key.created_at = query.integerAt(8);
  }
  return keys;
}

void SqliteStore::appendAudit(std::span<const AuditRecordView> records) {
  if (records.empty()) return;
  Transaction transaction(db_);
  // The batch's spend per (day, key, route): one upsert each, not one per record.
  std::map<std::tuple<std::int64_t, std::string_view, std::string_view>,
           std::pair<std::int64_t, std::int64_t>>
      spend;
  for (const AuditRecordView& record : records) {
    if (record.cost_nano_usd != 0 || record.tokens != 0) {
      const std::int64_t day = floorDiv(record.time_ms, kMsPerDay);
      auto& [nano_usd, tokens] = spend[{day, record.key_id, record.route}];
      nano_usd += record.cost_nano_usd;
      tokens += record.tokens;
    }
  }
  appendPages(records);
  sqlite3_stmt* add = statement(
      "INSERT INTO spend_by_day(day, key_id, route, nano_usd, tokens) VALUES(?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT(day, key_id, route) DO UPDATE SET nano_usd = nano_usd + excluded.nano_usd, "
      "tokens = tokens + excluded.tokens");
  for (const auto& [where, amounts] : spend) {
    Bound query(db_, add);
    query.integer(1, std::get<0>(where));
    query.text(2, std::get<1>(where));
    query.text(3, std::get<2>(where));
    query.integer(4, amounts.first);
    query.integer(5, amounts.second);
    query.run("adding to the spend totals");
  }
  transaction.commit();
}

void SqliteStore::appendPages(std::span<const AuditRecordView> records) {
  std::int64_t end_seq = 0;
  {
    Bound query(db_, statement("SELECT end_seq FROM audit_pages ORDER BY id DESC LIMIT 1"));
    if (query.step("appending audit records")) end_seq = query.integerAt(0);
  }
  for (std::size_t at = 0; at < records.size(); at += kAuditPageRecords) {
    const auto page_records = records.subspan(at, std::min(kAuditPageRecords, records.size() - at));
    end_seq += std::ssize(page_records);
    const auto [first, last] = std::ranges::minmax(page_records, {}, &AuditRecordView::time_ms);
    std::int64_t page = 0;
    {
      Bound query(db_, statement("INSERT INTO audit_pages(first_ms, last_ms, records, end_seq, body) "
                                 "VALUES(?1, ?2, ?3, ?4, ?5)"));
      query.integer(1, first.time_ms);
      query.integer(2, last.time_ms);
      query.integer(3, std::ssize(page_records));
      query.integer(4, end_seq);
      query.blobInPlace(5, codec_.encode(page_records));
      query.run("appending audit records");
      page = sqlite3_last_insert_rowid(db_);
    }
    // A repeated request id is kept beside the first (the client chose it): nothing a client sends
    // can overwrite or drop another request's record, nor fail the batch.
    std::size_t done = 0;
    while (done < page_records.size()) {
      const std::size_t rows = page_records.size() - done >= kIdsPerInsert ? kIdsPerInsert : 1;
      Bound query(db_, statement(idsInsertSql(rows)));
      int index = 0;
      for (const AuditRecordView& record : page_records.subspan(done, rows)) {
        query.textInPlace(++index, record.request_id);
        query.integer(++index, record.time_ms);
        query.integer(++index, page);
      }
      query.run("indexing audit records");
      done += rows;
    }
  }
}

void SqliteStore::moveLegacyAudit() {
  // In insertion order, a page's worth at a time, so that a large file needs no more memory than
  // one page (a file with millions of records takes a while once, at the first start of v4).
  Bound query(db_, statement("SELECT request_id, time_ms, key_id, route, outcome, status, json, cost_nano_usd, "
                             "tokens FROM audit ORDER BY seq"));
  std::vector<AuditRecord> batch;
  std::vector<AuditRecordView> views;
  const auto flush = [&] {
    views.clear();
    for (const AuditRecord& record : batch) views.push_back(viewOf(record));
    appendPages(views);
    batch.clear();
  };
  while (query.step("moving audit records into pages")) {
    batch.push_back({.request_id = query.textAt(0),
                     .time_ms = query.integerAt(1),
                     .key_id = query.textAt(2),
                     .route = query.textAt(3),
                     .outcome = query.textAt(4),
                     .status = static_cast<int>(query.integerAt(5)),
                     .json = query.textAt(6),
                     .cost_nano_usd = query.integerAt(7),
                     .tokens = query.integerAt(8)});
    if (batch.size() == kAuditPageRecords) flush();
  }
  if (!batch.empty()) flush();
  execOn(db_, "DROP TABLE audit", "dropping the v3 audit table");
}

std::span<const AuditRecordView> SqliteStore::pageRecords(std::int64_t page) {
  Bound query(db_, statement("SELECT body FROM audit_pages WHERE id = ?1"));
  query.integer(1, page);
  if (!query.step("reading an audit page")) return {};
  return codec_.decode(query.blobAt(0));  // decoded into the codec's buffer before the Bound ends
}

std::optional<std::string> SqliteStore::auditRecord(std::string_view request_id) {
  std::int64_t page = 0;
  {
    Bound query(db_, statement("SELECT MAX(page) FROM audit_ids WHERE request_id = ?1"));
    query.text(1, request_id);
    if (!query.step("reading an audit record") || query.nullAt(0)) return std::nullopt;
    page = query.integerAt(0);
  }
  const auto records = pageRecords(page);
  for (auto record = records.rbegin(); record != records.rend(); ++record) {
    if (record->request_id == request_id) return std::string(record->json);
  }
  return std::nullopt;
}

bool SqliteStore::hasAudit(std::string_view request_id, std::int64_t time_ms) {
  Bound query(db_, statement("SELECT 1 FROM audit_ids WHERE request_id = ?1 AND time_ms = ?2 LIMIT 1"));
  query.text(1, request_id);
  query.integer(2, time_ms);
  return query.step("looking up an audit record");
}

std::vector<std::string> SqliteStore::auditRecords(const AuditQuery& filter) {
  if (filter.limit == 0) return {};
  // The pages newest last_ms first. The `limit` newest matches so far are kept in a heap whose top
  // is the oldest of them; once the heap is full, a page whose last record started before that top
  // (and every page after it) cannot hold a newer match, so the walk stops there.
  struct Match {
    Placed at;
    std::string json;
    bool operator>(const Match& other) const { return at > other.at; }
  };
  std::vector<Match> heap;  // a min-heap on `at`
  const auto older = std::greater<Match>{};
  Bound query(db_, statement("SELECT id, last_ms, body FROM audit_pages WHERE last_ms >= ?1 "
                             "ORDER BY last_ms DESC, id DESC"));
  query.integer(1, filter.since_ms.value_or(std::numeric_limits<std::int64_t>::min()));
  while (query.step("querying audit records")) {
    const std::int64_t page = query.integerAt(0);
    if (heap.size() == filter.limit && query.integerAt(1) < heap.front().at.time_ms) break;
    const auto records = codec_.decode(query.blobAt(2));
    for (std::size_t index = 0; index < records.size(); ++index) {
      const AuditRecordView& record = records[index];
      if ((filter.since_ms && record.time_ms < *filter.since_ms) ||
          (!filter.route.empty() && record.route != filter.route) ||
          (!filter.outcome.empty() && record.outcome != filter.outcome) ||
          (!filter.key_id.empty() && record.key_id != filter.key_id)) {
        continue;
      }
      const Placed at{record.time_ms, page, index};
      if (heap.size() == filter.limit) {
        if (at < heap.front().at) continue;
        std::ranges::pop_heap(heap, older);
        heap.pop_back();
      }
      heap.push_back({at, std::string(record.json)});
      std::ranges::push_heap(heap, older);
    }
  }
  std::ranges::sort(heap, older);  // newest first
  std::vector<std::string> jsons;
  jsons.reserve(heap.size());
  for (Match& match : heap) jsons.push_back(std::move(match.json));
  return jsons;
}

std::vector<SpendTotal> SqliteStore::spendSince(std::int64_t since_ms) {
  // Whole days from the per-day totals; the part of a day before the first whole one (when
  // since_ms is not a day's start) from the records themselves.
  const std::int64_t first_day = -floorDiv(-since_ms, kMsPerDay);  // rounded up
  std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> sums;
  const auto collect = [&sums](Bound& query) {
    while (query.step("summing spend")) {
      auto& [nano_usd, tokens] = sums[{query.textAt(0), query.textAt(1)}];
      nano_usd += query.integerAt(2);
      tokens += query.integerAt(3);
    }
  };
  {
    Bound query(db_, statement("SELECT key_id, route, SUM(nano_usd), SUM(tokens) FROM spend_by_day "
                               "WHERE day >= ?1 GROUP BY key_id, route"));
    query.integer(1, first_day);
    collect(query);
  }
  if (since_ms < first_day * kMsPerDay) {
    // `+first_ms`: walk the pages by last_ms (the few recent ones), not every page that began before ?2.
    Bound query(db_, statement("SELECT body FROM audit_pages WHERE last_ms >= ?1 AND +first_ms < ?2"));
    query.integer(1, since_ms);
    query.integer(2, first_day * kMsPerDay);
    while (query.step("summing spend")) {
      for (const AuditRecordView& record : codec_.decode(query.blobAt(0))) {
        if (record.time_ms < since_ms || record.time_ms >= first_day * kMsPerDay) continue;
        auto& [nano_usd, tokens] = sums[{std::string(record.key_id), std::string(record.route)}];
        nano_usd += record.cost_nano_usd;
        tokens += record.tokens;
      }
    }
  }

  // Rolled up three ways; std::map keeps keys and routes in name order.
  SpendTotal gateway{.scope = "gateway"};
  std::map<std::string, SpendTotal> keys, routes;
  const auto entry = [](std::map<std::string, SpendTotal>& totals, const char* scope,
                        const std::string& name) {
    return &totals.try_emplace(name, SpendTotal{.scope = scope, .name = name}).first->second;
  };
  for (const auto& [where, amounts] : sums) {
    const auto& [key_id, route] = where;
    SpendTotal* by_key = key_id.empty() ? nullptr : entry(keys, "key", key_id);
    for (SpendTotal* total : {&gateway, by_key, entry(routes, "route", route)}) {
      if (!total) continue;
      total->nano_usd += amounts.first;
      total->tokens += amounts.second;
    }
  }
  std::vector<SpendTotal> totals;
  const auto keep = [&totals](SpendTotal& total) {
    if (total.nano_usd != 0 || total.tokens != 0) totals.push_back(std::move(total));
  };
  keep(gateway);
  for (auto& [key_id, total] : keys) keep(total);
  for (auto& [route, total] : routes) keep(total);
  return totals;
}

void SqliteStore::removeFromPage(std::int64_t page, std::span<const AuditRecordView> records,
                                 const std::vector<bool>& gone) {
  std::vector<AuditRecordView> kept;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!gone[i]) kept.push_back(records[i]);
  }
  // An id entry goes with the last record of this page that has its (request id, start).
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!gone[i]) continue;
    const bool shared = std::ranges::any_of(kept, [&](const AuditRecordView& other) {
      return other.request_id == records[i].request_id && other.time_ms == records[i].time_ms;
    });
    if (shared) continue;
    Bound query(db_, statement("DELETE FROM audit_ids WHERE request_id = ?1 AND time_ms = ?2 AND page = ?3"));
    query.text(1, records[i].request_id);
    query.integer(2, records[i].time_ms);
    query.integer(3, page);
    query.run("pruning audit records");
  }
  if (kept.empty()) {
    Bound query(db_, statement("DELETE FROM audit_pages WHERE id = ?1"));
    query.integer(1, page);
    query.run("pruning audit records");
    return;
  }
  const auto [first, last] = std::ranges::minmax(kept, {}, &AuditRecordView::time_ms);
  Bound query(db_, statement("UPDATE audit_pages SET first_ms = ?2, last_ms = ?3, records = ?4, body = ?5 WHERE id = ?1"));
  query.integer(1, page);
  query.integer(2, first.time_ms);
  query.integer(3, last.time_ms);
  query.integer(4, std::ssize(kept));
  query.blobInPlace(5, codec_.encode(kept));  // `kept` views the decoded page; encode writes elsewhere
  query.run("pruning audit records");
}

std::size_t SqliteStore::pruneAudit(std::int64_t before_ms, std::size_t max_rows, std::size_t chunk) {
  if (chunk == 0 || (before_ms <= 0 && max_rows == 0)) return 0;
  Transaction transaction(db_);
  std::size_t deleted = 0;
  std::vector<bool> gone;
  // One page at a time, its statement reset before the page is rewritten. A page that loses all its
  // records older than before_ms starts at or after before_ms, so the next round finds the next one.
  while (before_ms > 0 && deleted < chunk) {
    std::int64_t page = 0;
    {
      Bound query(db_, statement("SELECT id FROM audit_pages WHERE first_ms < ?1 ORDER BY first_ms, id LIMIT 1"));
      query.integer(1, before_ms);
      if (!query.step("pruning audit records by age")) break;
      page = query.integerAt(0);
    }
    const auto records = pageRecords(page);
    // Its records older than before_ms, oldest first, as many as the chunk has room for.
    std::vector<std::size_t> old;
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (records[i].time_ms < before_ms) old.push_back(i);
    }
    std::ranges::stable_sort(old, {}, [&](std::size_t i) { return records[i].time_ms; });
    old.resize(std::min(old.size(), chunk - deleted));
    gone.assign(records.size(), false);
    for (const std::size_t i : old) gone[i] = true;
    // Rewritten even with nothing to remove: a page whose first_ms says older than its records (a
    // file edited by hand) gets its bounds from them, rather than being found again forever.
    removeFromPage(page, records, gone);
    deleted += old.size();
  }
  if (max_rows > 0 && deleted < chunk) {
    // Record i of a page is taken as number end_seq - records + 1 + i of all ever inserted, its
    // number when inserted or, after records before it were pruned by age, a higher one: the
    // newest max_rows numbers hold at most max_rows records (fewer when age pruning left holes).
    std::int64_t last = 0;
    {
      Bound query(db_, statement("SELECT end_seq FROM audit_pages ORDER BY id DESC LIMIT 1"));
      if (query.step("pruning audit records by count")) last = query.integerAt(0);
    }
    const std::int64_t cutoff = last - static_cast<std::int64_t>(std::min<std::size_t>(max_rows, INT64_MAX));
    while (cutoff > 0 && deleted < chunk) {
      std::int64_t page = 0, count = 0, end_seq = 0;
      {
        Bound query(db_, statement("SELECT id, records, end_seq FROM audit_pages ORDER BY id LIMIT 1"));
        if (!query.step("pruning audit records by count")) break;
        page = query.integerAt(0);
        count = query.integerAt(1);
        end_seq = query.integerAt(2);
      }
      const std::int64_t beyond = std::clamp<std::int64_t>(cutoff - (end_seq - count), 0, count);
      if (beyond == 0) break;  // the oldest page is within the newest max_rows, and so is every other
      const auto records = pageRecords(page);
      const std::size_t take = std::min({static_cast<std::size_t>(beyond), chunk - deleted, records.size()});
      gone.assign(records.size(), false);
      std::fill_n(gone.begin(), take, true);
      removeFromPage(page, records, gone);
      deleted += take;
      if (take == 0) break;
    }
  }
  transaction.commit();
  return deleted;
}

std::size_t SqliteStore::pruneSpendDays(std::int64_t before_ms) {
  Bound query(db_, statement("DELETE FROM spend_by_day WHERE day < ?1"));
  query.integer(1, floorDiv(before_ms, kMsPerDay));  // days that end at or before before_ms
  query.run("pruning spend totals");
  return static_cast<std::size_t>(sqlite3_changes(db_));
}

void SqliteStore::putIncident(const IncidentRecord& incident) {
  SyncedWrites synced(db_);
  Bound query(db_, statement("INSERT OR REPLACE INTO incidents(id, target, opened_at, closed_at, drill, json) "
                             "VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
  query.integer(1, static_cast<std::int64_t>(incident.id));
  query.text(2, incident.target);
  query.integer(3, incident.opened_at_ms);
  if (incident.closed_at_ms) {
    query.integer(4, *incident.closed_at_ms);
  } else {
    query.null(4);
  }
  query.integer(5, incident.drill ? 1 : 0);
  query.text(6, incident.json);
  query.run("saving incident " + std::to_string(incident.id));
}

std::vector<IncidentRecord> SqliteStore::incidents(std::size_t limit) {
  Bound query(db_, statement("SELECT id, target, opened_at, closed_at, drill, json FROM "
                             "(SELECT * FROM incidents ORDER BY id DESC LIMIT ?1) ORDER BY id"));
  query.integer(1, static_cast<std::int64_t>(std::min<std::size_t>(limit, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max()))));
  std::vector<IncidentRecord> out;
  while (query.step("reading incidents")) {
    IncidentRecord record;
    record.id = static_cast<std::uint64_t>(query.integerAt(0));
    record.target = query.textAt(1);
    record.opened_at_ms = query.integerAt(2);
    if (!query.nullAt(3)) record.closed_at_ms = query.integerAt(3);
    record.drill = query.integerAt(4) != 0;
    record.json = query.textAt(5);
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace switchyard::store
