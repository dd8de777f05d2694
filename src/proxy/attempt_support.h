#pragma once
// Small pieces every kind of upstream attempt (forwarded or translated, whole answers or streams)
// shares.
#include <optional>
#include <span>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>

#include "config/config.h"
#include "http/client.h"
#include "proxy/client_watch.h"
#include "proxy/upstream_attempt.h"

namespace switchyard::proxy {

inline constexpr std::size_t kDetailMax = 300;  // bytes of a provider's words kept in messages

AttemptOutcome failed(base::FailureKind failure, std::string detail, int status = 0);

// The failure an I/O error stands for; a timeout is reported as the limit that fired (the
// attempt's own `timeout_kind`, or the request's total deadline when `fired` is that deadline).
base::FailureKind ioFailure(const boost::beast::error_code& ec, bool during_connect, SteadyTime fired,
                            SteadyTime total, base::FailureKind timeout_kind);

// Reserves room for the body the upstream announced (Content-Length), trusted up to 1 MiB.
void reserveForBody(const http::UpstreamConnection& connection, std::string& body);

// Reads the rest of a body into `body`; returns the first error.
boost::asio::awaitable<boost::beast::error_code> readWholeBody(http::UpstreamConnection& connection,
                                                               std::string& body, SteadyTime deadline);

// An upstream exchange up to its response header: connection (pooled or new), request sent,
// header read. On success `connection` is set and registered with the client watch, which the
// caller clears (UnwatchOnExit) when the attempt ends.
struct OpenedExchange {
  std::unique_ptr<http::UpstreamConnection> connection;
  AttemptOutcome failure;  // when connection is null
  SteadyTime attempt_deadline;
  SteadyTime first_token_deadline;  // streams: the first event must arrive by then
};
// `race_slot`, when given, also holds the connection so a winning hedge can close it.
boost::asio::awaitable<OpenedExchange> openExchange(http::ClientPool& pool,
                                                    std::span<const boost::asio::const_buffer> request,
                                                    const config::Timeouts& timeouts, SteadyTime deadline,
                                                    bool stream, ClientWatch& client,
                                                    http::UpstreamConnection** race_slot = nullptr);

// Returns a connection to its pool after an exchange, first forgetting it everywhere it was
// registered for cancellation (client hang-up watch, hedge race): once pooled it may serve another
// request, which a late cancellation must not touch.
void releaseConnection(http::ClientPool& pool, std::unique_ptr<http::UpstreamConnection> connection,
                       ClientWatch& client, const HedgeRacer& race);

// The outcome of an attempt that lost a hedge race (its connection is closed, nothing was written).
AttemptOutcome hedgeLost();

struct UnwatchOnExit {
  ClientWatch& client;
  ~UnwatchOnExit() { client.active = nullptr; }
};

// Retry-After (OpenAI's retry-after-ms first) of an upstream answer.
std::optional<std::chrono::milliseconds> retryAfterOf(const boost::beast::http::response_header<>& header);

}  // namespace switchyard::proxy
