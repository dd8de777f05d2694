#pragma once
// One request's audit record (issue: governance): who asked (key id, never the key), which route,
// its data classes and where each came from, what PII detection found (kinds and counts, never the
// values) and did, and every target considered with its verdict: tried (and how it went), skipped
// by policy, by breaker, as unsupported, or by a budget. Written to the store in batches.
//
// Built on every request, so it is cheap: views of what outlives the request (its id, the route's
// and targets' names, the key's id), verdicts inline, and the JSON written once, by hand.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/container/small_vector.hpp>

#include "canonical/chat.h"
#include "proxy/request_policy.h"
#include "store/store.h"

namespace switchyard::proxy {

class AuditTrail {
 public:
  // `request_id` and `endpoint` must outlive the trail (the writer's id, a literal).
  AuditTrail(std::string_view request_id, canonical::Dialect surface, std::string_view endpoint);

  // Each view must outlive the trail: the key snapshot the request holds, the route table.
  void identity(const ClientIdentity* key) { key_id_ = key != nullptr ? std::string_view(key->id) : std::string_view(); }
  void route(std::string_view name) { route_ = name; }
  void stream(bool on) { stream_ = on; }
  // The request's start in unix milliseconds: the record's time_ms.
  std::int64_t timeMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(started_wall_.time_since_epoch()).count();
  }
  void policy(const GatewayState& state, const RequestPolicy& policy);
  // A target passed over: verdict "skipped_policy" | "skipped_breaker" | "skipped_unsupported" |
  // "skipped_budget" | "demoted_quota" (literals); `why` in words (never request content).
  void skipped(std::string_view target, std::string_view verdict, std::string_view why = {}, bool hedge = false);
  // An attempt that ran: its number, "ok" or the failure token (literals), the upstream status.
  // `usage`: what the provider reported (null when unknown); `cost_nano_usd` at the target's price;
  // `usage_estimated`: the usage was estimated by the gateway (a stream that ended without its final
  // usage: the output from the text relayed), not reported by the provider.
  void tried(std::string_view target, int attempt, std::string_view result, int status, bool hedge = false,
             bool continuation = false, const canonical::Usage* usage = nullptr, std::int64_t cost_nano_usd = 0,
             bool usage_estimated = false);
  // The request's total: every attempt's cost and tokens (a failed-over request pays for each).
  void spent(std::int64_t nano_usd, std::int64_t tokens) {
    total_nano_usd_ = nano_usd;
    total_tokens_ = tokens;
  }

  // The record, with the request's outcome (the request log's vocabulary, or "refused"). Its views
  // hold until this trail goes or the thread renders another record: hand it to recordAudit at once.
  store::AuditRecordView finish(std::string_view outcome, int status, std::string_view served_by,
                            std::string_view continued_by, int attempts, std::string_view detail = {});

 private:
  struct Verdict {
    std::string_view target;
    std::string_view verdict;
    std::string_view result;  // tried: "ok" or the failure token
    std::string reason;       // skipped: why (owned: often built for the occasion)
    int attempt = 0;
    int status = 0;
    bool hedge = false;
    bool continuation = false;
    bool usage_known = false;
    bool usage_estimated = false;
    canonical::Usage usage;
    std::int64_t cost_nano_usd = 0;
  };
  std::string_view request_id_;
  canonical::Dialect surface_;
  std::string_view endpoint_;
  std::chrono::system_clock::time_point started_wall_ = std::chrono::system_clock::now();
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::string_view key_id_;
  std::string_view route_;
  bool stream_ = false;
  std::string classes_json_;  // the "data_classes" array's items
  std::string pii_json_;      // the "pii" object, "" for null
  std::string oversized_;     // a record past base::kRenderKept renders here instead
  boost::container::small_vector<Verdict, 2> targets_;  // the served target and one failover inline
  std::int64_t total_nano_usd_ = 0;
  std::int64_t total_tokens_ = 0;
};

}  // namespace switchyard::proxy
