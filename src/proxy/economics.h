#pragma once
// What one configuration generation knows about money and rate: the budget ledger and the rate
// limiters (keys, targets), each carried over a reload from the previous generation, and the
// per-request bookkeeping that reserves before an attempt and settles after it.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "accounting/budget_ledger.h"
#include "accounting/rate_limiter.h"
#include "canonical/chat.h"
#include "canonical/price.h"
#include "config/config.h"
#include "http/server.h"
#include "store/spend_journal.h"

namespace switchyard::proxy {

struct EconomicsState {
  EconomicsState(const config::Config& config, const EconomicsState* previous);
  accounting::BudgetLedger ledger;
  accounting::RateLimiter key_limits;     // by client key id (config name)
  accounting::RateLimiter target_limits;  // by target id "provider/model"
};

class RequestSpend;

// One attempt's line in the spend journal (store/spend_journal.h). The attempt writes it the moment
// its usage is final, before its answer's last byte goes to the client, so that a kill -9 after the
// client has its answer cannot lose what it cost; RequestSpend::settle then writes only what is
// left (nothing, or the difference when the usage changed after). One per attempt; a default one
// journals nothing before settle.
class AttemptJournal {
 public:
  AttemptJournal() = default;
  explicit AttemptJournal(RequestSpend& spend) : spend_(&spend) {}
  // The attempt's usage is final: journals its cost at `price` (once; a second call writes the
  // difference).
  void write(std::string_view target, const canonical::TokenPrice& price, const canonical::Usage& usage);

 private:
  friend class RequestSpend;
  // Brings the attempt's journaled total to `nano` / `tokens`.
  void writeTotal(std::string_view target, std::int64_t nano, std::int64_t tokens);
  RequestSpend* spend_ = nullptr;
  std::int64_t nano_ = 0;
  std::int64_t tokens_ = 0;
};

// One request's reservations and the cost of its attempts. Reserve before each attempt (the most
// it can cost at that target's price), settle after it with what the provider billed.
class RequestSpend {
 public:
  // The request as its audit record names it: the journal's entries are matched to the record by
  // these at start-up. Views must outlive the RequestSpend.
  struct Identity {
    std::string_view request_id;
    std::int64_t time_ms = 0;  // the request's start (the audit record's time_ms)
    std::string_view key_id;   // the client key's id, "" anonymous
    std::string_view route;
  };
  // `max_tokens`: the client's, when it set one; `journal`: where each settled cost is written at
  // once (null: nowhere, e.g. an in-memory store).
  RequestSpend(EconomicsState& economics, const Identity& identity, std::size_t body_bytes,
               std::optional<std::int64_t> max_tokens, store::SpendJournals* journal);

  bool budgeted() const { return budgeted_; }
  // Reserves into `hold` (one per attempt running: a hedge has its own) for one attempt at a target
  // with this price and output limit; the refusal when a budget cannot take it. Without budgets it
  // always passes and holds nothing.
  std::optional<accounting::Refusal> reserve(const canonical::TokenPrice& price, std::int64_t target_max_output,
                                             accounting::Reservation& hold);
  // The attempt at `target` ended with this usage (known or not): settles its hold, adds the cost to
  // the request's total and journals what `journal` (the attempt's) has not written yet. Returns the
  // attempt's cost in nano-USD.
  std::int64_t settle(std::string_view target, accounting::Reservation& hold, const canonical::Usage& usage,
                      bool usage_known, const canonical::TokenPrice& price, AttemptJournal& journal);

  std::int64_t totalNanoUsd() const { return total_nano_usd_; }
  std::int64_t totalTokens() const { return total_tokens_; }
  // The request's token bound at a target: the prompt's bound plus outputBound().
  std::int64_t tokenEstimate(std::int64_t target_max_output) const;

 private:
  friend class AttemptJournal;
  // The most an answer may hold: the client's max_tokens, else the target's limit, else a default.
  std::int64_t outputBound(std::int64_t target_max_output) const;
  EconomicsState& economics_;
  Identity identity_;
  store::SpendJournals* journal_;
  bool budgeted_ = false;
  std::int64_t prompt_upper_ = 0;
  std::optional<std::int64_t> max_tokens_;
  std::int64_t total_nano_usd_ = 0;
  std::int64_t total_tokens_ = 0;
};

// 429 `budget_exceeded` in the client's dialect, naming the budget and when it resets, with
// Retry-After and x-switchyard-budget.
http::Response budgetExceeded(canonical::Dialect surface, std::string_view request_id,
                              const accounting::Refusal& refusal);
// 429 `rate_limit_exceeded` for a client key over its RPM/TPM, with Retry-After.
http::Response keyRateLimited(canonical::Dialect surface, std::string_view request_id, std::string_view key_id,
                              const accounting::RateDecision& decision);
// GET /admin/budgets: every budget (spent, reserved, limit, resets_at) and rate-limit bucket.
// `more_members`: further members of the top-level object, each with its leading comma (the
// providers' quota readings, which live with the targets: provider_quotas.h).
http::Response adminBudgets(const EconomicsState& economics, std::string_view more_members = {});

// "0.00012345": a USD amount as a plain decimal (no exponent), for x-switchyard-cost-usd.
std::string formatUsd(double usd);

}  // namespace switchyard::proxy
