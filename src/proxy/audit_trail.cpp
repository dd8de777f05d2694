#include "proxy/audit_trail.h"

#include "canonical/json_writer.h"
#include "proxy/economics.h"

namespace switchyard::proxy {

using canonical::appendInt;
using canonical::appendQuoted;

namespace {

// `key` is the member's punctuation and name, as in ",\"route\":" (our own keys need no
// escaping, and one literal is one append); the value a string, or null when empty.
void appendOptional(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  if (value.empty()) {
    out += "null";
  } else {
    appendQuoted(out, value);
  }
}

}  // namespace

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

store::AuditRecord AuditTrail::finish(std::string_view outcome, int status, std::string_view served_by,
                                      std::string_view continued_by, int attempts, std::string_view detail) {
  const auto time_ms = timeMs();
  const double latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
  store::AuditRecord out;
  std::string& json = out.json;
  json.reserve(384 + 96 * targets_.size() + classes_json_.size() + pii_json_.size());
  json += "{\"request_id\":";
  appendQuoted(json, request_id_);
  json += ",\"time_ms\":";
  appendInt(json, time_ms);
  json += ",\"api\":";
  appendQuoted(json, canonical::toString(surface_));
  json += ",\"endpoint\":";
  appendQuoted(json, endpoint_);
  appendOptional(json, ",\"key_id\":", key_id_);
  appendOptional(json, ",\"route\":", route_);
  json += stream_ ? ",\"stream\":true" : ",\"stream\":false";
  json += ",\"status\":";
  appendInt(json, status);
  json += ",\"outcome\":";
  appendQuoted(json, outcome);
  json += ",\"attempts\":";
  appendInt(json, attempts);
  appendOptional(json, ",\"served_by\":", served_by);
  appendOptional(json, ",\"continued_by\":", continued_by);
  json += ",\"data_classes\":[";
  json += classes_json_;
  json += "],\"pii\":";
  json += pii_json_.empty() ? std::string_view("null") : std::string_view(pii_json_);
  json += ",\"targets\":[";
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    const Verdict& verdict = targets_[i];
    if (i > 0) json.push_back(',');
    json += "{\"target\":";
    appendQuoted(json, verdict.target);
    json += ",\"verdict\":";
    appendQuoted(json, verdict.verdict);
    if (verdict.verdict == "tried") {
      json += ",\"attempt\":";
      appendInt(json, verdict.attempt);
      json += ",\"result\":";
      appendQuoted(json, verdict.result);
      if (verdict.status != 0) {
        json += ",\"status\":";
        appendInt(json, verdict.status);
      }
    } else if (!verdict.reason.empty()) {
      json += ",\"reason\":";
      appendQuoted(json, verdict.reason);
    }
    if (verdict.usage_known) {
      json += ",\"usage\":{\"input_tokens\":";
      appendInt(json, verdict.usage.input_tokens);
      json += ",\"output_tokens\":";
      appendInt(json, verdict.usage.output_tokens);
      json += ",\"cached_input_tokens\":";
      appendInt(json, verdict.usage.cache_read_tokens);
      json += ",\"reasoning_tokens\":";
      appendInt(json, verdict.usage.reasoning_tokens);
      json += "},\"cost_usd\":";
      json += formatUsd(static_cast<double>(verdict.cost_nano_usd) / 1e9);
      if (verdict.usage_estimated) json += ",\"usage_estimated\":true";
    }
    if (verdict.hedge) json += ",\"hedge\":true";
    if (verdict.continuation) json += ",\"continuation\":true";
    json.push_back('}');
  }
  json.push_back(']');
  if (!detail.empty()) {
    json += ",\"detail\":";
    appendQuoted(json, detail);
  }
  json += ",\"cost_usd\":";
  json += formatUsd(static_cast<double>(total_nano_usd_) / 1e9);
  json += ",\"tokens\":";
  appendInt(json, total_tokens_);
  json += ",\"latency_ms\":";
  // Tenths of a millisecond, written as an integer and one decimal (a double's shortest form
  // costs more than the rest of the record's numbers together).
  const auto tenths = static_cast<std::int64_t>(latency_ms * 10);
  appendInt(json, tenths / 10);
  if (tenths % 10 != 0) {
    json.push_back('.');
    json.push_back(static_cast<char>('0' + tenths % 10));
  }
  json.push_back('}');
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
