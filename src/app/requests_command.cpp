// switchyard requests: the request log (the store's audit records), newest first, for people without
// a dashboard. It reads the store file of a config while the gateway writes it (SQLite's WAL lets a
// reader in beside the writer) and never changes the file.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "app/commands.h"
#include "base/duration.h"
#include "base/wall_time.h"
#include "config/config.h"
#include "config/governance_checks.h"
#include "store/sqlite_store.h"

namespace switchyard::app {

namespace {

// The outcomes an audit record can have (README, "Audit trail"), for a clear error on a typo.
constexpr std::array<std::string_view, 8> kOutcomes = {"ok",     "failed_over", "client_error", "failed",
                                                       "incomplete", "client_gone", "refused", "interrupted"};

// --since: a duration back from now (1h, 30m, 2d), unix seconds, or a date / RFC 3339 time.
std::optional<std::int64_t> sinceMillis(std::string_view text) {
  if (auto ago = base::parseDuration(text)) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    return (now - *ago).count();
  }
  if (!text.empty() && text.size() < 15 && text.find_first_not_of("0123456789") == std::string_view::npos) {
    return std::stoll(std::string(text)) * 1000;
  }
  if (auto date = config::parseExpiry(text)) return *date * 1000;
  return std::nullopt;
}

// The config, for its store. A config whose ${VARS} (provider secrets) are not set in this shell
// still names its store: the variables are read as their own names, unless the config fails
// anyway, in which case the real error is shown.
config::Config loadForStore(const std::string& path) {
  try {
    return config::loadFile(path);
  } catch (const std::exception&) {
    const config::EnvLookup real = config::processEnv();
    const config::EnvLookup lenient = [&real](const std::string& name) -> std::optional<std::string> {
      if (auto value = real(name); value && !value->empty()) return value;
      return "${" + name + "}";
    };
    try {
      return config::loadFile(path, lenient);
    } catch (const std::exception&) {
    }
    throw;
  }
}

const boost::json::value* field(const boost::json::value& record, std::string_view name) {
  const auto* object = record.if_object();
  if (!object) return nullptr;
  const auto found = object->find(name);
  return found == object->end() || found->value().is_null() ? nullptr : &found->value();
}

std::string textOf(const boost::json::value& record, std::string_view name) {
  const auto* value = field(record, name);
  if (!value) return "-";
  if (const auto* text = value->if_string()) return text->empty() ? "-" : std::string(*text);
  if (const auto* number = value->if_int64()) return std::to_string(*number);
  if (const auto* number = value->if_uint64()) return std::to_string(*number);
  if (const auto* number = value->if_double()) return std::to_string(static_cast<long long>(*number));
  return "-";
}

std::optional<double> numberOf(const boost::json::value& record, std::string_view name) {
  const auto* value = field(record, name);
  if (!value || !value->is_number()) return std::nullopt;
  return value->to_number<double>();
}

std::string formatted(const char* format, std::optional<double> value) {
  if (!value) return "-";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, *value);
  return buffer;
}

// One table row: time, request id, route, key, outcome, status, attempts, served by, tokens, cost,
// latency.
constexpr std::size_t kColumns = 11;
using Row = std::array<std::string, kColumns>;
const Row kHeader = {"TIME (UTC)", "REQUEST ID", "ROUTE", "KEY", "OUTCOME", "STATUS", "ATTEMPTS",
                         "SERVED BY", "TOKENS", "COST USD", "LATENCY MS"};
// Numbers are right-aligned.
constexpr std::array<bool, kColumns> kRightAligned = {false, false, false, false, false, true,
                                                      true,  false, true,  true,  true};

Row rowOf(const std::string& json) {
  boost::system::error_code error;
  const boost::json::value record = boost::json::parse(json, error);
  Row row;
  row.fill("-");
  if (error) {
    row[1] = "(unreadable record)";
    return row;
  }
  if (const auto time_ms = numberOf(record, "time_ms")) {
    const auto time = base::WallClock::time_point(
        std::chrono::duration_cast<base::WallClock::duration>(
            std::chrono::milliseconds(static_cast<std::int64_t>(*time_ms))));
    row[0] = base::rfc3339(time);
  }
  row[1] = textOf(record, "request_id");
  row[2] = textOf(record, "route");
  row[3] = textOf(record, "key_id");
  row[4] = textOf(record, "outcome");
  row[5] = textOf(record, "status");
  row[6] = textOf(record, "attempts");
  row[7] = textOf(record, "served_by");
  row[8] = textOf(record, "tokens");
  row[9] = formatted("%.6f", numberOf(record, "cost_usd"));
  row[10] = formatted("%.1f", numberOf(record, "latency_ms"));
  return row;
}

void printTable(const std::vector<std::string>& jsons) {
  std::vector<Row> rows;
  rows.reserve(jsons.size() + 1);
  rows.push_back(kHeader);
  for (const std::string& json : jsons) rows.push_back(rowOf(json));
  std::array<std::size_t, kColumns> widths{};
  for (const Row& row : rows) {
    for (std::size_t c = 0; c < kColumns; ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const Row& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < kColumns; ++c) {
      if (c > 0) line += "  ";
      const std::string pad(widths[c] - row[c].size(), ' ');
      if (c + 1 == kColumns && !kRightAligned[c]) {
        line += row[c];
      } else {
        line += kRightAligned[c] ? pad + row[c] : row[c] + pad;
      }
    }
    std::cout << line << "\n";
  }
}

}  // namespace

int runRequests(const std::string& config_path, const RequestsOptions& options) {
  store::AuditQuery query;
  query.route = options.route;
  query.key_id = options.key;
  query.outcome = options.outcome;
  query.limit = options.limit;
  if (options.limit == 0) {
    std::cerr << "switchyard requests: --limit must be a positive number\n";
    return 2;
  }
  if (!options.outcome.empty() &&
      std::find(kOutcomes.begin(), kOutcomes.end(), options.outcome) == kOutcomes.end()) {
    std::string known;
    for (const std::string_view outcome : kOutcomes) known += (known.empty() ? "" : ", ") + std::string(outcome);
    std::cerr << "switchyard requests: unknown --outcome '" << options.outcome << "' (one of " << known << ")\n";
    return 2;
  }
  if (!options.since.empty()) {
    query.since_ms = sinceMillis(options.since);
    if (!query.since_ms) {
      std::cerr << "switchyard requests: malformed --since '" << options.since
                << "' (a duration back from now such as 30m, 1h or 2d; unix seconds; or a date such as "
                   "2026-05-01 or 2026-05-01T12:00:00Z)\n";
      return 2;
    }
  }

  std::vector<std::string> records;
  try {
    const config::Config config = loadForStore(config_path);
    const std::string& path = config.store.sqlite_path;
    if (path == ":memory:") {
      std::cerr << config_path << ": the store is :memory: (nothing is kept on disk to list)\n";
      return 1;
    }
    const auto store = store::SqliteStore::openExisting(path);
    records = store->auditRecords(query);
  } catch (const std::exception& error) {
    std::cerr << "switchyard requests: " << error.what() << "\n";
    return 1;
  }

  if (options.json) {
    for (const std::string& json : records) std::cout << json << "\n";
  } else if (records.empty()) {
    std::cout << "no requests match\n";
  } else {
    printTable(records);
  }
  if (records.size() == options.limit) {
    std::cerr << "(the newest " << options.limit << " shown; --limit N for more)\n";
  }
  return 0;
}

}  // namespace switchyard::app
