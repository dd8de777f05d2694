#pragma once
// What governance keeps for the whole process, across config reloads: the store (keys, audit
// records) and the client keys every worker authenticates against.
#include "proxy/client_keys.h"
#include "store/spend_journal.h"
#include "store/store_service.h"

namespace switchyard::proxy {

class Drills;
class OtlpExporter;

struct Governance {
  store::StoreService* store = nullptr;  // owned by `serve`; null only in tools that serve no requests
  store::SpendJournals* journal = nullptr;  // owned by `serve`; null when the store is in memory
  KeyRegistry keys;
  Drills* drills = nullptr;  // owned by `serve` (proxy/drills.h); null: no drills (POST /admin/drills 503)
  OtlpExporter* tracing = nullptr;  // owned by `serve` (proxy/otlp_exporter.h); null: no `otlp:` section
};

}  // namespace switchyard::proxy
