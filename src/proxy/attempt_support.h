#pragma once
// Small pieces every kind of upstream attempt (forwarded or translated, whole answers or streams)
// shares.
#include <array>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>

#include "base/executor.h"
#include "canonical/price.h"
#include "canonical/usage_scan.h"
#include "config/config.h"
#include "http/client.h"
#include "proxy/client_watch.h"
#include "proxy/upstream_attempt.h"
#include "proxy/upstream_lease.h"
#include "routing/route_table.h"

namespace switchyard::proxy {

inline constexpr std::size_t kDetailMax = 300;  // bytes of a provider's words kept in messages

AttemptOutcome failed(base::FailureKind failure, std::string detail, int status = 0);

// The failure an I/O error stands for; a timeout is reported as the limit that fired (the
// attempt's own `timeout_kind`, or the request's total deadline when `fired` is that deadline).
base::FailureKind ioFailure(const boost::beast::error_code& ec, bool during_connect, SteadyTime fired,
                            SteadyTime total, base::FailureKind timeout_kind);

// Reserves room for the body the upstream announced (Content-Length), trusted up to 1 MiB.
void reserveForBody(const http::UpstreamConnection& connection, std::string& body);

// An I/O error's message; for an answer past limits.max_response_bytes, says so.
std::string tooLargeOr(const boost::beast::error_code& ec, std::size_t max_response_bytes);

// The detail of an event_too_large failure.
std::string eventTooLarge(std::size_t max_event_bytes);

// Reads the rest of a body into `body`; returns the first error.
Task<boost::beast::error_code> readWholeBody(http::UpstreamConnection& connection,
                                                               std::string& body, SteadyTime deadline);

// An upstream exchange up to its response header: connection (pooled or new) held by `lease`,
// request sent, header read. On failure the lease may still hold the broken connection; it is
// dropped when the lease ends. Any header read (success or error, stream or not) updates `quota`
// when it carries the provider's rate-limit headers.
struct OpenedExchange {
  bool ok = false;
  AttemptOutcome failure;  // when !ok
  SteadyTime attempt_deadline;
  SteadyTime first_token_deadline;  // streams: the first event must arrive by then
};
Task<OpenedExchange> openExchange(UpstreamLease& lease,
                                                    std::span<const boost::asio::const_buffer> request,
                                                    const routing::RouteSpec& route, SteadyTime deadline,
                                                    bool stream, accounting::QuotaTracker* quota);

// An encoded request (`head` ending with its blank line, then `body`) with `lines` and `more_lines`
// ("Name: value\r\n": the x-request-id line, the trace context) added at the end of its head, as
// buffers: nothing is copied.
std::array<boost::asio::const_buffer, 5> withHeadLines(std::string_view head, std::string_view lines,
                                                       std::string_view more_lines, std::string_view body);

// The outcome of an attempt that lost a hedge race (its connection is closed, nothing was written).
AttemptOutcome hedgeLost();

// The attempt's answer is about to end (its last byte, or the event that ends a cut stream): its
// cost goes to the spend journal first, when its usage is known and `journal` is set.
void journalBeforeTheEnd(AttemptJournal* journal, const routing::TargetRef& target, const canonical::TokenPrice* price,
                         const canonical::Usage& usage, bool usage_known);
void journalBeforeTheEnd(AttemptJournal* journal, const routing::TargetRef& target, const canonical::TokenPrice* price,
                         const canonical::StreamUsageMeter& meter);

// The cost of a whole answer, on its response: "x-switchyard-cost-usd: 0.00012345\r\n".
inline constexpr std::string_view kCostHeader = "x-switchyard-cost-usd";

// Appends the cost header line (canonical::formatUsd) to `lines` when the target has a known price and the answer's usage
// is known (reported by the provider, not estimated).
void appendCostHeader(std::string& lines, const canonical::TokenPrice* price, const AttemptOutcome& outcome);

// What a decoded stream event says of the answer's cost: the Usage event (final), what a Start knew
// of the prompt (Anthropic's message_start), and the text, for an estimate when the stream breaks.
void noteUsage(canonical::StreamUsageMeter& meter, const canonical::StreamEvent& event);

// Copies what a stream meter knows into the outcome.
void setUsage(AttemptOutcome& outcome, const canonical::StreamUsageMeter& meter);
// Adds what a stream meter knows to the outcome's usage (several exchanges for one answer).
void addUsage(AttemptOutcome& outcome, const canonical::StreamUsageMeter& meter);

// Retry-After (OpenAI's retry-after-ms first) of an upstream answer.
std::optional<std::chrono::milliseconds> retryAfterOf(const http::UpstreamHeader& header);

}  // namespace switchyard::proxy
