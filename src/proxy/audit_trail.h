#pragma once
// One request's audit record (issue: governance): who asked (key id, never the key), which route,
// its data classes and where each came from, what PII detection found (kinds and counts, never the
// values) and did, and every target considered with its verdict: tried (and how it went), skipped
// by policy, by breaker, as unsupported, or by a budget. Written to the store in batches.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "canonical/chat.h"
#include "proxy/request_policy.h"
#include "store/store.h"

namespace switchyard::proxy {

class AuditTrail {
 public:
  AuditTrail(std::string_view request_id, canonical::Dialect surface, std::string_view endpoint);

  void identity(const ClientIdentity* key) { key_id_ = key != nullptr ? key->id : std::string(); }
  void route(std::string_view name) { route_ = name; }
  void stream(bool on) { stream_ = on; }
  void policy(const GatewayState& state, const RequestPolicy& policy);
  // A target passed over: verdict "skipped_policy" | "skipped_breaker" | "skipped_unsupported" |
  // "skipped_budget"; `why` in words (never request content).
  void skipped(std::string_view target, std::string_view verdict, std::string_view why = {}, bool hedge = false);
  // An attempt that ran: its number, "ok" or the failure token, the upstream status.
  void tried(std::string_view target, int attempt, std::string_view result, int status, bool hedge = false,
             bool continuation = false);

  // The record, with the request's outcome (the request log's vocabulary, or "refused").
  store::AuditRecord finish(std::string_view outcome, int status, std::string_view served_by,
                            std::string_view continued_by, int attempts, std::string_view detail = {});

 private:
  struct Verdict {
    std::string target;
    std::string verdict;
    std::string detail;
    int attempt = 0;
    int status = 0;
    bool hedge = false;
    bool continuation = false;
  };
  std::string request_id_;
  canonical::Dialect surface_;
  std::string endpoint_;
  std::chrono::system_clock::time_point started_wall_ = std::chrono::system_clock::now();
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::string key_id_;
  std::string route_;
  bool stream_ = false;
  std::string classes_json_ = "[]";
  std::string pii_json_ = "null";
  std::vector<Verdict> targets_;
};

}  // namespace switchyard::proxy
