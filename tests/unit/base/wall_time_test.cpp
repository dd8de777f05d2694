#include "base/wall_time.h"

#include <gtest/gtest.h>

namespace switchyard::base {
namespace {

TEST(WallTime, Rfc3339MillisKeepsTheMillisecondsAndTheZeroPadding) {
  const WallClock::time_point time{std::chrono::milliseconds(1'796'577'274'007)};
  EXPECT_EQ(rfc3339Millis(time), "2026-12-06T17:14:34.007Z");
  EXPECT_EQ(rfc3339(time), "2026-12-06T17:14:34Z");
}

}  // namespace
}  // namespace switchyard::base
