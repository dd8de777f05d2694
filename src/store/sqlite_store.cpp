#include "store/sqlite_store.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
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
constexpr std::array<const char*, 3> kMigrations = {kSchemaV1, kSchemaV2, kSchemaV3};

constexpr std::int64_t kMsPerDay = 86'400'000;

// Records per audit INSERT statement when a batch has that many left (9 parameters each: SQLite
// allows 32,766 per statement).
constexpr std::size_t kAuditRowsPerInsert = 16;

// "INSERT INTO audit(...) VALUES(?, ...), ..." for `rows` records.
const std::string& auditInsertSql(std::size_t rows) {
  static const std::string one = "INSERT INTO audit(request_id, time_ms, key_id, route, outcome, status, json, "
                                 "cost_nano_usd, tokens) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)";
  static const std::string many = [] {
    std::string sql = one;
    for (std::size_t i = 1; i < kAuditRowsPerInsert; ++i) sql += ", (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    return sql;
  }();
  return rows == 1 ? one : many;
}

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
  // kAuditRowsPerInsert records per statement while that many are left, then one at a time: a
  // statement's own cost (step, halt, reset) is then paid once per group rather than per record.
  // A repeated request id is kept beside the first (the client chose it): nothing a client sends
  // can overwrite or drop another request's record, nor fail the batch.
  std::size_t at = 0;
  while (at < records.size()) {
    const std::size_t rows = records.size() - at >= kAuditRowsPerInsert ? kAuditRowsPerInsert : 1;
    Bound query(db_, statement(auditInsertSql(rows)));  // ends (reset) before the records do
    int index = 0;
    for (const AuditRecordView& record : records.subspan(at, rows)) {
      query.textInPlace(++index, record.request_id);
      query.integer(++index, record.time_ms);
      query.textInPlace(++index, record.key_id);
      query.textInPlace(++index, record.route);
      query.textInPlace(++index, record.outcome);
      query.integer(++index, record.status);
      query.textInPlace(++index, record.json);
      query.integer(++index, record.cost_nano_usd);
      query.integer(++index, record.tokens);
    }
    query.run("appending audit records");
    at += rows;
  }
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

std::optional<std::string> SqliteStore::auditRecord(std::string_view request_id) {
  Bound query(db_, statement("SELECT json FROM audit WHERE request_id = ?1 ORDER BY seq DESC LIMIT 1"));
  query.text(1, request_id);
  if (!query.step("reading an audit record")) return std::nullopt;
  return query.textAt(0);
}

bool SqliteStore::hasAudit(std::string_view request_id, std::int64_t time_ms) {
  Bound query(db_, statement("SELECT 1 FROM audit WHERE request_id = ?1 AND time_ms = ?2 LIMIT 1"));
  query.text(1, request_id);
  query.integer(2, time_ms);
  return query.step("looking up an audit record");
}

std::vector<std::string> SqliteStore::auditRecords(const AuditQuery& filter) {
  // One cached statement per combination of filters (16 at most); the time index serves them all.
  std::string sql = "SELECT json FROM audit WHERE 1";
  int parameters = 0;
  if (!filter.route.empty()) sql += " AND route = ?" + std::to_string(++parameters);
  if (!filter.outcome.empty()) sql += " AND outcome = ?" + std::to_string(++parameters);
  if (!filter.key_id.empty()) sql += " AND key_id = ?" + std::to_string(++parameters);
  if (filter.since_ms) sql += " AND time_ms >= ?" + std::to_string(++parameters);
  sql += " ORDER BY time_ms DESC, seq DESC LIMIT ?" + std::to_string(++parameters);

  Bound query(db_, statement(sql));
  int index = 0;
  if (!filter.route.empty()) query.text(++index, filter.route);
  if (!filter.outcome.empty()) query.text(++index, filter.outcome);
  if (!filter.key_id.empty()) query.text(++index, filter.key_id);
  if (filter.since_ms) query.integer(++index, *filter.since_ms);
  constexpr auto kMaxLimit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  query.integer(++index, static_cast<std::int64_t>(std::min(filter.limit, kMaxLimit)));

  std::vector<std::string> jsons;
  while (query.step("querying audit records")) jsons.push_back(query.textAt(0));
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
    Bound query(db_, statement("SELECT key_id, route, SUM(cost_nano_usd), SUM(tokens) FROM audit "
                               "WHERE time_ms >= ?1 AND time_ms < ?2 GROUP BY key_id, route"));
    query.integer(1, since_ms);
    query.integer(2, first_day * kMsPerDay);
    collect(query);
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

std::size_t SqliteStore::pruneAudit(std::int64_t before_ms, std::size_t max_rows, std::size_t chunk) {
  if (chunk == 0 || (before_ms <= 0 && max_rows == 0)) return 0;
  constexpr auto kMaxInt = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  Transaction transaction(db_);
  std::size_t deleted = 0;
  if (before_ms > 0) {
    // The time index, oldest first, stopping at the chunk: bounded whatever the backlog.
    Bound query(db_, statement("DELETE FROM audit WHERE seq IN "
                               "(SELECT seq FROM audit WHERE time_ms < ?1 ORDER BY time_ms LIMIT ?2)"));
    query.integer(1, before_ms);
    query.integer(2, static_cast<std::int64_t>(std::min(chunk, kMaxInt)));
    query.run("pruning audit records by age");
    deleted += static_cast<std::size_t>(sqlite3_changes(db_));
  }
  if (max_rows > 0 && deleted < chunk) {
    // seq grows by one per insert and only pruning deletes, so the newest max_rows records are
    // those with seq > max(seq) - max_rows: two b-tree lookups rather than a count of the table
    // (holes left by age pruning make it keep slightly fewer, never more).
    std::int64_t last = 0;
    {
      Bound query(db_, statement("SELECT MAX(seq) FROM audit"));
      if (query.step("pruning audit records by count") && !query.nullAt(0)) last = query.integerAt(0);
    }
    const std::int64_t keep = static_cast<std::int64_t>(std::min(max_rows, kMaxInt));
    if (last > keep) {
      Bound query(db_, statement("DELETE FROM audit WHERE seq IN "
                                 "(SELECT seq FROM audit WHERE seq <= ?1 ORDER BY seq LIMIT ?2)"));
      query.integer(1, last - keep);
      query.integer(2, static_cast<std::int64_t>(std::min(chunk - deleted, kMaxInt)));
      query.run("pruning audit records by count");
      deleted += static_cast<std::size_t>(sqlite3_changes(db_));
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
