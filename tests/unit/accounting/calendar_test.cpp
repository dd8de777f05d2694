#include "accounting/calendar.h"

#include <gtest/gtest.h>

#include <chrono>

namespace switchyard::accounting {
namespace {

using namespace std::chrono;

SystemTime at(year_month_day date, hours h = hours{0}, minutes m = minutes{0},
              seconds s = seconds{0}) {
  return SystemTime{sys_days{date}} + h + m + s;
}

TEST(Calendar, ADayRunsFromUtcMidnightToTheNext) {
  const SystemTime noon = at(2026y / May / 14, hours{12});
  const std::int64_t day = periodIndex(Window::Day, noon);
  EXPECT_EQ(day, 20587);
  EXPECT_EQ(periodStart(Window::Day, day), at(2026y / May / 14));
  EXPECT_EQ(periodEnd(Window::Day, day), at(2026y / May / 15));
  EXPECT_EQ(periodLabel(Window::Day, day), "2026-05-14");
  EXPECT_EQ(periodIndex(Window::Day, at(2026y / May / 14, hours{23}, minutes{59}, seconds{59}) +
                                         milliseconds{999}),
            day);
  EXPECT_EQ(periodIndex(Window::Day, at(2026y / May / 15)), day + 1);
  EXPECT_EQ(dayStart(noon), at(2026y / May / 14));
  EXPECT_EQ(unixMillis(dayStart(noon)), 20587LL * 86'400'000);
}

TEST(Calendar, MonthsFollowTheirLengthsLeapYearsAndTheYearChange) {
  struct Case {
    year_month_day inside;
    year_month_day start, next;
    const char* label;
  };
  const Case cases[] = {
      {2026y / January / 31, 2026y / January / 1, 2026y / February / 1, "2026-01"},
      {2026y / February / 28, 2026y / February / 1, 2026y / March / 1, "2026-02"},  // 28 days
      {2028y / February / 29, 2028y / February / 1, 2028y / March / 1, "2028-02"},  // leap year
      {2026y / April / 30, 2026y / April / 1, 2026y / May / 1, "2026-04"},          // 30 days
      {2026y / December / 31, 2026y / December / 1, 2027y / January / 1, "2026-12"},
  };
  for (const Case& c : cases) {
    const std::int64_t month =
        periodIndex(Window::Month, at(c.inside, hours{23}, minutes{59}, seconds{59}));
    EXPECT_EQ(periodStart(Window::Month, month), at(c.start)) << c.label;
    EXPECT_EQ(periodEnd(Window::Month, month), at(c.next)) << c.label;
    EXPECT_EQ(periodLabel(Window::Month, month), c.label);
    EXPECT_EQ(periodIndex(Window::Month, at(c.next)), month + 1) << c.label;
    EXPECT_EQ(monthStart(at(c.inside)), at(c.start)) << c.label;
  }
}

TEST(Calendar, ConsecutiveMonthsDifferByOneAcrossTheYearChange) {
  EXPECT_EQ(periodIndex(Window::Month, at(2027y / January / 1)) -
                periodIndex(Window::Month, at(2026y / December / 31)),
            1);
  EXPECT_EQ(periodLabel(Window::Day, periodIndex(Window::Day, at(2027y / January / 1))),
            "2027-01-01");
}

}  // namespace
}  // namespace switchyard::accounting
