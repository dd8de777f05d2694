#include "proxy/audit_trail.h"

#include "base/json_cursor.h"
#include "canonical/json_writer.h"
#include "proxy/economics.h"

namespace switchyard::proxy {

using canonical::appendInt;
using canonical::appendQuoted;

AuditTrail::AuditTrail(std::string_view request_id, canonical::Dialect surface, std::string_view endpoint)
    : request_id_(request_id), surface_(surface), endpoint_(endpoint) {}

void AuditTrail::policy(const GatewayState& state, const RequestPolicy& policy) {
  classes_json_.clear();
  for (const auto& origin : policy.origins) {
    if (!classes_json_.empty()) classes_json_.push_back(',');
    classes_json_ += "{\"class\":";
    appendQuoted(classes_json_, state.config.data_classes[origin.index].name);
    classes_json_ += ",\"source\":";
    appendQuoted(classes_json_, origin.source);
    classes_json_.push_back('}');
  }
  pii_json_.clear();
  if (policy.pii_action == config::PiiAction::None) return;
  pii_json_ = "{\"action\":";
  appendQuoted(pii_json_, toString(policy.pii_action));
  pii_json_ += ",\"found\":{";
  bool first = true;
  for (const auto& [kind, count] : policy.pii_found) {
    if (!first) pii_json_.push_back(',');
    first = false;
    appendQuoted(pii_json_, kind);
    pii_json_.push_back(':');
    appendInt(pii_json_, static_cast<std::int64_t>(count));
  }
  pii_json_ += policy.redacted ? "},\"redacted\":true}" : "},\"redacted\":false}";
}

void AuditTrail::skipped(std::string_view target, std::string_view verdict, std::string_view why, bool hedge) {
  targets_.push_back({target, verdict, {}, std::string(why), 0, 0, hedge, false});
}

void AuditTrail::tried(std::string_view target, int attempt, std::string_view result, int status, bool hedge,
                       bool continuation, const canonical::Usage* usage, std::int64_t cost_nano_usd,
                       bool usage_estimated) {
  targets_.push_back({target, "tried", result, {}, attempt, status, hedge, continuation, usage != nullptr,
                      usage != nullptr && usage_estimated, usage != nullptr ? *usage : canonical::Usage{},
                      cost_nano_usd});
}

store::AuditRecordView AuditTrail::finish(std::string_view outcome, int status, std::string_view served_by,
                                      std::string_view continued_by, int attempts, std::string_view detail) {
  using base::JsonCursor;
  const auto time_ms = timeMs();
  const double latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
  // Written once into storage sized for the worst case (every string escaped), then copied out.
  // Keys, literals and numbers: about 380 bytes outside the targets and 370 per target (an amount
  // of int64 nano-USD is at most 21 characters), with room to spare.
  constexpr std::size_t kFixed = 512;
  constexpr std::size_t kPerTarget = 512;
  const std::string total_usd = formatUsd(static_cast<double>(total_nano_usd_) / 1e9);
  std::size_t bound = kFixed + classes_json_.size() + pii_json_.size() + total_usd.size();
  for (const std::string_view text : {request_id_, canonical::toString(surface_), endpoint_, key_id_, route_, outcome,
                                      served_by, continued_by, detail}) {
    bound += JsonCursor::quotedMax(text);
  }
  for (const Verdict& verdict : targets_) {
    bound += kPerTarget + JsonCursor::quotedMax(verdict.target) + JsonCursor::quotedMax(verdict.verdict) +
             JsonCursor::quotedMax(verdict.result) + JsonCursor::quotedMax(verdict.reason);
  }
  // Rendered into this thread's render storage, which the store copies from: the worst-case bound
  // (1.5 KB and up) would otherwise be a fresh, zero-filled allocation per request.
  char* const begin = base::renderStorage<AuditTrail>(bound, oversized_);
  store::AuditRecordView out;
  JsonCursor put(begin);
  // A string member, or null when empty.
  const auto optional = [&put](std::string_view key, std::string_view value) {
    put.put(key);
    if (value.empty()) put.put("null");
    else put.quoted(value);
  };
  put.put("{\"request_id\":");
  put.quoted(request_id_);
  put.put(",\"time_ms\":");
  put.integer(time_ms);
  put.put(",\"api\":");
  put.quoted(canonical::toString(surface_));
  put.put(",\"endpoint\":");
  put.quoted(endpoint_);
  optional(",\"key_id\":", key_id_);
  optional(",\"route\":", route_);
  put.put(stream_ ? ",\"stream\":true" : ",\"stream\":false");
  put.put(",\"status\":");
  put.integer(status);
  put.put(",\"outcome\":");
  put.quoted(outcome);
  put.put(",\"attempts\":");
  put.integer(attempts);
  optional(",\"served_by\":", served_by);
  optional(",\"continued_by\":", continued_by);
  put.put(",\"data_classes\":[");
  put.put(classes_json_);
  put.put("],\"pii\":");
  put.put(pii_json_.empty() ? std::string_view("null") : std::string_view(pii_json_));
  put.put(",\"targets\":[");
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    const Verdict& verdict = targets_[i];
    if (i > 0) put.put(',');
    put.put("{\"target\":");
    put.quoted(verdict.target);
    put.put(",\"verdict\":");
    put.quoted(verdict.verdict);
    if (verdict.verdict == "tried") {
      put.put(",\"attempt\":");
      put.integer(verdict.attempt);
      put.put(",\"result\":");
      put.quoted(verdict.result);
      if (verdict.status != 0) {
        put.put(",\"status\":");
        put.integer(verdict.status);
      }
    } else if (!verdict.reason.empty()) {
      put.put(",\"reason\":");
      put.quoted(verdict.reason);
    }
    if (verdict.usage_known) {
      put.put(",\"usage\":{\"input_tokens\":");
      put.integer(verdict.usage.input_tokens);
      put.put(",\"output_tokens\":");
      put.integer(verdict.usage.output_tokens);
      put.put(",\"cached_input_tokens\":");
      put.integer(verdict.usage.cache_read_tokens);
      put.put(",\"reasoning_tokens\":");
      put.integer(verdict.usage.reasoning_tokens);
      put.put("},\"cost_usd\":");
      put.put(formatUsd(static_cast<double>(verdict.cost_nano_usd) / 1e9));
      if (verdict.usage_estimated) put.put(",\"usage_estimated\":true");
    }
    if (verdict.hedge) put.put(",\"hedge\":true");
    if (verdict.continuation) put.put(",\"continuation\":true");
    put.put('}');
  }
  put.put(']');
  if (!detail.empty()) {
    put.put(",\"detail\":");
    put.quoted(detail);
  }
  put.put(",\"cost_usd\":");
  put.put(total_usd);
  put.put(",\"tokens\":");
  put.integer(total_tokens_);
  put.put(",\"latency_ms\":");
  // Tenths of a millisecond, written as an integer and one decimal (a double's shortest form
  // costs more than the rest of the record's numbers together).
  const auto tenths = static_cast<std::int64_t>(latency_ms * 10);
  put.integer(tenths / 10);
  if (tenths % 10 != 0) {
    put.put('.');
    put.put(static_cast<char>('0' + tenths % 10));
  }
  put.put('}');
  out.json = {begin, static_cast<std::size_t>(put.at() - begin)};
  out.request_id = request_id_;
  out.time_ms = time_ms;
  out.start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(started_wall_.time_since_epoch()).count();
  out.key_id = key_id_;
  out.route = route_;
  out.outcome = outcome;
  out.status = status;
  out.cost_nano_usd = total_nano_usd_;
  out.tokens = total_tokens_;
  return out;
}

}  // namespace switchyard::proxy
