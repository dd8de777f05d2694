#include "accounting/calendar.h"

#include <cstdio>

namespace switchyard::accounting {

namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

year_month_day firstOfMonth(std::int64_t period) {
  // Floor division, so that months before year 0 (never met in practice) stay consistent.
  std::int64_t year = period / 12;
  std::int64_t month = period % 12;
  if (month < 0) {
    month += 12;
    --year;
  }
  return year_month_day{std::chrono::year{static_cast<int>(year)},
                        std::chrono::month{static_cast<unsigned>(month + 1)}, std::chrono::day{1}};
}

}  // namespace

std::int64_t periodIndex(Window window, SystemTime when) {
  const sys_days day = std::chrono::floor<days>(when);
  if (window == Window::Day) return day.time_since_epoch().count();
  const year_month_day date{day};
  return static_cast<std::int64_t>(static_cast<int>(date.year())) * 12 +
         static_cast<unsigned>(date.month()) - 1;
}

SystemTime periodStart(Window window, std::int64_t period) {
  if (window == Window::Day) return SystemTime{days{period}};
  return SystemTime{sys_days{firstOfMonth(period)}};
}

SystemTime periodEnd(Window window, std::int64_t period) { return periodStart(window, period + 1); }

std::string periodLabel(Window window, std::int64_t period) {
  const year_month_day date =
      window == Window::Day ? year_month_day{sys_days{days{period}}} : firstOfMonth(period);
  char text[32];
  if (window == Window::Day) {
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  } else {
    std::snprintf(text, sizeof text, "%04d-%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()));
  }
  return text;
}

}  // namespace switchyard::accounting
