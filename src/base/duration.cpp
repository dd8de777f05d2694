#include "base/duration.h"

#include <charconv>
#include <cmath>

namespace switchyard::base {

std::optional<Millis> parseDuration(std::string_view text) {
  size_t unit_at = 0;
  while (unit_at < text.size() &&
         ((text[unit_at] >= '0' && text[unit_at] <= '9') || text[unit_at] == '.')) {
    ++unit_at;
  }
  if (unit_at == 0 || unit_at == text.size()) return std::nullopt;
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + unit_at, number);
  if (ec != std::errc{} || end != text.data() + unit_at) return std::nullopt;
  const std::string_view unit = text.substr(unit_at);
  double scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1e3;
  else if (unit == "m") scale = 60e3;
  else if (unit == "h") scale = 3600e3;
  else if (unit == "d") scale = 86400e3;
  else return std::nullopt;
  const double ms = number * scale;
  if (!std::isfinite(ms) || ms > 1e12) return std::nullopt;
  return Millis(static_cast<Millis::rep>(std::llround(ms)));
}

std::string formatDuration(Millis value) {
  const auto ms = value.count();
  if (ms != 0 && ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms != 0 && ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace switchyard::base
