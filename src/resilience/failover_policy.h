#pragma once
// Which upstream answers move a request on to another target, and how to read Retry-After.
#include <chrono>
#include <optional>
#include <string_view>

#include "base/failure.h"

namespace switchyard::resilience {

// 408, 409, 429, every 5xx (529 "overloaded" included), and 401/403/404: those say the provider's
// key or model is wrong, not the client's request. Everything else (400, 422, other 4xx) is the
// client's to see, unchanged.
bool isFailoverStatus(int status);

// Failures worth a same-target retry (retry.same_target): a 5xx or 429, a reset connection, a
// malformed answer or first event, an error event before the first token. Timeouts are not: a
// silent provider stays silent, and waiting for it again would spend the deadline twice.
bool isTransientFailure(base::FailureKind failure, int status);

// Retry-After as delay-seconds or an HTTP-date (RFC 9110 10.2.3); nullopt when unreadable.
std::optional<std::chrono::milliseconds> parseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace switchyard::resilience
