#pragma once
// The x-switchyard-* headers every proxied answer carries, so a client can see what served it.
#include <string>
#include <string_view>

#include <boost/beast/http/fields.hpp>

namespace switchyard::proxy {

inline constexpr std::string_view kRouteHeader = "x-switchyard-route";
inline constexpr std::string_view kTargetHeader = "x-switchyard-target";
inline constexpr std::string_view kAttemptsHeader = "x-switchyard-attempts";
// On a count_tokens answer the gateway estimated itself (no Anthropic target of the route answered).
inline constexpr std::string_view kTokenCountHeader = "x-switchyard-token-count";

inline void setSwitchyardHeaders(boost::beast::http::fields& fields, std::string_view route,
                                 std::string_view target, int attempts) {
  fields.set(kRouteHeader, route);
  if (!target.empty()) fields.set(kTargetHeader, target);
  fields.set(kAttemptsHeader, std::to_string(attempts));
}

// "x-switchyard-route: R\r\nx-switchyard-target: T\r\n", rendered once per target at start-up.
inline std::string servedByLines(std::string_view route, std::string_view target) {
  std::string lines;
  lines.append(kRouteHeader).append(": ").append(route).append("\r\n");
  lines.append(kTargetHeader).append(": ").append(target).append("\r\n");
  return lines;
}

// The header lines of a proxied answer: its content type, what served it, and the attempts made.
inline std::string answerHeaderLines(std::string_view content_type, std::string_view served_by,
                                     int attempts) {
  std::string lines;
  // Room for every line, the stream's Cache-Control included: one allocation.
  lines.reserve(64 + content_type.size() + served_by.size() + kAttemptsHeader.size());
  lines.append("Content-Type: ").append(content_type).append("\r\n").append(served_by);
  lines.append(kAttemptsHeader).append(": ").append(std::to_string(attempts)).append("\r\n");
  return lines;
}

// The header lines of a proxied event stream.
inline std::string streamHeaderLines(std::string_view served_by, int attempts) {
  std::string lines = answerHeaderLines("text/event-stream; charset=utf-8", served_by, attempts);
  lines += "Cache-Control: no-cache\r\n";
  return lines;
}

}  // namespace switchyard::proxy
