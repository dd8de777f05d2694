#pragma once
// Spend limits that concurrent requests cannot overshoot: per client key, per route and
// gateway-wide, per UTC day and UTC calendar month, in USD (counted in nano-USD) and in tokens.
//
// The rule. Every budget has one counter, `committed` = spent + reserved, and a request must
// reserve its worst case (an upper bound of its prompt and the most output it may ask for, priced)
// on every budget that applies to it before it goes upstream. A reservation adds to `committed`
// only when committed + amount <= limit, in one compare-and-swap on that counter, so
// committed <= limit holds at every instant however many threads reserve at once; no mutex is
// taken. Across budgets a reservation is all-or-nothing: the budgets are reserved one by one and a
// refusal gives back what the earlier ones took. When the answer is in, settle() replaces the
// reservation by the actual cost (committed += actual - reserved); release() gives it all back.
// A budget can only go past its limit when an actual cost exceeds its reservation (the estimate
// was not an upper bound): overshoot() counts those settlements.
//
// Periods. A counter belongs to one period (a UTC day or calendar month, see calendar.h), stored
// in the same 64-bit word as the amount: the first reservation in a later period swaps in
// {new period, 0} with the same CAS, so no reservation can land in a period that has just been
// reset. A reservation made in period P settles against P: when the period has changed meanwhile,
// its settlement changes nothing in memory (P is over; the new period does not pay for it), just as
// the store dates the spend by the request's start (AuditRecord::time_ms). A thread whose clock
// reads a period earlier than the counter's (two workers reading the clock around midnight)
// reserves in the counter's period: a counter never goes back.
//
// Range. The word holds 48 bits of amount. A budget whose limit exceeds 2^47 units (USD budgets
// above about $140,000 a period) counts in quanta of 2^k units, rounding every amount up: still
// never over the limit, off by less than 2^k nano-USD (under $0.0001 for limits up to about
// $9 billion) per request.
//
// Thread-safety: reserve, settle, release, snapshot and overshoot may be called from any thread at
// once, lock-free. The ledger is immutable apart from its counters: a config reload builds a new
// one that takes over the previous one's counters (see the constructor). A Reservation must not
// outlive the ledger that made it (the request holds the config snapshot that holds the ledger).
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "accounting/calendar.h"
#include "config/config.h"

namespace switchyard::accounting {

inline constexpr std::int64_t kNanoUsdPerUsd = 1'000'000'000;

enum class Scope { Key, Route, Gateway };
enum class Unit { NanoUsd, Tokens };

const char* scopeName(Scope scope);  // "key" | "route" | "gateway" (the store's SpendTotal::scope)
std::optional<Scope> parseScope(std::string_view name);
const char* windowName(Window window);  // "day" | "month"
const char* unitName(Unit unit);        // "usd" | "tokens"

// Why a request was refused: the budget that cannot take its reservation. When several cannot,
// the one that resets last (so that resets_at is the earliest time a retry can succeed).
struct Refusal {
  std::string
      budget;  // "key team-a usd_per_day", "route chat tokens_per_month", "gateway usd_per_month"
  Scope scope = Scope::Gateway;
  std::string name;  // the key's or route's name; "" for the gateway
  Window window = Window::Day;
  Unit unit = Unit::NanoUsd;
  std::int64_t limit = 0;      // nano-USD or tokens
  std::int64_t committed = 0;  // spent + reserved when refused
  std::int64_t requested = 0;  // what this request asked of it
  SystemTime resets_at;        // the start of the next UTC day or month
};

// One budget as GET /admin/budgets shows it. spent + reserved = committed.
struct BudgetState {
  std::string budget;  // as in Refusal
  Scope scope = Scope::Gateway;
  std::string name;
  Window window = Window::Day;
  Unit unit = Unit::NanoUsd;
  std::string period;  // "2026-05-14" or "2026-05" (UTC)
  std::int64_t limit = 0;
  std::int64_t spent = 0;     // settled, plus what was loaded at start-up
  std::int64_t reserved = 0;  // held by requests in flight
  SystemTime resets_at;
};

// Spend so far in the current period, loaded at start-up (from Store::spendSince).
struct Spent {
  Scope scope = Scope::Gateway;
  std::string name;  // key name (the audit record's key_id) or route; ignored for the gateway
  std::int64_t nano_usd = 0;
  std::int64_t tokens = 0;
};

// Settlements whose actual cost exceeded the reservation, and by how much in total.
struct Overshoot {
  std::uint64_t settlements = 0;
  std::int64_t nano_usd = 0;
  std::int64_t tokens = 0;
};

namespace detail {
struct Budget;
struct Counter;
}  // namespace detail

class BudgetLedger;

// What one request holds on its budgets. Move-only; released when destroyed unsettled (RAII), so
// every exit path of a request gives its reservation back. Empty (holds nothing) when no budget
// applies; settle() and release() on an empty or settled reservation do nothing.
class Reservation {
 public:
  Reservation() = default;
  Reservation(Reservation&& other) noexcept;
  Reservation& operator=(Reservation&& other) noexcept;
  ~Reservation() { release(); }

  // Replaces the reservation by what the request actually cost, on every budget it holds (USD
  // budgets take actual_nano_usd, token budgets actual_tokens). Negative amounts count as 0.
  void settle(std::int64_t actual_nano_usd, std::int64_t actual_tokens);
  // Gives everything back (the request cost nothing: refused upstream before any token, ...).
  void release() { settle(0, 0); }

  bool active() const { return count_ > 0; }
  std::size_t budgets() const { return count_; }  // how many budgets it holds
  std::int64_t nanoUsd() const { return nano_usd_; }
  std::int64_t tokens() const { return tokens_; }

 private:
  friend class BudgetLedger;
  struct Hold {
    const detail::Budget* budget = nullptr;
    std::uint16_t period_tag = 0;  // the period it was reserved in (low 16 bits of the index)
    std::int64_t quanta = 0;       // what it holds, in the counter's quanta
  };
  static constexpr std::size_t kMaxHolds =
      12;  // {key, route, gateway} x {day, month} x {usd, tokens}

  BudgetLedger* ledger_ = nullptr;
  std::array<Hold, kMaxHolds> holds_{};
  std::size_t count_ = 0;
  std::int64_t nano_usd_ = 0;
  std::int64_t tokens_ = 0;
  bool holds_usd_ = false;
  bool holds_tokens_ = false;
};

// reserve()'s answer: a reservation (possibly empty), or the refusal.
struct ReserveResult {
  Reservation reservation;
  std::optional<Refusal> refusal;
  bool admitted() const { return !refusal.has_value(); }
};

class BudgetLedger {
 public:
  // Budgets from config: each key's `budget` (by ClientKey::name), `budgets.routes` and
  // `budgets.gateway`; a limit of 0 is no budget. Keys made through the store have none.
  // `previous` (a config reload): a budget that exists in both (same scope, name, window and unit)
  // keeps counting on the previous ledger's counter, shared, so spend and the reservations of
  // requests still in flight on the old ledger carry over; each ledger applies its own limits.
  // `now` dates the counters' first period.
  BudgetLedger(const config::Config& config, SystemTime now,
               const BudgetLedger* previous = nullptr);
  ~BudgetLedger();
  BudgetLedger(const BudgetLedger&) = delete;
  BudgetLedger& operator=(const BudgetLedger&) = delete;

  // False when no budget is configured: the caller can skip estimates and reservations entirely.
  bool any() const { return !budgets_.empty(); }
  // Whether any budget applies to a request of this key (name; "" anonymous) on this route.
  bool appliesTo(std::string_view key_name, std::string_view route) const;

  // Reserves `nano_usd` on every USD budget and `tokens` on every token budget of the key, the
  // route and the gateway, for the periods `now` falls in; all or nothing. An amount of 0 is
  // refused only by a budget already past its limit. Lock-free; never blocks.
  ReserveResult reserve(std::string_view key_name, std::string_view route, std::int64_t nano_usd,
                        std::int64_t tokens, SystemTime now);
  void settle(Reservation& reservation, std::int64_t actual_nano_usd, std::int64_t actual_tokens) {
    reservation.settle(actual_nano_usd, actual_tokens);
  }
  void release(Reservation& reservation) { reservation.release(); }

  // Start-up: adds what the store says was spent since the start of the current day (`today`)
  // and month (`this_month`) to the day and month budgets they name. Entries naming no budget are
  // ignored. Call before serving; it adds, so call it once.
  void load(std::span<const Spent> today, std::span<const Spent> this_month, SystemTime now);

  // Every budget, for the periods `now` falls in: keys in config order, then routes by name, then
  // the gateway; each as usd/day, usd/month, tokens/day, tokens/month.
  std::vector<BudgetState> snapshot(SystemTime now) const;
  Overshoot overshoot() const;

 private:
  friend class Reservation;
  using Group = std::vector<const detail::Budget*>;
  using Carried =
      std::map<std::string_view, const detail::Budget*>;  // the previous ledger's, by label

  void addBudgets(Scope scope, const std::string& name, const config::BudgetLimits& limits,
                  Group& group, const Carried& carried, SystemTime now);
  void recordOvershoot(std::int64_t nano_usd, std::int64_t tokens);
  // The budget, among `group`, that cannot take its amount and resets last (refusal reporting).
  Refusal refusalFor(std::span<const Group* const> groups, const detail::Budget& first,
                     std::int64_t nano_usd, std::int64_t tokens, SystemTime now) const;

  std::vector<std::unique_ptr<detail::Budget>> budgets_;  // snapshot order; stable addresses
  std::map<std::string, Group, std::less<>> keys_;
  std::map<std::string, Group, std::less<>> routes_;
  Group gateway_;

  std::atomic<std::uint64_t> overshoot_settlements_{0};
  std::atomic<std::int64_t> overshoot_nano_usd_{0};
  std::atomic<std::int64_t> overshoot_tokens_{0};
};

}  // namespace switchyard::accounting
