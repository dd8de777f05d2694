#include "proxy/economics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include <boost/beast/http/field.hpp>

#include "accounting/calendar.h"
#include "base/wall_time.h"
#include "accounting/estimates.h"
#include "canonical/json_writer.h"
#include "canonical/usage_scan.h"
#include "proxy/client_errors.h"

namespace switchyard::proxy {

namespace beast_http = boost::beast::http;

namespace {

// Output tokens reserved when neither the client nor the target states a limit: a long answer of
// today's models (16K), so the reservation stays an upper bound for ordinary requests.
constexpr std::int64_t kDefaultMaxOutputTokens = 16384;

std::string amount(accounting::Unit unit, std::int64_t value) {
  if (unit == accounting::Unit::Tokens) return std::to_string(value) + " tokens";
  return "$" + formatUsd(static_cast<double>(value) / 1e9);
}

}  // namespace

std::string formatUsd(double usd) { return canonical::formatUsd(usd); }  // integer arithmetic, no exponent

EconomicsState::EconomicsState(const config::Config& config, const EconomicsState* previous)
    : ledger(config, std::chrono::system_clock::now(), previous != nullptr ? &previous->ledger : nullptr),
      key_limits(accounting::keyRateLimits(config), previous != nullptr ? &previous->key_limits : nullptr),
      target_limits(accounting::targetRateLimits(config), previous != nullptr ? &previous->target_limits : nullptr) {}

RequestSpend::RequestSpend(EconomicsState& economics, const Identity& identity, std::size_t body_bytes,
                           std::optional<std::int64_t> max_tokens, store::SpendJournals* journal)
    : economics_(economics), identity_(identity), journal_(journal), max_tokens_(max_tokens) {
  budgeted_ = economics.ledger.any() && economics.ledger.appliesTo(identity.key_id, identity.route);
  prompt_upper_ = accounting::promptTokensUpperBound(body_bytes);
}

std::int64_t RequestSpend::outputBound(std::int64_t target_max_output) const {
  if (max_tokens_) return *max_tokens_;
  return target_max_output > 0 ? target_max_output : kDefaultMaxOutputTokens;
}

std::int64_t RequestSpend::tokenEstimate(std::int64_t target_max_output) const {
  return prompt_upper_ + outputBound(target_max_output);
}

std::optional<accounting::Refusal> RequestSpend::reserve(const canonical::TokenPrice& price,
                                                         std::int64_t target_max_output,
                                                         accounting::Reservation& hold) {
  if (!budgeted_) return std::nullopt;
  hold.release();  // an attempt abandoned before it ran gives its hold back
  const std::int64_t nano = accounting::reservationNanoUsd(prompt_upper_, outputBound(target_max_output), price);
  auto result = economics_.ledger.reserve(identity_.key_id, identity_.route, nano, tokenEstimate(target_max_output),
                                          std::chrono::system_clock::now());
  if (!result.admitted()) return std::move(result.refusal);
  hold = std::move(result.reservation);
  return std::nullopt;
}

std::int64_t RequestSpend::settle(std::string_view target, accounting::Reservation& hold,
                                  const canonical::Usage& usage, bool usage_known, const canonical::TokenPrice& price,
                                  AttemptJournal& journal) {
  const std::int64_t nano = usage_known ? canonical::costNanoUsd(usage, price) : 0;
  const std::int64_t tokens = usage_known ? usage.input_tokens + usage.output_tokens : 0;
  total_nano_usd_ += nano;
  total_tokens_ += tokens;
  if (hold.active()) economics_.ledger.settle(hold, nano, tokens);
  journal.spend_ = this;
  journal.writeTotal(target, nano, tokens);
  return nano;
}

void AttemptJournal::write(std::string_view target, const canonical::TokenPrice& price,
                           const canonical::Usage& usage) {
  writeTotal(target, canonical::costNanoUsd(usage, price), usage.input_tokens + usage.output_tokens);
}

void AttemptJournal::writeTotal(std::string_view target, std::int64_t nano, std::int64_t tokens) {
  if (spend_ == nullptr || spend_->journal_ == nullptr) return;
  const std::int64_t more_nano = nano - nano_;
  const std::int64_t more_tokens = tokens - tokens_;
  if (more_nano == 0 && more_tokens == 0) return;
  nano_ = nano;
  tokens_ = tokens;
  const RequestSpend::Identity& id = spend_->identity_;
  spend_->journal_->append({id.request_id, id.time_ms, id.key_id, id.route, target, more_nano, more_tokens});
}

http::Response budgetExceeded(canonical::Dialect surface, std::string_view request_id,
                              const accounting::Refusal& refusal) {
  const std::string message = "Budget '" + refusal.budget + "' cannot take this request: " +
                              amount(refusal.unit, refusal.committed) + " of " + amount(refusal.unit, refusal.limit) +
                              " spent or reserved, " + amount(refusal.unit, refusal.requested) +
                              " needed at most; it resets at " + base::rfc3339(refusal.resets_at) + ".";
  auto response = clientError(surface, request_id, http::Status::too_many_requests, message, "budget_exceeded");
  const auto wait = std::chrono::ceil<std::chrono::seconds>(refusal.resets_at - std::chrono::system_clock::now());
  response.set(beast_http::field::retry_after, std::to_string(std::max<std::int64_t>(wait.count(), 1)));
  response.set("x-switchyard-budget", refusal.budget);
  response.set("x-should-retry", "false");
  return response;
}

http::Response keyRateLimited(canonical::Dialect surface, std::string_view request_id, std::string_view key_id,
                              const accounting::RateDecision& decision) {
  const auto seconds = std::max<std::int64_t>(
      std::chrono::ceil<std::chrono::seconds>(decision.retry_after).count(), 1);
  const std::string message = "The client key '" + std::string(key_id) + "' is over its " +
                              accounting::rateKindName(decision.limited_by) + " limit; retry in " +
                              std::to_string(seconds) + " s.";
  auto response = clientError(surface, request_id, http::Status::too_many_requests, message, "rate_limit_exceeded");
  response.set(beast_http::field::retry_after, std::to_string(seconds));
  return response;
}

http::Response adminBudgets(const EconomicsState& economics, std::string_view more_members) {
  using canonical::appendInt;
  using canonical::appendQuoted;
  const auto now = std::chrono::system_clock::now();
  std::string body = "{\"budgets\":[";
  bool first = true;
  for (const auto& budget : economics.ledger.snapshot(now)) {
    if (!first) body.push_back(',');
    first = false;
    const bool usd = budget.unit == accounting::Unit::NanoUsd;
    body += "{\"budget\":";
    appendQuoted(body, budget.budget);
    body += ",\"scope\":";
    appendQuoted(body, accounting::scopeName(budget.scope));
    body += ",\"name\":";
    appendQuoted(body, budget.name);
    body += ",\"window\":";
    appendQuoted(body, accounting::windowName(budget.window));
    body += ",\"unit\":";
    appendQuoted(body, accounting::unitName(budget.unit));
    body += ",\"period\":";
    appendQuoted(body, budget.period);
    const auto value = [&](const char* key, std::int64_t number) {
      body += ",\"";
      body += key;
      body += "\":";
      if (usd) {
        body += formatUsd(static_cast<double>(number) / 1e9);
      } else {
        appendInt(body, number);
      }
    };
    value("limit", budget.limit);
    value("spent", budget.spent);
    value("reserved", budget.reserved);
    body += ",\"resets_at\":";
    appendQuoted(body, base::rfc3339(budget.resets_at));
    body.push_back('}');
  }
  const auto overshoot = economics.ledger.overshoot();
  body += "],\"overshoot\":{\"settlements\":";
  appendInt(body, static_cast<std::int64_t>(overshoot.settlements));
  body += ",\"usd\":" + formatUsd(static_cast<double>(overshoot.nano_usd) / 1e9);
  body += ",\"tokens\":";
  appendInt(body, overshoot.tokens);
  body += "},\"rate_limits\":[";
  first = true;
  const auto steady = std::chrono::steady_clock::now();
  for (const auto* limiter : {&economics.key_limits, &economics.target_limits}) {
    for (const auto& bucket : limiter->snapshot(steady)) {
      if (!first) body.push_back(',');
      first = false;
      body += "{\"id\":";
      appendQuoted(body, bucket.id);
      body += limiter == &economics.key_limits ? ",\"scope\":\"key\"" : ",\"scope\":\"target\"";
      body += ",\"rpm\":";
      appendInt(body, bucket.limits.rpm);
      body += ",\"tpm\":";
      appendInt(body, bucket.limits.tpm);
      body += ",\"requests_available\":";
      appendInt(body, static_cast<std::int64_t>(bucket.requests_available));
      body += ",\"tokens_available\":";
      appendInt(body, static_cast<std::int64_t>(bucket.tokens_available));
      body.push_back('}');
    }
  }
  body += "]";
  body += more_members;
  body += "}";
  return jsonResponse(http::Status::ok, std::move(body));
}

}  // namespace switchyard::proxy
