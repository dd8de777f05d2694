#include "proxy/spend_recovery.h"

#include <map>
#include <utility>
#include <vector>

#include "canonical/json_writer.h"
#include "canonical/usage_scan.h"

namespace switchyard::proxy {

namespace {

std::string usd(std::int64_t nano) { return canonical::formatUsd(static_cast<double>(nano) / 1e9); }

}  // namespace

store::AuditRecord interruptedRecord(std::span<const store::JournaledSpend> attempts) {
  using canonical::appendInt;
  using canonical::appendQuoted;
  store::AuditRecord out;
  const store::JournaledSpend& first = attempts.front();
  // A truncated name would charge the wrong key or route: such spend counts for the gateway only.
  bool attributable = true;
  for (const auto& attempt : attempts) {
    out.cost_nano_usd += attempt.nano_usd;
    out.tokens += attempt.tokens;
    attributable = attributable && !attempt.truncated;
  }
  out.request_id = first.request_id;
  out.time_ms = first.time_ms;
  out.start_ns = first.time_ms * 1'000'000;
  if (attributable) {
    out.key_id = first.key_id;
    out.route = first.route;
  }
  out.outcome = "interrupted";
  std::string& json = out.json;
  json += "{\"request_id\":";
  appendQuoted(json, out.request_id);
  json += ",\"time_ms\":";
  appendInt(json, out.time_ms);
  if (!out.key_id.empty()) {
    json += ",\"key_id\":";
    appendQuoted(json, out.key_id);
  }
  if (!out.route.empty()) {
    json += ",\"route\":";
    appendQuoted(json, out.route);
  }
  json += ",\"status\":0,\"outcome\":\"interrupted\",\"attempts\":";
  appendInt(json, static_cast<std::int64_t>(attempts.size()));
  json += ",\"targets\":[";
  int number = 0;
  for (const auto& attempt : attempts) {
    if (number > 0) json.push_back(',');
    json += "{\"target\":";
    appendQuoted(json, attempt.target);
    json += ",\"verdict\":\"tried\",\"attempt\":";
    appendInt(json, ++number);
    json += ",\"result\":\"settled\",\"tokens\":";
    appendInt(json, attempt.tokens);
    json += ",\"cost_usd\":" + usd(attempt.nano_usd) + "}";
  }
  json += "],\"detail\":\"the gateway stopped before storing this request's record; its attempts' cost was "
          "recovered from the spend journal\",\"cost_usd\":" +
          usd(out.cost_nano_usd) + ",\"tokens\":";
  appendInt(json, out.tokens);
  json.push_back('}');
  return out;
}

std::size_t recoverSpend(store::StoreService& store, const std::string& prefix) {
  const auto leftovers = store::SpendJournals::leftovers(prefix);
  if (leftovers.files.empty()) return 0;
  // Each request's attempts, in the order they were written.
  std::map<std::pair<std::string, std::int64_t>, std::vector<store::JournaledSpend>> requests;
  for (const auto& entry : leftovers.entries) requests[{entry.request_id, entry.time_ms}].push_back(entry);
  const std::size_t stored = store.runBlocking([&requests](store::Store& db) {
    std::vector<store::AuditRecord> records;
    for (const auto& [key, attempts] : requests) {
      if (!db.hasAudit(key.first, key.second)) records.push_back(interruptedRecord(attempts));
    }
    if (!records.empty()) db.appendAudit(records);
    return records.size();
  });
  store::SpendJournals::remove(leftovers);
  return stored;
}

}  // namespace switchyard::proxy
