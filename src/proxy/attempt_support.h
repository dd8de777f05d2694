#pragma once
// Small pieces every kind of upstream attempt (whole answers, streams) shares.
#include <string>

#include <boost/asio/awaitable.hpp>

#include "http/client.h"
#include "proxy/upstream_attempt.h"

namespace switchyard::proxy {

inline constexpr std::size_t kDetailMax = 300;  // bytes of a provider's words kept in messages

AttemptOutcome failed(base::FailureKind failure, std::string detail, int status = 0);

// The failure an I/O error stands for; a timeout is reported as the limit that fired (the
// attempt's own `timeout_kind`, or the request's total deadline when `fired` is that deadline).
base::FailureKind ioFailure(const boost::beast::error_code& ec, bool during_connect, SteadyTime fired,
                            SteadyTime total, base::FailureKind timeout_kind);

// Reads the rest of a body into `body`; returns the first error.
boost::asio::awaitable<boost::beast::error_code> readWholeBody(http::UpstreamConnection& connection,
                                                               std::string& body, SteadyTime deadline);

}  // namespace switchyard::proxy
