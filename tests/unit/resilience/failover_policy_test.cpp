#include "resilience/failover_policy.h"

#include <gtest/gtest.h>

namespace switchyard::resilience {
namespace {

using namespace std::chrono_literals;

TEST(FailoverPolicy, ProviderSideStatusesFailOver) {
  for (int status : {401, 403, 404, 408, 409, 429, 500, 502, 503, 504, 529}) {
    EXPECT_TRUE(isFailoverStatus(status)) << status;
  }
}

TEST(FailoverPolicy, ClientMistakesArePassedThrough) {
  for (int status : {200, 400, 413, 422}) EXPECT_FALSE(isFailoverStatus(status)) << status;
}

TEST(FailoverPolicy, RetryAfterReadsSeconds) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(parseRetryAfter("2", now), 2000ms);
  EXPECT_EQ(parseRetryAfter(" 0.5 ", now), 500ms);
  EXPECT_FALSE(parseRetryAfter("soon", now));
  EXPECT_FALSE(parseRetryAfter("-1", now));
}

TEST(FailoverPolicy, RetryAfterReadsAnHttpDate) {
  const auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now), 10000ms);
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), 0ms);
  EXPECT_FALSE(parseRetryAfter("Sun, 06 Nov 1994", now));
}

}  // namespace
}  // namespace switchyard::resilience
