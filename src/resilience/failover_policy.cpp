#include "resilience/failover_policy.h"

#include <charconv>
#include <ctime>
#include <string>

namespace switchyard::resilience {

bool isFailoverStatus(int status) {
  switch (status) {
    case 401: case 403: case 404: case 408: case 409: case 429: return true;
    default: return status >= 500 && status <= 599;
  }
}

bool isTransientFailure(base::FailureKind failure, int status) {
  using base::FailureKind;
  switch (failure) {
    case FailureKind::UpstreamStatus: return status == 429 || (status >= 500 && status <= 599);
    case FailureKind::ConnectionReset:
    case FailureKind::MalformedResponse:
    case FailureKind::UpstreamError: return true;
    default: return false;
  }
}

std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9') {
    double seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || end != value.data() + value.size() || seconds < 0 || seconds > 1e7) {
      return std::nullopt;
    }
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  const std::string text(value);
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const auto when = std::chrono::system_clock::from_time_t(::timegm(&tm));
  if (when <= now) return std::chrono::milliseconds{0};
  return std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
}

}  // namespace switchyard::resilience
