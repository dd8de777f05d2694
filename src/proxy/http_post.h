#pragma once
// One HTTP POST from the gateway's own side channels (the incidents webhook, the OTLP exporter),
// on a pooled connection, bounded by a deadline.
#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "base/executor.h"
#include "http/client.h"

namespace switchyard::proxy {

// POSTs `body`: `head` is the request line and header lines, each CRLF-ended, without
// Content-Length and without the blank line (both added here). The answer is read (at most 64 KiB)
// so that the connection can be kept for the next POST; a kept-alive connection the server closed
// in between is replaced by a new one, once. "" when the server answered 2xx, else why not.
Task<std::string> postOnce(http::ClientPool& pool, std::string_view head, std::string_view body,
                                             std::chrono::steady_clock::time_point deadline);

}  // namespace switchyard::proxy
