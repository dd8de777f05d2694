#include "accounting/rate_limiter.h"

#include <algorithm>
#include <limits>
#include <map>

namespace switchyard::accounting {

namespace {

using Nanos = std::chrono::nanoseconds;
__extension__ typedef __int128
    Wide;  // units * window in nanoseconds: TPM limits reach 10^8 and more
constexpr std::int64_t kWindowNs = std::chrono::duration_cast<Nanos>(kRateWindow).count();
// Caps that keep the arithmetic in range: no request holds 10^8 tokens, and no debt lasts a year.
constexpr std::int64_t kMaxUnits = 100'000'000;
constexpr std::int64_t kMaxCostNs = std::int64_t{365} * 24 * 3600 * 1'000'000'000;
constexpr std::int64_t kFarPast = std::numeric_limits<std::int64_t>::min() / 4;
constexpr auto kRelaxed = std::memory_order_relaxed;

std::int64_t nanosOf(SteadyTime time) {
  return std::chrono::duration_cast<Nanos>(time.time_since_epoch()).count();
}

// One limit. `tat` (theoretical arrival time): the instant the bucket is full again; a request of
// cost c fits when tat' = max(tat, now) + c is at most one window after now.
struct Gcra {
  std::int64_t limit = 0;  // per window; 0: no limit
  std::atomic<std::int64_t> tat{kFarPast};

  // How much of the window `units` take, rounded up (charges) or down (refunds).
  std::int64_t cost(std::int64_t units, bool round_up) const {
    const Wide scaled = Wide{std::min(units, kMaxUnits)} * kWindowNs;
    const Wide cost = scaled / limit + (round_up && scaled % limit != 0 ? 1 : 0);
    return static_cast<std::int64_t>(std::min<Wide>(cost, kMaxCostNs));
  }

  // What a full bucket holds, in time: the window, plus `limit` nanoseconds for the rounding up of
  // each charge (under a nanosecond each, and a full bucket holds at most `limit` charges of one
  // unit or more), so that a whole minute's worth always passes at once.
  std::int64_t capacity() const { return kWindowNs + limit; }

  // Takes `units`; on refusal returns the wait in nanoseconds, else 0 and `charged` set.
  std::int64_t take(std::int64_t units, std::int64_t now, std::int64_t& charged) {
    const std::int64_t cost = this->cost(units, true);
    std::int64_t tat_seen = tat.load(kRelaxed);
    while (true) {
      const std::int64_t next = std::max(tat_seen, now) + cost;
      if (next - now > capacity()) {
        // Larger than a full bucket: wait until full, then go into debt.
        if (cost > capacity()) {
          if (tat_seen > now) return tat_seen - now;
        } else {
          return next - capacity() - now;
        }
      }
      if (tat.compare_exchange_weak(tat_seen, next, kRelaxed, kRelaxed)) {
        charged = cost;
        return 0;
      }
    }
  }
  // Undoes a take(): max(tat, now) + cost - cost behaves as the old tat from `now` on.
  void untake(std::int64_t charged) { tat.fetch_sub(charged, kRelaxed); }

  void charge(std::int64_t units, std::int64_t now) {
    const std::int64_t cost = this->cost(units, true);
    std::int64_t tat_seen = tat.load(kRelaxed);
    while (
        !tat.compare_exchange_weak(tat_seen, std::max(tat_seen, now) + cost, kRelaxed, kRelaxed)) {
    }
  }
  void refund(std::int64_t units) { tat.fetch_sub(cost(units, false), kRelaxed); }

  double available(std::int64_t now) const {
    const std::int64_t debt = std::max<std::int64_t>(tat.load(kRelaxed) - now, 0);
    return static_cast<double>(limit) * static_cast<double>(kWindowNs - debt) /
           static_cast<double>(kWindowNs);
  }
};

std::int64_t stricter(std::int64_t a, std::int64_t b) {
  if (a <= 0) return b;
  if (b <= 0) return a;
  return std::min(a, b);
}

}  // namespace

struct RateLimiter::Bucket {
  Gcra requests;
  Gcra tokens;
};

const char* rateKindName(RateKind kind) { return kind == RateKind::Requests ? "rpm" : "tpm"; }

std::vector<RateLimitEntry> keyRateLimits(const config::Config& config) {
  std::vector<RateLimitEntry> entries;
  for (const config::ClientKey& key : config.keys) {
    if (key.limits.rpm > 0 || key.limits.tpm > 0) entries.push_back({key.name, key.limits});
  }
  return entries;
}

std::vector<RateLimitEntry> targetRateLimits(const config::Config& config) {
  std::vector<RateLimitEntry> entries;
  const auto add = [&entries](const std::vector<config::Target>& targets) {
    for (const config::Target& target : targets) {
      if (target.limits.rpm > 0 || target.limits.tpm > 0)
        entries.push_back({target.id(), target.limits});
    }
  };
  for (const config::Route& route : config.routes) {
    add(route.targets);
    for (const config::RouteRule& rule : route.rules) add(rule.targets);
  }
  return entries;  // duplicates are merged by the constructor
}

RateLimiter::RateLimiter(const std::vector<RateLimitEntry>& entries, const RateLimiter* previous) {
  std::map<std::string_view, config::RateLimits> merged;
  for (const RateLimitEntry& entry : entries) {
    if (entry.limits.rpm <= 0 && entry.limits.tpm <= 0) continue;
    auto [it, inserted] = merged.try_emplace(entry.id, entry.limits);
    if (!inserted) {
      it->second.rpm = stricter(it->second.rpm, entry.limits.rpm);
      it->second.tpm = stricter(it->second.tpm, entry.limits.tpm);
    }
  }
  for (const auto& [id, limits] : merged) {
    auto bucket = std::make_unique<Bucket>();
    bucket->requests.limit = std::max<std::int64_t>(limits.rpm, 0);
    bucket->tokens.limit = std::max<std::int64_t>(limits.tpm, 0);
    // The fill level is the debt tat - now, in time: it means the same share of the bucket under
    // a changed limit.
    if (const Bucket* old = previous ? previous->find(id) : nullptr) {
      if (old->requests.limit > 0)
        bucket->requests.tat.store(old->requests.tat.load(kRelaxed), kRelaxed);
      if (old->tokens.limit > 0) bucket->tokens.tat.store(old->tokens.tat.load(kRelaxed), kRelaxed);
    }
    buckets_.emplace(std::string(id), std::move(bucket));
  }
}

RateLimiter::~RateLimiter() = default;

RateLimiter::Bucket* RateLimiter::find(std::string_view id) const {
  const auto found = buckets_.find(id);
  return found == buckets_.end() ? nullptr : found->second.get();
}

RateDecision RateLimiter::admit(std::string_view id, std::int64_t tokens_estimate, SteadyTime now) {
  Bucket* bucket = find(id);
  if (!bucket) return {};
  const std::int64_t now_ns = nanosOf(now);
  const auto refused = [](std::int64_t wait_ns, RateKind kind) {
    return RateDecision{.admitted = false,
                        .retry_after = std::chrono::ceil<std::chrono::milliseconds>(Nanos{wait_ns}),
                        .limited_by = kind};
  };
  std::int64_t requests_charged = 0;
  if (bucket->requests.limit > 0) {
    if (const std::int64_t wait = bucket->requests.take(1, now_ns, requests_charged); wait > 0) {
      return refused(wait, RateKind::Requests);
    }
  }
  if (bucket->tokens.limit > 0) {
    std::int64_t tokens_charged = 0;
    const std::int64_t units = std::max<std::int64_t>(tokens_estimate, 0);
    if (const std::int64_t wait = bucket->tokens.take(units, now_ns, tokens_charged); wait > 0) {
      if (requests_charged > 0) bucket->requests.untake(requests_charged);
      return refused(wait, RateKind::Tokens);
    }
  }
  return {};
}

void RateLimiter::correct(std::string_view id, std::int64_t estimated, std::int64_t actual,
                          SteadyTime now) {
  Bucket* bucket = find(id);
  if (!bucket || bucket->tokens.limit <= 0) return;
  const std::int64_t difference =
      std::max<std::int64_t>(actual, 0) - std::max<std::int64_t>(estimated, 0);
  if (difference > 0) bucket->tokens.charge(difference, nanosOf(now));
  if (difference < 0) bucket->tokens.refund(-difference);
}

std::vector<RateLimiter::BucketState> RateLimiter::snapshot(SteadyTime now) const {
  std::vector<BucketState> states;
  const std::int64_t now_ns = nanosOf(now);
  for (const auto& [id, bucket] : buckets_) {
    states.push_back(
        {.id = id,
         .limits = {.rpm = bucket->requests.limit, .tpm = bucket->tokens.limit},
         .requests_available = bucket->requests.limit > 0 ? bucket->requests.available(now_ns) : 0,
         .tokens_available = bucket->tokens.limit > 0 ? bucket->tokens.available(now_ns) : 0});
  }
  std::sort(states.begin(), states.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return states;
}

}  // namespace switchyard::accounting
