#pragma once
// Human-written durations ("50ms", "2s", "1.5m", "30d") as used in the config file.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::base {

using Millis = std::chrono::milliseconds;

// Parses "<number><unit>" with unit one of ms, s, m, h, d (24h, for retention); the number may have a fraction ("1.5s").
// Returns nullopt for anything else (no unit, negative, overflow).
std::optional<Millis> parseDuration(std::string_view text);

// Renders a duration the way parseDuration reads it ("50ms", "2s", "1m30s" is rendered as "90s").
std::string formatDuration(Millis value);

}  // namespace switchyard::base
