#pragma once
// Start-up after a crash: the spend journals a killed gateway left behind become audit records for
// the requests whose own record never reached the store, so that the spend budgets reload is what
// the providers billed (see store/spend_journal.h).
#include <cstddef>
#include <span>
#include <string>

#include "store/spend_journal.h"
#include "store/store_service.h"

namespace switchyard::proxy {

// One request's record from its journaled attempts (same request id and start, in order): outcome
// "interrupted", status 0, each attempt's target, tokens and cost, and the totals.
store::AuditRecord interruptedRecord(std::span<const store::JournaledSpend> attempts);

// Reads the journals under `prefix` that no running gateway holds, stores a record for each
// request without one, then removes those journals. Returns how many records it stored. Blocking:
// before the workers start. Throws what the store throws (the journals are then kept).
std::size_t recoverSpend(store::StoreService& store, const std::string& prefix);

}  // namespace switchyard::proxy
