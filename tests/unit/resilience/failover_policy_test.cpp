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

TEST(FailoverPolicy, OnlyTransientFailuresAreRetriedOnTheSameTarget) {
  using base::FailureKind;
  EXPECT_TRUE(isTransientFailure(FailureKind::UpstreamStatus, 500));
  EXPECT_TRUE(isTransientFailure(FailureKind::UpstreamStatus, 503));
  EXPECT_TRUE(isTransientFailure(FailureKind::UpstreamStatus, 529));
  EXPECT_TRUE(isTransientFailure(FailureKind::UpstreamStatus, 429));
  EXPECT_TRUE(isTransientFailure(FailureKind::ConnectionReset, 0));
  EXPECT_TRUE(isTransientFailure(FailureKind::MalformedResponse, 200));
  EXPECT_TRUE(isTransientFailure(FailureKind::UpstreamError, 200));
  // A wrong key or model does not fix itself; a silent provider stays silent.
  EXPECT_FALSE(isTransientFailure(FailureKind::UpstreamStatus, 401));
  EXPECT_FALSE(isTransientFailure(FailureKind::UpstreamStatus, 404));
  EXPECT_FALSE(isTransientFailure(FailureKind::UpstreamStatus, 408));
  EXPECT_FALSE(isTransientFailure(FailureKind::AttemptTimeout, 0));
  EXPECT_FALSE(isTransientFailure(FailureKind::FirstTokenTimeout, 0));
  EXPECT_FALSE(isTransientFailure(FailureKind::DeadlineExceeded, 0));
  EXPECT_FALSE(isTransientFailure(FailureKind::ConnectRefused, 0));
  EXPECT_FALSE(isTransientFailure(FailureKind::ContextLength, 400));
}

}  // namespace
}  // namespace switchyard::resilience
