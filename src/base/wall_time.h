#pragma once
// Wall-clock times as the APIs and the admin endpoints write them.
#include <chrono>
#include <cstdint>
#include <string>

namespace switchyard::base {

using WallClock = std::chrono::system_clock;

inline std::int64_t unixSeconds(WallClock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

// "2026-12-06T13:06:22Z" (RFC 3339, UTC, whole seconds), as Anthropic's created_at.
std::string rfc3339(WallClock::time_point time);
// "2026-12-06T13:06:22.153Z": the same to the millisecond (incidents, drills, timelines).
std::string rfc3339Millis(WallClock::time_point time);

}  // namespace switchyard::base
