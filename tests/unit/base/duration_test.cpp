#include "base/duration.h"

#include <gtest/gtest.h>

using switchyard::base::Millis;
using switchyard::base::parseDuration;

TEST(Duration, ReadsEveryUnit) {
  EXPECT_EQ(parseDuration("50ms"), Millis(50));
  EXPECT_EQ(parseDuration("2s"), Millis(2000));
  EXPECT_EQ(parseDuration("1.5s"), Millis(1500));
  EXPECT_EQ(parseDuration("2m"), Millis(120000));
  EXPECT_EQ(parseDuration("1h"), Millis(3600000));
  EXPECT_EQ(parseDuration("30d"), Millis(30LL * 86400000));
}

TEST(Duration, RejectsWhatIsNotADuration) {
  EXPECT_FALSE(parseDuration(""));
  EXPECT_FALSE(parseDuration("50"));
  EXPECT_FALSE(parseDuration("ms"));
  EXPECT_FALSE(parseDuration("-1s"));
  EXPECT_FALSE(parseDuration("5 s"));
  EXPECT_FALSE(parseDuration("5sec"));
  EXPECT_FALSE(parseDuration("1e9h"));
}

TEST(Duration, FormatsInTheLargestWholeUnit) {
  EXPECT_EQ(switchyard::base::formatDuration(Millis(2000)), "2s");
  EXPECT_EQ(switchyard::base::formatDuration(Millis(50)), "50ms");
  EXPECT_EQ(switchyard::base::formatDuration(Millis(120000)), "2m");
}
