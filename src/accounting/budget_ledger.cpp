#include "accounting/budget_ledger.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <utility>

namespace switchyard::accounting {

namespace detail {

// A counter's word: the period's low 16 bits above a 48-bit amount, so that the period and the
// amount change in one CAS. 16 bits tell periods apart for 89 years of days (a counter untouched
// longer than that would be taken for a current one); the amount is in quanta of 2^shift units.
// `reserved` is the same shape and only informs snapshots; `committed` alone decides.
//
// Relaxed ordering throughout: each word is a self-contained value (its modification order is all
// the invariant needs) and publishes no other memory.
struct alignas(64) Counter {
  Counter(int shift_bits, std::uint64_t word)
      : shift(shift_bits), committed(word), reserved(word) {}
  const int shift;
  std::atomic<std::uint64_t> committed;
  std::atomic<std::uint64_t> reserved;
};

struct Budget {
  Scope scope = Scope::Gateway;
  std::string name;
  Window window = Window::Day;
  Unit unit = Unit::NanoUsd;
  std::string label;
  std::int64_t limit = 0;         // units
  std::int64_t limit_quanta = 0;  // limit >> shift, rounded down
  std::shared_ptr<Counter> counter;
};

}  // namespace detail

namespace {

using detail::Budget;
using detail::Counter;

constexpr int kAmountBits = 48;
constexpr std::uint64_t kAmountMask = (std::uint64_t{1} << kAmountBits) - 1;
constexpr int kLimitBits = kAmountBits - 1;  // room above the limit for overshoot and loaded spend
constexpr std::int64_t kMaxAmount = static_cast<std::int64_t>(kAmountMask);
constexpr auto kRelaxed = std::memory_order_relaxed;

std::uint16_t tagOf(std::int64_t period) { return static_cast<std::uint16_t>(period); }
std::uint16_t tagOfWord(std::uint64_t word) {
  return static_cast<std::uint16_t>(word >> kAmountBits);
}
std::int64_t amountOf(std::uint64_t word) { return static_cast<std::int64_t>(word & kAmountMask); }
std::uint64_t pack(std::uint16_t tag, std::int64_t amount) {
  return (std::uint64_t{tag} << kAmountBits) | static_cast<std::uint64_t>(amount);
}
// How many periods `a` is after `b` (negative: before), modulo 2^16.
int periodsAfter(std::uint16_t a, std::uint16_t b) {
  return static_cast<std::int16_t>(static_cast<std::uint16_t>(a - b));
}
std::int64_t clampAmount(std::int64_t amount) {
  return std::clamp<std::int64_t>(amount, 0, kMaxAmount);
}

int shiftFor(std::int64_t limit) {
  const int bits = std::bit_width(static_cast<std::uint64_t>(std::max<std::int64_t>(limit, 0)));
  return bits > kLimitBits ? bits - kLimitBits : 0;
}

// Units to quanta, rounded up (a reservation never holds less than it was asked).
std::int64_t quantaOf(std::int64_t units, int shift) {
  if (units <= 0) return 0;
  const std::int64_t rest = units & ((std::int64_t{1} << shift) - 1);
  return std::min((units >> shift) + (rest != 0 ? 1 : 0), kMaxAmount);
}
std::int64_t unitsOf(std::int64_t quanta, int shift) {
  if (quanta > (std::numeric_limits<std::int64_t>::max() >> shift)) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return quanta << shift;
}

std::int64_t nanoUsd(double usd) {
  const double nano = usd * static_cast<double>(kNanoUsdPerUsd);
  if (!(nano < 9.0e18)) return std::numeric_limits<std::int64_t>::max();
  return std::max<std::int64_t>(std::llround(nano), 0);
}

// The counter's amount in the period `tag`, as a reservation in that period sees it: a counter
// still in an earlier period holds nothing of it.
struct Seen {
  std::uint16_t tag;
  std::int64_t amount;
};
Seen seenAt(std::uint64_t word, std::uint16_t now_tag) {
  const std::uint16_t tag = tagOfWord(word);
  if (periodsAfter(now_tag, tag) > 0) return {now_tag, 0};
  return {tag, amountOf(word)};  // the same period, or a later one some thread's clock is in
}

// committed + quanta <= limit, or nothing. Returns the period tag reserved in.
std::optional<std::uint16_t> tryReserve(Counter& counter, std::uint16_t now_tag,
                                        std::int64_t quanta, std::int64_t limit_quanta) {
  std::uint64_t word = counter.committed.load(kRelaxed);
  while (true) {
    const Seen seen = seenAt(word, now_tag);
    if (quanta > limit_quanta || seen.amount > limit_quanta - quanta) return std::nullopt;
    if (counter.committed.compare_exchange_weak(word, pack(seen.tag, seen.amount + quanta),
                                                kRelaxed, kRelaxed)) {
      return seen.tag;
    }
  }
}

// Adds `delta` (either sign) to a word's amount if it is still in period `tag`; a word already in
// a later period is left alone (that period owes nothing to this one). With `start_period`, a word
// in an earlier period is first reset to `tag` (reservations and loads open a period; settlements
// never do).
void adjust(std::atomic<std::uint64_t>& atom, std::uint16_t tag, std::int64_t delta,
            bool start_period) {
  std::uint64_t word = atom.load(kRelaxed);
  while (true) {
    const int after = periodsAfter(tag, tagOfWord(word));
    if (after < 0 || (after > 0 && !start_period)) return;
    const std::int64_t amount = clampAmount((after > 0 ? 0 : amountOf(word)) + delta);
    if (atom.compare_exchange_weak(word, pack(tag, amount), kRelaxed, kRelaxed)) return;
  }
}

std::string labelOf(Scope scope, const std::string& name, Window window, Unit unit) {
  std::string label = scopeName(scope);
  if (scope != Scope::Gateway) label += " " + name;
  label += unit == Unit::NanoUsd ? " usd_per_" : " tokens_per_";
  label += windowName(window);
  return label;
}

std::int64_t periodOf(Window window, std::uint16_t tag, SystemTime now) {
  const std::int64_t now_period = periodIndex(window, now);
  return now_period + periodsAfter(tag, tagOf(now_period));
}

}  // namespace

const char* scopeName(Scope scope) {
  switch (scope) {
    case Scope::Key:
      return "key";
    case Scope::Route:
      return "route";
    case Scope::Gateway:
      return "gateway";
  }
  return "gateway";
}

std::optional<Scope> parseScope(std::string_view name) {
  if (name == "key") return Scope::Key;
  if (name == "route") return Scope::Route;
  if (name == "gateway") return Scope::Gateway;
  return std::nullopt;
}

const char* windowName(Window window) { return window == Window::Day ? "day" : "month"; }
const char* unitName(Unit unit) { return unit == Unit::NanoUsd ? "usd" : "tokens"; }

// --- Reservation ---

Reservation::Reservation(Reservation&& other) noexcept
    : ledger_(std::exchange(other.ledger_, nullptr)),
      holds_(other.holds_),
      count_(std::exchange(other.count_, 0)),
      nano_usd_(other.nano_usd_),
      tokens_(other.tokens_),
      holds_usd_(other.holds_usd_),
      holds_tokens_(other.holds_tokens_) {}

Reservation& Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    release();
    ledger_ = std::exchange(other.ledger_, nullptr);
    holds_ = other.holds_;
    count_ = std::exchange(other.count_, 0);
    nano_usd_ = other.nano_usd_;
    tokens_ = other.tokens_;
    holds_usd_ = other.holds_usd_;
    holds_tokens_ = other.holds_tokens_;
  }
  return *this;
}

void Reservation::settle(std::int64_t actual_nano_usd, std::int64_t actual_tokens) {
  if (count_ == 0) return;
  actual_nano_usd = std::max<std::int64_t>(actual_nano_usd, 0);
  actual_tokens = std::max<std::int64_t>(actual_tokens, 0);
  for (std::size_t i = 0; i < count_; ++i) {
    const Hold& hold = holds_[i];
    Counter& counter = *hold.budget->counter;
    const std::int64_t actual =
        hold.budget->unit == Unit::NanoUsd ? actual_nano_usd : actual_tokens;
    const std::int64_t delta = quantaOf(actual, counter.shift) - hold.quanta;
    if (delta != 0) adjust(counter.committed, hold.period_tag, delta, false);
    if (hold.quanta != 0) adjust(counter.reserved, hold.period_tag, -hold.quanta, false);
  }
  const std::int64_t over_usd =
      holds_usd_ ? std::max<std::int64_t>(actual_nano_usd - nano_usd_, 0) : 0;
  const std::int64_t over_tokens =
      holds_tokens_ ? std::max<std::int64_t>(actual_tokens - tokens_, 0) : 0;
  if (over_usd > 0 || over_tokens > 0) ledger_->recordOvershoot(over_usd, over_tokens);
  count_ = 0;
}

// --- BudgetLedger ---

BudgetLedger::BudgetLedger(const config::Config& config, SystemTime now,
                           const BudgetLedger* previous) {
  Carried carried;
  if (previous) {
    for (const auto& budget : previous->budgets_) carried.emplace(budget->label, budget.get());
  }
  for (const config::ClientKey& key : config.keys) {
    if (!key.budget.any() || keys_.contains(key.name)) continue;
    addBudgets(Scope::Key, key.name, key.budget, keys_[key.name], carried, now);
  }
  for (const auto& [route, limits] : config.budgets.routes) {
    if (!limits.any()) continue;
    addBudgets(Scope::Route, route, limits, routes_[route], carried, now);
  }
  addBudgets(Scope::Gateway, "", config.budgets.gateway, gateway_, carried, now);
}

BudgetLedger::~BudgetLedger() = default;

void BudgetLedger::addBudgets(Scope scope, const std::string& name,
                              const config::BudgetLimits& limits, Group& group,
                              const Carried& carried, SystemTime now) {
  const std::pair<Window, Unit> kinds[] = {{Window::Day, Unit::NanoUsd},
                                           {Window::Month, Unit::NanoUsd},
                                           {Window::Day, Unit::Tokens},
                                           {Window::Month, Unit::Tokens}};
  const std::int64_t amounts[] = {nanoUsd(limits.usd_per_day), nanoUsd(limits.usd_per_month),
                                  limits.tokens_per_day, limits.tokens_per_month};
  const bool set[] = {limits.usd_per_day > 0, limits.usd_per_month > 0, limits.tokens_per_day > 0,
                      limits.tokens_per_month > 0};
  for (std::size_t i = 0; i < std::size(kinds); ++i) {
    if (!set[i]) continue;
    auto budget = std::make_unique<Budget>();
    budget->scope = scope;
    budget->name = name;
    budget->window = kinds[i].first;
    budget->unit = kinds[i].second;
    budget->label = labelOf(scope, name, budget->window, budget->unit);
    budget->limit = std::max<std::int64_t>(amounts[i], 0);
    const int shift = shiftFor(budget->limit);
    budget->limit_quanta = budget->limit >> shift;

    const auto found = carried.find(budget->label);
    const Budget* old = found != carried.end() ? found->second : nullptr;
    if (old && old->counter->shift == shift) {
      budget->counter = old->counter;
    } else {
      const std::uint16_t tag = tagOf(periodIndex(budget->window, now));
      budget->counter = std::make_shared<Counter>(shift, pack(tag, 0));
      if (old) {
        // The limit crossed the exact range: carry the amounts over in the new quanta. The old
        // ledger's requests in flight settle on its counter (a rare, small undercount).
        for (auto [from, to] : {std::pair{&old->counter->committed, &budget->counter->committed},
                                std::pair{&old->counter->reserved, &budget->counter->reserved}}) {
          const std::uint64_t word = from->load(kRelaxed);
          const std::int64_t units = unitsOf(amountOf(word), old->counter->shift);
          to->store(pack(tagOfWord(word), quantaOf(units, shift)), kRelaxed);
        }
      }
    }
    group.push_back(budget.get());
    budgets_.push_back(std::move(budget));
  }
}

bool BudgetLedger::appliesTo(std::string_view key_name, std::string_view route) const {
  return !gateway_.empty() || (!key_name.empty() && keys_.find(key_name) != keys_.end()) ||
         routes_.find(route) != routes_.end();
}

ReserveResult BudgetLedger::reserve(std::string_view key_name, std::string_view route,
                                    std::int64_t nano_usd, std::int64_t tokens, SystemTime now) {
  ReserveResult result;
  nano_usd = std::max<std::int64_t>(nano_usd, 0);
  tokens = std::max<std::int64_t>(tokens, 0);
  std::array<const Group*, 3> groups{};
  std::size_t group_count = 0;
  if (!key_name.empty()) {
    if (const auto found = keys_.find(key_name); found != keys_.end())
      groups[group_count++] = &found->second;
  }
  if (const auto found = routes_.find(route); found != routes_.end())
    groups[group_count++] = &found->second;
  if (!gateway_.empty()) groups[group_count++] = &gateway_;
  if (group_count == 0) return result;

  const std::uint16_t day_tag = tagOf(periodIndex(Window::Day, now));
  const std::uint16_t month_tag = tagOf(periodIndex(Window::Month, now));
  Reservation& reservation = result.reservation;
  reservation.ledger_ = this;
  reservation.nano_usd_ = nano_usd;
  reservation.tokens_ = tokens;
  for (std::size_t g = 0; g < group_count; ++g) {
    for (const Budget* budget : *groups[g]) {
      Counter& counter = *budget->counter;
      const std::int64_t quanta =
          quantaOf(budget->unit == Unit::NanoUsd ? nano_usd : tokens, counter.shift);
      const std::uint16_t now_tag = budget->window == Window::Day ? day_tag : month_tag;
      const std::optional<std::uint16_t> tag =
          tryReserve(counter, now_tag, quanta, budget->limit_quanta);
      if (!tag) {
        reservation.release();  // gives back what the earlier budgets took
        result.refusal =
            refusalFor(std::span(groups.data(), group_count), *budget, nano_usd, tokens, now);
        return result;
      }
      if (quanta != 0) adjust(counter.reserved, *tag, quanta, true);
      reservation.holds_[reservation.count_++] = {budget, *tag, quanta};
      (budget->unit == Unit::NanoUsd ? reservation.holds_usd_ : reservation.holds_tokens_) = true;
    }
  }
  return result;
}

Refusal BudgetLedger::refusalFor(std::span<const Group* const> groups, const Budget& first,
                                 std::int64_t nano_usd, std::int64_t tokens, SystemTime now) const {
  // Read-only: of the budgets that cannot take their amount now, the one that resets last.
  const Budget* chosen = nullptr;
  std::int64_t chosen_committed = 0;
  SystemTime chosen_reset;
  for (const Group* group : groups) {
    for (const Budget* budget : *group) {
      const Counter& counter = *budget->counter;
      const std::int64_t quanta =
          quantaOf(budget->unit == Unit::NanoUsd ? nano_usd : tokens, counter.shift);
      const Seen seen =
          seenAt(counter.committed.load(kRelaxed), tagOf(periodIndex(budget->window, now)));
      const bool refuses =
          quanta > budget->limit_quanta || seen.amount > budget->limit_quanta - quanta;
      if (!refuses && budget != &first) continue;
      const SystemTime reset = periodEnd(budget->window, periodOf(budget->window, seen.tag, now));
      if (!chosen || reset > chosen_reset) {
        chosen = budget;
        chosen_committed = unitsOf(seen.amount, counter.shift);
        chosen_reset = reset;
      }
    }
  }
  return Refusal{.budget = chosen->label,
                 .scope = chosen->scope,
                 .name = chosen->name,
                 .window = chosen->window,
                 .unit = chosen->unit,
                 .limit = chosen->limit,
                 .committed = chosen_committed,
                 .requested = chosen->unit == Unit::NanoUsd ? nano_usd : tokens,
                 .resets_at = chosen_reset};
}

void BudgetLedger::load(std::span<const Spent> today, std::span<const Spent> this_month,
                        SystemTime now) {
  for (const auto& [window, entries] :
       {std::pair{Window::Day, today}, std::pair{Window::Month, this_month}}) {
    const std::uint16_t tag = tagOf(periodIndex(window, now));
    for (const Spent& spent : entries) {
      const Group* group = nullptr;
      if (spent.scope == Scope::Gateway) {
        group = &gateway_;
      } else {
        const auto& groups = spent.scope == Scope::Key ? keys_ : routes_;
        if (const auto found = groups.find(spent.name); found != groups.end())
          group = &found->second;
      }
      if (!group) continue;
      for (const Budget* budget : *group) {
        if (budget->window != window) continue;
        const std::int64_t units = budget->unit == Unit::NanoUsd ? spent.nano_usd : spent.tokens;
        adjust(budget->counter->committed, tag, quantaOf(units, budget->counter->shift), true);
      }
    }
  }
}

std::vector<BudgetState> BudgetLedger::snapshot(SystemTime now) const {
  std::vector<BudgetState> states;
  states.reserve(budgets_.size());
  for (const auto& owned : budgets_) {
    const Budget* budget = owned.get();
    const Counter& counter = *budget->counter;
    const std::uint16_t now_tag = tagOf(periodIndex(budget->window, now));
    const Seen committed = seenAt(counter.committed.load(kRelaxed), now_tag);
    const std::uint64_t reserved_word = counter.reserved.load(kRelaxed);
    // The two words are read one after the other: keep reserved within committed.
    const std::int64_t reserved = tagOfWord(reserved_word) == committed.tag
                                      ? std::min(amountOf(reserved_word), committed.amount)
                                      : 0;
    const std::int64_t period = periodOf(budget->window, committed.tag, now);
    states.push_back(BudgetState{.budget = budget->label,
                                 .scope = budget->scope,
                                 .name = budget->name,
                                 .window = budget->window,
                                 .unit = budget->unit,
                                 .period = periodLabel(budget->window, period),
                                 .limit = budget->limit,
                                 .spent = unitsOf(committed.amount - reserved, counter.shift),
                                 .reserved = unitsOf(reserved, counter.shift),
                                 .resets_at = periodEnd(budget->window, period)});
  }
  return states;
}

void BudgetLedger::recordOvershoot(std::int64_t nano_usd, std::int64_t tokens) {
  overshoot_settlements_.fetch_add(1, kRelaxed);
  overshoot_nano_usd_.fetch_add(nano_usd, kRelaxed);
  overshoot_tokens_.fetch_add(tokens, kRelaxed);
}

Overshoot BudgetLedger::overshoot() const {
  return Overshoot{.settlements = overshoot_settlements_.load(kRelaxed),
                   .nano_usd = overshoot_nano_usd_.load(kRelaxed),
                   .tokens = overshoot_tokens_.load(kRelaxed)};
}

}  // namespace switchyard::accounting
