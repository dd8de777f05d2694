#include "proxy/provider_quotas.h"

#include <chrono>
#include <optional>

#include "base/wall_time.h"
#include "canonical/json_writer.h"

namespace switchyard::proxy {

using accounting::SystemTime;

namespace {

void appendTimeOrNull(std::string& out, const std::optional<SystemTime>& time) {
  if (time) {
    canonical::appendQuoted(out, base::rfc3339(*time));
  } else {
    out += "null";
  }
}

void appendCountOrNull(std::string& out, std::int64_t count) {
  if (count >= 0) {
    canonical::appendInt(out, count);
  } else {
    out += "null";
  }
}

// "requests 1 of 100 left until T" for a dimension whose reading still holds at `now`.
void describe(std::string& out, const char* what, std::int64_t remaining, std::int64_t most,
              const std::optional<SystemTime>& until, SystemTime now) {
  if (remaining < 0 || !until || *until <= now) return;
  if (!out.empty()) out += "; ";
  out += what;
  out += ' ';
  out += std::to_string(remaining);
  if (most > 0) out += " of " + std::to_string(most);
  out += " left until " + base::rfc3339(*until);
}

}  // namespace

bool noteQuotaHeaders(const http::UpstreamHeader& header, accounting::QuotaTracker& tracker) {
  accounting::QuotaHeaderValues values{};
  bool any = false;
  for (const auto& field : header) {
    if (const auto index = accounting::quotaHeaderIndex(field.name_string())) {
      values[*index] = field.value();
      any = true;
    }
  }
  if (!any) return false;
  const SystemTime now = std::chrono::system_clock::now();
  const accounting::ProviderQuota quota = accounting::parseQuota(values, now);
  if (quota.empty()) return false;  // present but unreadable: as if absent
  tracker.update(quota, now);
  return true;
}

std::string quotaDemotionReason(const GatewayState& state, const routing::TargetRef& target) {
  const auto reading = state.learned[target.health]->quota.reading();
  const SystemTime now = std::chrono::system_clock::now();
  std::string reason;
  describe(reason, "requests", reading.remaining_requests, reading.max_requests, reading.requests_until, now);
  describe(reason, "tokens", reading.remaining_tokens, reading.max_tokens, reading.tokens_until, now);
  if (reading.retry_until && *reading.retry_until > now) {
    if (!reason.empty()) reason += "; ";
    reason += "retry-after until " + base::rfc3339(*reading.retry_until);
  }
  return reason.empty() ? std::string("near its provider quota") : "provider quota: " + reason;
}

std::string providerQuotasMember(const GatewayState& state) {
  const SystemTime now = std::chrono::system_clock::now();
  const auto& known = state.routes.healthTargets();
  std::string out = ",\"provider_quotas\":[";
  for (std::size_t i = 0; i < known.size(); ++i) {
    const accounting::QuotaTracker& tracker = state.learned[i]->quota;
    const auto reading = tracker.reading();
    if (i > 0) out.push_back(',');
    out += "{\"target\":";
    canonical::appendQuoted(out, known[i].id);
    out += tracker.nearQuota(now) ? ",\"near_quota\":true" : ",\"near_quota\":false";
    out += ",\"remaining_requests\":";
    appendCountOrNull(out, reading.remaining_requests);
    out += ",\"max_requests\":";
    appendCountOrNull(out, reading.max_requests);
    out += ",\"requests_until\":";
    appendTimeOrNull(out, reading.requests_until);
    out += ",\"remaining_tokens\":";
    appendCountOrNull(out, reading.remaining_tokens);
    out += ",\"max_tokens\":";
    appendCountOrNull(out, reading.max_tokens);
    out += ",\"tokens_until\":";
    appendTimeOrNull(out, reading.tokens_until);
    out += ",\"retry_until\":";
    appendTimeOrNull(out, reading.retry_until);
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

}  // namespace switchyard::proxy
