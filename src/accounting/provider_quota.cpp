#include "accounting/provider_quota.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace switchyard::accounting {

namespace {

using std::chrono::nanoseconds;

enum Header : std::size_t {
  kOpenAiLimitRequests,
  kOpenAiRemainingRequests,
  kOpenAiResetRequests,
  kOpenAiLimitTokens,
  kOpenAiRemainingTokens,
  kOpenAiResetTokens,
  kAnthropicLimitRequests,
  kAnthropicRemainingRequests,
  kAnthropicResetRequests,
  kAnthropicLimitTokens,
  kAnthropicRemainingTokens,
  kAnthropicResetTokens,
  kRetryAfter,
  kRetryAfterMs,
};
static_assert(kRetryAfterMs + 1 == kQuotaHeaderNames.size());

constexpr auto kRelaxed = std::memory_order_relaxed;
constexpr double kMaxSeconds = 1e9;  // about 30 years: anything longer is not a reset time

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// A non-negative integer, the whole text.
std::optional<std::int64_t> parseCount(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : text) {
    if (!isDigit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// Digits with an optional fraction at the front of `text`, consumed.
std::optional<double> takeNumber(std::string_view& text) {
  std::size_t i = 0;
  double value = 0;
  bool digits = false;
  while (i < text.size() && isDigit(text[i])) {
    value = value * 10 + (text[i++] - '0');
    digits = true;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    double scale = 0.1;
    while (i < text.size() && isDigit(text[i])) {
      value += (text[i++] - '0') * scale;
      scale /= 10;
      digits = true;
    }
  }
  if (!digits) return std::nullopt;
  text.remove_prefix(i);
  return value;
}

// Exactly `count` digits at `text[at]`.
std::optional<int> fixedDigits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (!isDigit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::optional<SystemTime> civilTime(int year, int month, int day, int hour, int minute,
                                    int second) {
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;  // 60: leap second
  return SystemTime{std::chrono::sys_days{date}} + std::chrono::hours{hour} +
         std::chrono::minutes{minute} + std::chrono::seconds{second};
}

std::optional<SystemTime> after(SystemTime now, std::optional<nanoseconds> wait) {
  if (!wait) return std::nullopt;
  return now + std::chrono::duration_cast<SystemTime::duration>(*wait);
}

std::optional<nanoseconds> secondsToNanos(double seconds) {
  if (!(seconds >= 0 && seconds <= kMaxSeconds)) return std::nullopt;
  return nanoseconds{std::llround(seconds * 1e9)};
}

std::int64_t unixMs(SystemTime time) { return unixMillis(time); }

}  // namespace

std::optional<std::size_t> quotaHeaderIndex(std::string_view name) {
  // Every name starts with "x-", "a" or "r" and is 11 to 38 characters long.
  constexpr std::size_t kShortest = 11, kLongest = 38;
  static_assert(std::all_of(kQuotaHeaderNames.begin(), kQuotaHeaderNames.end(), [](std::string_view known) {
    return known.size() >= kShortest && known.size() <= kLongest &&
           (known.front() == 'x' || known.front() == 'a' || known.front() == 'r');
  }));
  if (name.size() < kShortest || name.size() > kLongest) return std::nullopt;
  const char first = static_cast<char>(name.front() | 0x20);  // ASCII lowercase
  if (first != 'x' && first != 'a' && first != 'r') return std::nullopt;
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; };
  for (std::size_t i = 0; i < kQuotaHeaderNames.size(); ++i) {
    const std::string_view known = kQuotaHeaderNames[i];
    if (known.size() == name.size() &&
        std::equal(known.begin(), known.end(), name.begin(), [&](char k, char c) { return k == lower(c); })) {
      return i;
    }
  }
  return std::nullopt;
}

std::optional<SystemTime> ProviderQuota::resetAt() const {
  std::optional<SystemTime> latest;
  for (const auto& time : {requests_reset_at, tokens_reset_at, retry_at}) {
    if (time && (!latest || *time > *latest)) latest = time;
  }
  return latest;
}

std::optional<nanoseconds> parseResetDuration(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  double seconds = 0;
  bool first = true;
  while (!text.empty()) {
    const std::optional<double> number = takeNumber(text);
    if (!number) return std::nullopt;
    double unit = 0;
    if (text.empty() && first) {
      unit = 1;  // a bare number: seconds
    } else if (text.starts_with("ms")) {
      unit = 1e-3, text.remove_prefix(2);
    } else if (text.starts_with("us")) {
      unit = 1e-6, text.remove_prefix(2);
    } else if (text.starts_with("\xC2\xB5s") || text.starts_with("\xCE\xBCs")) {  // µs, μs
      unit = 1e-6, text.remove_prefix(3);
    } else if (text.starts_with("ns")) {
      unit = 1e-9, text.remove_prefix(2);
    } else if (text.starts_with("h")) {
      unit = 3600, text.remove_prefix(1);
    } else if (text.starts_with("m")) {
      unit = 60, text.remove_prefix(1);
    } else if (text.starts_with("s")) {
      unit = 1, text.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    seconds += *number * unit;
    first = false;
  }
  return secondsToNanos(seconds);
}

std::optional<SystemTime> parseRfc3339(std::string_view text) {
  text = trim(text);
  // YYYY-MM-DDTHH:MM:SS
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  const auto year = fixedDigits(text, 0, 4), month = fixedDigits(text, 5, 2),
             day = fixedDigits(text, 8, 2);
  const auto hour = fixedDigits(text, 11, 2), minute = fixedDigits(text, 14, 2),
             second = fixedDigits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  std::optional<SystemTime> time = civilTime(*year, *month, *day, *hour, *minute, *second);
  if (!time) return std::nullopt;
  std::string_view rest = text.substr(19);
  if (rest.starts_with('.')) {
    std::size_t digits = 1;
    double fraction = 0, scale = 0.1;
    while (digits < rest.size() && isDigit(rest[digits])) {
      fraction += (rest[digits++] - '0') * scale;
      scale /= 10;
    }
    if (digits == 1) return std::nullopt;
    *time +=
        std::chrono::duration_cast<SystemTime::duration>(nanoseconds{std::llround(fraction * 1e9)});
    rest.remove_prefix(digits);
  }
  if (rest == "Z" || rest == "z") return time;
  if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':') return std::nullopt;
  const auto offset_hours = fixedDigits(rest, 1, 2), offset_minutes = fixedDigits(rest, 4, 2);
  if (!offset_hours || !offset_minutes || *offset_hours > 23 || *offset_minutes > 59)
    return std::nullopt;
  const auto offset = std::chrono::hours{*offset_hours} + std::chrono::minutes{*offset_minutes};
  return rest[0] == '+' ? *time - offset : *time + offset;
}

std::optional<SystemTime> parseHttpDate(std::string_view text) {
  // "Thu, 14 May 2026 12:00:30 GMT"
  text = trim(text);
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::string_view month_name = text.substr(8, 3);
  const auto month = std::find(std::begin(kMonths), std::end(kMonths), month_name);
  if (month == std::end(kMonths)) return std::nullopt;
  const auto day = fixedDigits(text, 5, 2), year = fixedDigits(text, 12, 4);
  const auto hour = fixedDigits(text, 17, 2), minute = fixedDigits(text, 20, 2),
             second = fixedDigits(text, 23, 2);
  if (!day || !year || !hour || !minute || !second) return std::nullopt;
  return civilTime(*year, static_cast<int>(month - std::begin(kMonths)) + 1, *day, *hour, *minute,
                   *second);
}

ProviderQuota parseQuota(const QuotaHeaderValues& values, SystemTime now) {
  ProviderQuota quota;
  // An OpenAI-style response carries only x-ratelimit-*, an Anthropic one only anthropic-*; when
  // both appear (a proxy in between), the OpenAI ones win.
  const auto either = [&](Header openai, Header anthropic) {
    const std::optional<std::int64_t> value = parseCount(values[openai]);
    return value ? value : parseCount(values[anthropic]);
  };
  const auto reset = [&](Header openai, Header anthropic) {
    const std::optional<SystemTime> value = after(now, parseResetDuration(values[openai]));
    return value ? value : parseRfc3339(values[anthropic]);
  };
  quota.limit_requests = either(kOpenAiLimitRequests, kAnthropicLimitRequests);
  quota.remaining_requests = either(kOpenAiRemainingRequests, kAnthropicRemainingRequests);
  quota.requests_reset_at = reset(kOpenAiResetRequests, kAnthropicResetRequests);
  quota.limit_tokens = either(kOpenAiLimitTokens, kAnthropicLimitTokens);
  quota.remaining_tokens = either(kOpenAiRemainingTokens, kAnthropicRemainingTokens);
  quota.tokens_reset_at = reset(kOpenAiResetTokens, kAnthropicResetTokens);

  std::string_view ms = values[kRetryAfterMs];
  if (const std::optional<double> number = takeNumber(ms); number && trim(ms).empty()) {
    quota.retry_at = after(now, secondsToNanos(*number / 1000));
  }
  if (!quota.retry_at) {
    std::string_view seconds = trim(values[kRetryAfter]);
    if (const std::optional<double> number = takeNumber(seconds); number && seconds.empty()) {
      quota.retry_at = after(now, secondsToNanos(*number));
    } else {
      quota.retry_at = parseHttpDate(values[kRetryAfter]);
    }
  }
  return quota;
}

void QuotaTracker::Dimension::update(std::optional<std::int64_t> limit,
                                     std::optional<std::int64_t> remaining_now,
                                     std::optional<SystemTime> reset_at, SystemTime now) {
  if (limit) maximum.store(*limit, kRelaxed);
  if (!remaining_now) return;
  if (!limit) {
    std::int64_t seen = maximum.load(kRelaxed);
    while (seen < *remaining_now &&
           !maximum.compare_exchange_weak(seen, *remaining_now, kRelaxed)) {
    }
  }
  remaining.store(*remaining_now, kRelaxed);
  until_ms.store(unixMs(reset_at ? *reset_at : now + kQuotaReadingLifetime), kRelaxed);
}

bool QuotaTracker::Dimension::near(std::int64_t now_ms, std::int64_t min_left) const {
  const std::int64_t left = remaining.load(kRelaxed);
  if (left < 0 || until_ms.load(kRelaxed) <= now_ms) return false;
  if (left < min_left) return true;
  const std::int64_t most = maximum.load(kRelaxed);
  return most > 0 && static_cast<double>(left) < kNearQuotaShare * static_cast<double>(most);
}

void QuotaTracker::update(const ProviderQuota& quota, SystemTime now) {
  requests_.update(quota.limit_requests, quota.remaining_requests, quota.requests_reset_at, now);
  tokens_.update(quota.limit_tokens, quota.remaining_tokens, quota.tokens_reset_at, now);
  if (quota.retry_at) retry_until_ms_.store(unixMs(*quota.retry_at), kRelaxed);
}

bool QuotaTracker::nearQuota(SystemTime now) const {
  const std::int64_t now_ms = unixMs(now);
  return retry_until_ms_.load(kRelaxed) > now_ms || requests_.near(now_ms, kNearQuotaRequests) ||
         tokens_.near(now_ms, 1);
}

QuotaTracker::Reading QuotaTracker::reading() const {
  const auto time = [](std::int64_t ms) -> std::optional<SystemTime> {
    if (ms <= 0) return std::nullopt;
    return SystemTime{std::chrono::milliseconds{ms}};
  };
  return Reading{.remaining_requests = requests_.remaining.load(kRelaxed),
                 .max_requests = requests_.maximum.load(kRelaxed),
                 .remaining_tokens = tokens_.remaining.load(kRelaxed),
                 .max_tokens = tokens_.maximum.load(kRelaxed),
                 .requests_until = time(requests_.until_ms.load(kRelaxed)),
                 .tokens_until = time(tokens_.until_ms.load(kRelaxed)),
                 .retry_until = time(retry_until_ms_.load(kRelaxed))};
}

}  // namespace switchyard::accounting
