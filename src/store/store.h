#pragma once
// What must survive a restart: client keys made through POST /admin/keys, one audit record per
// request, and what requests cost (budgets reload it at start-up). SqliteStore is the embedded
// default; a PostgreSQL or Redis backend implements the same interface.
//
// A Store is not thread-safe and every call may block on disk: the gateway reaches it only through
// StoreService, which owns it and calls it from its one store thread. Errors (disk full, corrupt
// file, lost server) are thrown as std::runtime_error; nothing is half-applied when one is.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::store {

struct KeyRecord {                         // a client key made through POST /admin/keys
  std::string id;                          // "key_" + 16 hex, unique
  std::string name;                        // the caller's label (may repeat)
  std::string sha256_hex;                  // of the secret; the secret itself is never stored
  std::vector<std::string> routes;         // empty: every route
  std::vector<std::string> data_classes;
  std::string pii_action;                  // "" | audit | block | escalate | redact
  std::optional<std::int64_t> expires_at;  // unix seconds
  bool enabled = true;
  std::int64_t created_at = 0;             // unix seconds

  friend bool operator==(const KeyRecord&, const KeyRecord&) = default;
};

struct AuditRecord {         // one request's audit record
  std::string request_id;    // clients may repeat one (x-request-id): both records are kept, the newest is read
  std::int64_t time_ms = 0;  // unix milliseconds when the request started
  // The start in nanoseconds, not stored: a batch is inserted in this order, so that requests
  // started within one millisecond on different workers still list newest first.
  std::int64_t start_ns = 0;
  std::string key_id;        // "" anonymous
  std::string route;
  // ok | failed_over | client_error | failed | incomplete | client_gone | refused
  std::string outcome;
  int status = 0;
  std::string json;  // the whole record as a JSON object text (the store does not parse it)
  // What the request cost, counted in the spend totals (spendSince) under time_ms's UTC day.
  std::int64_t cost_nano_usd = 0;  // nano-USD (1e-9 USD)
  std::int64_t tokens = 0;         // input + output
};

// The same record as views, valid while what they point at lives: what the request path hands to
// StoreService::recordAudit (the trail's own strings and its rendered JSON), and what a store
// appends, so that a record is copied once, into the store's batch, not into five new strings.
struct AuditRecordView {
  std::string_view request_id;
  std::int64_t time_ms = 0;
  std::int64_t start_ns = 0;
  std::string_view key_id;
  std::string_view route;
  std::string_view outcome;
  int status = 0;
  std::string_view json;
  std::int64_t cost_nano_usd = 0;
  std::int64_t tokens = 0;
};

AuditRecordView viewOf(const AuditRecord& record);
AuditRecord copyOf(const AuditRecordView& view);

// Spend since a time, summed one way (budgets reload these at start-up).
struct SpendTotal {
  std::string scope;  // "gateway" (every record) | "key" (by key_id, anonymous left out) | "route"
  std::string name;   // the key id or route; "" for the gateway
  std::int64_t nano_usd = 0;
  std::int64_t tokens = 0;

  friend bool operator==(const SpendTotal&, const SpendTotal&) = default;
};

struct AuditQuery {
  std::string route, outcome, key_id;  // empty: any
  std::optional<std::int64_t> since_ms;  // time_ms >= since_ms
  std::size_t limit = 100;               // newest first
};

// One incident (a breaker opening or a drill), as resilience::Incident is persisted: the columns
// the store filters on, and the rest (timeline, counters) as a JSON object text it does not parse.
struct IncidentRecord {
  std::uint64_t id = 0;
  std::string target;
  std::int64_t opened_at_ms = 0;             // unix milliseconds
  std::optional<std::int64_t> closed_at_ms;  // none while open
  bool drill = false;
  std::string json;

  friend bool operator==(const IncidentRecord&, const IncidentRecord&) = default;
};

class Store {
 public:
  virtual ~Store() = default;
  // Inserts, or replaces the key with the same id. Durable when it returns: a kill -9 right after
  // does not lose it.
  virtual void putKey(const KeyRecord& key) = 0;
  // False when there is no key with that id.
  virtual bool deleteKey(std::string_view id) = 0;
  // Every key, oldest created_at first.
  virtual std::vector<KeyRecord> keys() = 0;
  // All of `records` in one transaction: either all are stored or none.
  virtual void appendAudit(std::span<const AuditRecordView> records) = 0;
  // The same for owned records (recovery, tests).
  void appendAudit(std::span<const AuditRecord> records);
  // The json of the record with that request id.
  virtual std::optional<std::string> auditRecord(std::string_view request_id) = 0;
  // Whether a record with this request id and start (time_ms) is stored.
  virtual bool hasAudit(std::string_view request_id, std::int64_t time_ms) = 0;
  // The jsons of the records matching every filter set in `query`, newest time_ms first.
  virtual std::vector<std::string> auditRecords(const AuditQuery& query) = 0;
  // The cost and tokens of every audit record with time_ms >= since_ms, summed overall, per key_id
  // and per route: the gateway's entry first, then keys, then routes, each by name. A scope or
  // name with nothing spent (both sums 0) is left out. Cheap for a since_ms at a UTC day's start
  // (the start of today or of this month): it reads per-day totals, not the records.
  virtual std::vector<SpendTotal> spendSince(std::int64_t since_ms) = 0;

  // Retention, in one transaction that deletes at most `chunk` audit records: first those with
  // time_ms < before_ms (oldest first; before_ms <= 0: no age limit), then, with what is left of
  // the chunk, the oldest inserted beyond the newest `max_rows` (0: no row limit). Returns how many
  // it deleted: `chunk` means there may be more to delete (the caller calls again, letting other
  // work run in between, so that no single transaction holds the file for long). The per-day spend
  // totals (spendSince) are not touched: a day's spend still counts after its records have gone.
  virtual std::size_t pruneAudit(std::int64_t before_ms, std::size_t max_rows, std::size_t chunk) = 0;
  // Deletes the per-day spend totals of UTC days that end at or before before_ms (whole days
  // only); returns how many (day, key, route) rows went.
  virtual std::size_t pruneSpendDays(std::int64_t before_ms) = 0;

  // Incidents (issue 14): inserts, or replaces the incident with the same id. Durable when it
  // returns. Not pure: a backend without incidents keeps none (and reads none back).
  virtual void putIncident(const IncidentRecord& incident) { (void)incident; }
  // The newest `limit` incidents, oldest id first.
  virtual std::vector<IncidentRecord> incidents(std::size_t limit) {
    (void)limit;
    return {};
  }
};

}  // namespace switchyard::store
