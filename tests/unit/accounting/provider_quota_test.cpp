#include "accounting/provider_quota.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

namespace switchyard::accounting {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

const SystemTime kNow = SystemTime{sys_days{2026y / May / 14}} + 12h;

ProviderQuota parse(const std::map<std::string, std::string>& headers, SystemTime now = kNow) {
  return parseQuotaHeaders(
      [&](std::string_view name) -> std::string_view {
        const auto found = headers.find(std::string(name));
        return found == headers.end() ? std::string_view() : std::string_view(found->second);
      },
      now);
}

TEST(QuotaHeaderIndex, FindsEveryQuotaHeaderInAnyCaseAndNothingElse) {
  for (std::size_t i = 0; i < kQuotaHeaderNames.size(); ++i) EXPECT_EQ(quotaHeaderIndex(kQuotaHeaderNames[i]), i);
  EXPECT_EQ(quotaHeaderIndex("X-RateLimit-Remaining-Requests"), 1u);
  EXPECT_EQ(quotaHeaderIndex("Retry-After"), 12u);
  EXPECT_EQ(quotaHeaderIndex("Anthropic-Ratelimit-Tokens-Reset"), 11u);
  for (const char* other : {"x-request-id", "content-type", "anthropic-organization-id", "retry-after-s",
                            "x-ratelimit-remaining", "x-ratelimit-remaining-requests2", "", "r",
                            "anthropic-ratelimit-input-tokens-remaining"}) {
    EXPECT_EQ(quotaHeaderIndex(other), std::nullopt) << other;
  }
}

TEST(ResetDuration, ReadsGoDurationsAsOpenAiWritesThem) {
  EXPECT_EQ(parseResetDuration("1s"), 1s);
  EXPECT_EQ(parseResetDuration("6m0s"), 6min);
  EXPECT_EQ(parseResetDuration("20ms"), 20ms);
  EXPECT_EQ(parseResetDuration("59.627s"), 59627ms);
  EXPECT_EQ(parseResetDuration("2m59.56s"), 179560ms);
  EXPECT_EQ(parseResetDuration("1h2m3s"), 3723s);
  EXPECT_EQ(parseResetDuration("0s"), 0s);
  EXPECT_EQ(parseResetDuration("7.66s"), 7660ms);
  EXPECT_EQ(parseResetDuration("150us"), 150us);
  EXPECT_EQ(parseResetDuration("150\xC2\xB5s"), 150us);
  EXPECT_EQ(parseResetDuration("5ns"), 5ns);
  EXPECT_EQ(parseResetDuration(" 3 "), 3s);  // a bare number: seconds
}

TEST(ResetDuration, RefusesWhatIsNotADuration) {
  for (const char* text : {"", "s", "1x", "-1s", "1s2", "1.s.", "abc", "1e3s", "99999999999h"}) {
    EXPECT_EQ(parseResetDuration(text), std::nullopt) << text;
  }
}

TEST(Rfc3339, ReadsUtcOffsetsAndFractions) {
  const SystemTime base = SystemTime{sys_days{2026y / May / 14}} + 12h + 30s;
  EXPECT_EQ(parseRfc3339("2026-05-14T12:00:30Z"), base);
  EXPECT_EQ(parseRfc3339("2026-05-14t12:00:30z"), base);
  EXPECT_EQ(parseRfc3339("2026-05-14 12:00:30Z"), base);
  EXPECT_EQ(parseRfc3339("2026-05-14T12:00:30.250Z"), base + 250ms);
  EXPECT_EQ(parseRfc3339("2026-05-14T14:00:30+02:00"), base);
  EXPECT_EQ(parseRfc3339("2026-05-14T07:30:30-04:30"), base);
  EXPECT_EQ(parseRfc3339("2024-02-29T00:00:00Z"), SystemTime{sys_days{2024y / February / 29}});
}

TEST(Rfc3339, RefusesMalformedOrImpossibleTimes) {
  for (const char* text :
       {"", "2026-05-14", "2026-05-14T12:00:30", "2026-02-30T00:00:00Z", "2026-05-14T24:00:00Z",
        "2026-05-14T12:00:30.Z", "2026-05-14T12:00:30+0200", "2026/05/14T12:00:30Z",
        "2026-05-14T12:00:30Zjunk"}) {
    EXPECT_EQ(parseRfc3339(text), std::nullopt) << text;
  }
}

TEST(HttpDate, ReadsImfFixdate) {
  EXPECT_EQ(parseHttpDate("Thu, 14 May 2026 12:00:30 GMT"),
            SystemTime{sys_days{2026y / May / 14}} + 12h + 30s);
  EXPECT_EQ(parseHttpDate("Thu, 14 Mai 2026 12:00:30 GMT"), std::nullopt);
  EXPECT_EQ(parseHttpDate("Thursday, 14-May-26 12:00:30 GMT"), std::nullopt);
}

TEST(ProviderQuota, ReadsOpenAiHeaders) {
  const ProviderQuota quota = parse({{"x-ratelimit-limit-requests", "10000"},
                                     {"x-ratelimit-remaining-requests", "9999"},
                                     {"x-ratelimit-reset-requests", "6ms"},
                                     {"x-ratelimit-limit-tokens", "2000000"},
                                     {"x-ratelimit-remaining-tokens", "1999750"},
                                     {"x-ratelimit-reset-tokens", "6m0s"}});
  EXPECT_EQ(quota.limit_requests, 10000);
  EXPECT_EQ(quota.remaining_requests, 9999);
  EXPECT_EQ(quota.requests_reset_at, kNow + 6ms);
  EXPECT_EQ(quota.limit_tokens, 2'000'000);
  EXPECT_EQ(quota.remaining_tokens, 1'999'750);
  EXPECT_EQ(quota.tokens_reset_at, kNow + 6min);
  EXPECT_EQ(quota.retry_at, std::nullopt);
  EXPECT_EQ(quota.resetAt(), kNow + 6min);
}

TEST(ProviderQuota, ReadsAnthropicHeaders) {
  const ProviderQuota quota = parse({{"anthropic-ratelimit-requests-limit", "50"},
                                     {"anthropic-ratelimit-requests-remaining", "49"},
                                     {"anthropic-ratelimit-requests-reset", "2026-05-14T12:00:01Z"},
                                     {"anthropic-ratelimit-tokens-limit", "80000"},
                                     {"anthropic-ratelimit-tokens-remaining", "79000"},
                                     {"anthropic-ratelimit-tokens-reset", "2026-05-14T12:00:45Z"},
                                     {"retry-after", "7"}});
  EXPECT_EQ(quota.limit_requests, 50);
  EXPECT_EQ(quota.remaining_requests, 49);
  EXPECT_EQ(quota.requests_reset_at, kNow + 1s);
  EXPECT_EQ(quota.limit_tokens, 80'000);
  EXPECT_EQ(quota.remaining_tokens, 79'000);
  EXPECT_EQ(quota.tokens_reset_at, kNow + 45s);
  EXPECT_EQ(quota.retry_at, kNow + 7s);
  EXPECT_EQ(quota.resetAt(), kNow + 45s);
}

TEST(ProviderQuota, ReadsRetryAfterInSecondsMillisecondsOrAsADate) {
  EXPECT_EQ(parse({{"retry-after", "1.5"}}).retry_at, kNow + 1500ms);
  EXPECT_EQ(parse({{"retry-after", "Thu, 14 May 2026 12:01:00 GMT"}}).retry_at, kNow + 1min);
  EXPECT_EQ(parse({{"retry-after", "2"}, {"retry-after-ms", "250"}}).retry_at, kNow + 250ms);
  EXPECT_EQ(parse({{"retry-after", "soon"}}).retry_at, std::nullopt);
}

TEST(ProviderQuota, IgnoresValuesThatDoNotParse) {
  const ProviderQuota quota = parse({{"x-ratelimit-remaining-requests", "many"},
                                     {"x-ratelimit-remaining-tokens", "-5"},
                                     {"x-ratelimit-reset-requests", "tomorrow"},
                                     {"anthropic-ratelimit-tokens-reset", "2026-13-01T00:00:00Z"}});
  EXPECT_TRUE(quota.empty());
  EXPECT_TRUE(parse({}).empty());
  EXPECT_EQ(parse({}).resetAt(), std::nullopt);
}

TEST(QuotaTracker, NothingSeenIsNotNearQuota) {
  QuotaTracker tracker;
  EXPECT_FALSE(tracker.nearQuota(kNow));
  tracker.update(parse({}), kNow);
  EXPECT_FALSE(tracker.nearQuota(kNow));
}

TEST(QuotaTracker, RemainingBelowFivePercentOfTheLimitIsNearQuotaUntilTheReset) {
  QuotaTracker tracker;
  tracker.update(parse({{"x-ratelimit-limit-tokens", "100000"},
                        {"x-ratelimit-remaining-tokens", "5000"},
                        {"x-ratelimit-reset-tokens", "30s"}}),
                 kNow);
  EXPECT_FALSE(tracker.nearQuota(kNow));  // exactly 5%: not below
  tracker.update(parse({{"x-ratelimit-limit-tokens", "100000"},
                        {"x-ratelimit-remaining-tokens", "4999"},
                        {"x-ratelimit-reset-tokens", "30s"}}),
                 kNow);
  EXPECT_TRUE(tracker.nearQuota(kNow));
  EXPECT_TRUE(tracker.nearQuota(kNow + 29s));
  EXPECT_FALSE(tracker.nearQuota(kNow + 30s));
}

TEST(QuotaTracker, FewerThanTwoRequestsLeftIsNearQuota) {
  QuotaTracker tracker;
  tracker.update(parse({{"anthropic-ratelimit-requests-remaining", "2"},
                        {"anthropic-ratelimit-requests-reset", "2026-05-14T12:00:10Z"}}),
                 kNow);
  EXPECT_FALSE(tracker.nearQuota(kNow));
  tracker.update(parse({{"anthropic-ratelimit-requests-remaining", "1"},
                        {"anthropic-ratelimit-requests-reset", "2026-05-14T12:00:10Z"}}),
                 kNow);
  EXPECT_TRUE(tracker.nearQuota(kNow + 9s));
  EXPECT_FALSE(tracker.nearQuota(kNow + 10s));
}

TEST(QuotaTracker, WithoutAStatedLimitTheMostSeenRemainingIsTheMaximum) {
  QuotaTracker tracker;
  tracker.update(parse({{"x-ratelimit-remaining-requests", "1000"}}), kNow);
  tracker.update(parse({{"x-ratelimit-remaining-requests", "60"}}), kNow + 1s);
  EXPECT_FALSE(tracker.nearQuota(kNow + 1s));
  tracker.update(parse({{"x-ratelimit-remaining-requests", "49"}}), kNow + 2s);
  EXPECT_TRUE(tracker.nearQuota(kNow + 2s));
  // No reset stated: the reading holds for kQuotaReadingLifetime.
  EXPECT_TRUE(tracker.nearQuota(kNow + 2s + kQuotaReadingLifetime - 1ms));
  EXPECT_FALSE(tracker.nearQuota(kNow + 2s + kQuotaReadingLifetime));
  const QuotaTracker::Reading reading = tracker.reading();
  EXPECT_EQ(reading.remaining_requests, 49);
  EXPECT_EQ(reading.max_requests, 1000);
  EXPECT_EQ(reading.remaining_tokens, -1);
}

TEST(QuotaTracker, NoTokensLeftIsNearQuotaEvenWithoutAMaximum) {
  QuotaTracker tracker;
  tracker.update(parse({{"x-ratelimit-remaining-tokens", "0"}, {"x-ratelimit-reset-tokens", "2s"}}),
                 kNow);
  EXPECT_TRUE(tracker.nearQuota(kNow + 1s));
  EXPECT_FALSE(tracker.nearQuota(kNow + 2s));
}

TEST(QuotaTracker, ARetryAfterIsNearQuotaUntilItPasses) {
  QuotaTracker tracker;
  tracker.update(parse({{"retry-after", "20"}}), kNow);
  EXPECT_TRUE(tracker.nearQuota(kNow + 19s));
  EXPECT_FALSE(tracker.nearQuota(kNow + 20s));
  EXPECT_EQ(tracker.reading().retry_until, kNow + 20s);
}

TEST(QuotaTracker, ANewerReadingReplacesTheOlder) {
  QuotaTracker tracker;
  tracker.update(parse({{"x-ratelimit-limit-requests", "100"},
                        {"x-ratelimit-remaining-requests", "1"},
                        {"x-ratelimit-reset-requests", "1m"}}),
                 kNow);
  EXPECT_TRUE(tracker.nearQuota(kNow + 1s));
  tracker.update(parse({{"x-ratelimit-limit-requests", "100"},
                        {"x-ratelimit-remaining-requests", "99"},
                        {"x-ratelimit-reset-requests", "1s"}}),
                 kNow + 1s);
  EXPECT_FALSE(tracker.nearQuota(kNow + 1s));
}

}  // namespace
}  // namespace switchyard::accounting
