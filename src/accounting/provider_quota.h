#pragma once
// What a provider says about its own rate limits, from the headers of any of its responses, and a
// per-target tracker that tells the planner when a target is nearly out of quota (so it can be
// demoted before it answers 429).
//
// Headers read (names lowercase):
//   OpenAI and compatibles (Azure, Groq, ...): x-ratelimit-{limit,remaining}-{requests,tokens};
//     x-ratelimit-reset-{requests,tokens} as a Go duration relative to now ("1s", "6m0s",
//     "59.627s", "20ms", "1h2m3s").
//   Anthropic: anthropic-ratelimit-{requests,tokens}-{limit,remaining}; ...-reset as an RFC 3339
//     instant ("2026-05-14T12:00:30Z"). The tokens-* headers are the most restrictive of the
//     input and output token limits, as Anthropic documents.
//   Any: retry-after (seconds, or an HTTP-date), retry-after-ms.
// A value that does not parse is ignored, as if absent.
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "accounting/calendar.h"

namespace switchyard::accounting {

// Defaults, documented in the README's rate limits section.
inline constexpr double kNearQuotaShare = 0.05;        // remaining below 5% of the largest seen
inline constexpr std::int64_t kNearQuotaRequests = 2;  // or fewer than 2 requests left
// How long a reading holds when the provider states no reset time.
inline constexpr std::chrono::seconds kQuotaReadingLifetime{60};

struct ProviderQuota {
  std::optional<std::int64_t> limit_requests;
  std::optional<std::int64_t> remaining_requests;
  std::optional<SystemTime> requests_reset_at;
  std::optional<std::int64_t> limit_tokens;
  std::optional<std::int64_t> remaining_tokens;
  std::optional<SystemTime> tokens_reset_at;
  std::optional<SystemTime> retry_at;  // from retry-after / retry-after-ms

  bool empty() const {
    return !limit_requests && !remaining_requests && !requests_reset_at && !limit_tokens &&
           !remaining_tokens && !tokens_reset_at && !retry_at;
  }
  // The latest of the stated resets (the time by which every stated limit has refilled).
  std::optional<SystemTime> resetAt() const;
};

// The headers parseQuota reads, in the order of QuotaHeaderValues.
inline constexpr std::array<std::string_view, 14> kQuotaHeaderNames = {
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-tokens",
    "anthropic-ratelimit-requests-limit",
    "anthropic-ratelimit-requests-remaining",
    "anthropic-ratelimit-requests-reset",
    "anthropic-ratelimit-tokens-limit",
    "anthropic-ratelimit-tokens-remaining",
    "anthropic-ratelimit-tokens-reset",
    "retry-after",
    "retry-after-ms",
};
// Which of kQuotaHeaderNames `name` is, in any letter case; nullopt for every other header. Cheap on
// the headers every response has (most are refused by their first letter or length), so a caller
// can scan a response's fields once and parse only when a quota header is there.
std::optional<std::size_t> quotaHeaderIndex(std::string_view name);

// Each header's value ("" when absent), indexed as kQuotaHeaderNames.
using QuotaHeaderValues = std::array<std::string_view, kQuotaHeaderNames.size()>;

// `now` is when the response arrived (relative resets and retry-after count from it).
ProviderQuota parseQuota(const QuotaHeaderValues& values, SystemTime now);

// The same from a header lookup: `header(name)` returns the value of the lowercase header `name`
// as a view that outlives the call (into the response), empty when absent (Beast:
// `[&](std::string_view n) { return response[n]; }`).
template <class Lookup>
ProviderQuota parseQuotaHeaders(Lookup&& header, SystemTime now) {
  QuotaHeaderValues values;
  for (std::size_t i = 0; i < kQuotaHeaderNames.size(); ++i)
    values[i] = header(kQuotaHeaderNames[i]);
  return parseQuota(values, now);
}

// The pieces, exposed for tests.
// A Go duration ("6m0s", "1.5s", "20ms", "1h2m3s", "0s"; also "us", "µs", "ns"); a bare number is
// seconds. nullopt for anything else.
std::optional<std::chrono::nanoseconds> parseResetDuration(std::string_view text);
// "2026-05-14T12:00:30Z", "2026-05-14T12:00:30.250+02:00" (T or space; Z or an offset).
std::optional<SystemTime> parseRfc3339(std::string_view text);
// "Thu, 14 May 2026 12:00:30 GMT" (RFC 9110 IMF-fixdate).
std::optional<SystemTime> parseHttpDate(std::string_view text);

// One target's latest reading. update() from the thread that read a response, nearQuota() from
// any planner: atomics, no lock; a reader may see one dimension from a newer response than the
// other, which a heuristic can afford.
class QuotaTracker {
 public:
  void update(const ProviderQuota& quota, SystemTime now);

  // True while the last reading said the target is nearly out: a retry-after not yet passed; or,
  // until that limit's reset time (or kQuotaReadingLifetime after the reading when none was
  // given), fewer than kNearQuotaRequests requests or no tokens left, or requests or tokens below
  // kNearQuotaShare of the largest value seen (the stated limit, else the most seen remaining).
  bool nearQuota(SystemTime now) const;

  struct Reading {  // for /admin; -1: unknown
    std::int64_t remaining_requests = -1, max_requests = -1;
    std::int64_t remaining_tokens = -1, max_tokens = -1;
    std::optional<SystemTime> requests_until, tokens_until, retry_until;
  };
  Reading reading() const;

 private:
  struct Dimension {
    std::atomic<std::int64_t> remaining{-1};
    std::atomic<std::int64_t> maximum{-1};
    std::atomic<std::int64_t> until_ms{0};  // unix milliseconds: the reading holds until then
    void update(std::optional<std::int64_t> limit, std::optional<std::int64_t> remaining,
                std::optional<SystemTime> reset_at, SystemTime now);
    bool near(std::int64_t now_ms, std::int64_t min_left) const;
  };
  Dimension requests_;
  Dimension tokens_;
  std::atomic<std::int64_t> retry_until_ms_{0};
};

}  // namespace switchyard::accounting
