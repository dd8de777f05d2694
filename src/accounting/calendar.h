#pragma once
// UTC days and calendar months, the periods budgets count in. A period is an index: days since
// 1970-01-01, months since January of year 0 (so that consecutive months differ by one across a
// year change). Pure functions of the time point passed in: callers inject the clock.
#include <chrono>
#include <cstdint>
#include <string>

namespace switchyard::accounting {

using SystemTime = std::chrono::system_clock::time_point;

enum class Window { Day, Month };

// The period `when` falls in.
std::int64_t periodIndex(Window window, SystemTime when);
// The first instant of a period and of the one after it (when its budgets reset).
SystemTime periodStart(Window window, std::int64_t period);
SystemTime periodEnd(Window window, std::int64_t period);
// "2026-05-14" for a day, "2026-05" for a month.
std::string periodLabel(Window window, std::int64_t period);

// Conveniences for the start-up load (Store::spendSince takes unix milliseconds).
inline SystemTime dayStart(SystemTime when) {
  return periodStart(Window::Day, periodIndex(Window::Day, when));
}
inline SystemTime monthStart(SystemTime when) {
  return periodStart(Window::Month, periodIndex(Window::Month, when));
}
inline std::int64_t unixMillis(SystemTime when) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

}  // namespace switchyard::accounting
