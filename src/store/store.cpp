#include "store/store.h"

namespace switchyard::store {

AuditRecordView viewOf(const AuditRecord& record) {
  return {.request_id = record.request_id,
          .time_ms = record.time_ms,
          .start_ns = record.start_ns,
          .key_id = record.key_id,
          .route = record.route,
          .outcome = record.outcome,
          .status = record.status,
          .json = record.json,
          .cost_nano_usd = record.cost_nano_usd,
          .tokens = record.tokens};
}

AuditRecord copyOf(const AuditRecordView& view) {
  return {.request_id = std::string(view.request_id),
          .time_ms = view.time_ms,
          .start_ns = view.start_ns,
          .key_id = std::string(view.key_id),
          .route = std::string(view.route),
          .outcome = std::string(view.outcome),
          .status = view.status,
          .json = std::string(view.json),
          .cost_nano_usd = view.cost_nano_usd,
          .tokens = view.tokens};
}

void Store::appendAudit(std::span<const AuditRecord> records) {
  std::vector<AuditRecordView> views;
  views.reserve(records.size());
  for (const AuditRecord& record : records) views.push_back(viewOf(record));
  appendAudit(std::span<const AuditRecordView>(views));
}

}  // namespace switchyard::store
