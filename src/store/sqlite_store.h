#pragma once
// The embedded Store: one SQLite file (Debian's libsqlite3) in WAL mode.
//
// Not thread-safe: one thread uses it (StoreService's store thread). Statements are prepared once
// and cached on the connection. The schema carries its version in PRAGMA user_version; open()
// migrates an older file forward and refuses one written by a newer build.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/audit_page.h"
#include "store/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace switchyard::store {

class SqliteStore final : public Store {
 public:
  // Opens or creates the file at `path` (":memory:" for a store that lives as long as the object).
  // Throws std::runtime_error naming the path and SQLite's reason (directory missing or not
  // writable, not a database, schema newer than this build).
  static std::unique_ptr<SqliteStore> open(const std::string& path);
  // For a reader beside a running gateway (`switchyard requests`): opens an existing file without
  // creating, migrating or changing it; SQLite's WAL lets it read while the gateway writes (a lock
  // held for a checkpoint is waited for, up to a busy timeout). Throws when the file is missing,
  // is not a Switchyard store, or has a schema newer than this build.
  static std::unique_ptr<SqliteStore> openExisting(const std::string& path);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  void putKey(const KeyRecord& key) override;
  bool deleteKey(std::string_view id) override;
  std::vector<KeyRecord> keys() override;
  using Store::appendAudit;
  void appendAudit(std::span<const AuditRecordView> records) override;
  std::optional<std::string> auditRecord(std::string_view request_id) override;
  bool hasAudit(std::string_view request_id, std::int64_t time_ms) override;
  std::vector<std::string> auditRecords(const AuditQuery& query) override;
  std::vector<SpendTotal> spendSince(std::int64_t since_ms) override;
  std::size_t pruneAudit(std::int64_t before_ms, std::size_t max_rows, std::size_t chunk) override;
  std::size_t pruneSpendDays(std::int64_t before_ms) override;
  void putIncident(const IncidentRecord& incident) override;
  std::vector<IncidentRecord> incidents(std::size_t limit) override;

 private:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  static std::unique_ptr<SqliteStore> openFile(const std::string& path, bool existing);
  // The cached statement for `sql`, prepared on first use.
  sqlite3_stmt* statement(const std::string& sql);
  std::vector<std::string> listOf(std::string_view json_array);
  void migrate();
  // v3 files: their audit rows into pages, then the table dropped (within migrate's transaction).
  void moveLegacyAudit();
  // `records` as pages (kAuditPageRecords at most each) and their request ids; no spend totals.
  void appendPages(std::span<const AuditRecordView> records);
  // The records of one page, decoded into codec_ (valid until its next decode); empty if none.
  std::span<const AuditRecordView> pageRecords(std::int64_t page);
  // Rewrites `page` (whose decoded records are `records`) without those marked in `gone`, or
  // deletes it when none is left; their request ids go too.
  void removeFromPage(std::int64_t page, std::span<const AuditRecordView> records, const std::vector<bool>& gone);

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
  AuditPageCodec codec_;
};

}  // namespace switchyard::store
