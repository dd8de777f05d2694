#include "proxy/attempt_support.h"

#include <algorithm>
#include <limits>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

#include "base/executor.h"
#include "proxy/economics.h"
#include "proxy/provider_quotas.h"
#include "resilience/failover_policy.h"

namespace switchyard::proxy {

namespace beast = boost::beast;
using base::FailureKind;
using Kind = AttemptOutcome::Kind;

AttemptOutcome failed(FailureKind failure, std::string detail, int status) {
  AttemptOutcome outcome;
  outcome.kind = Kind::Failed;
  outcome.failure = failure;
  outcome.status = status;
  outcome.detail = std::move(detail);
  return outcome;
}

namespace {

FailureKind timeoutKind(SteadyTime fired, SteadyTime total, FailureKind own) {
  return fired >= total ? FailureKind::DeadlineExceeded : own;
}

}  // namespace

FailureKind ioFailure(const beast::error_code& ec, bool during_connect, SteadyTime fired,
                      SteadyTime total, FailureKind timeout_kind) {
  const FailureKind kind = http::classifyIoError(ec, during_connect);
  return kind == FailureKind::AttemptTimeout ? timeoutKind(fired, total, timeout_kind) : kind;
}

void reserveForBody(const http::UpstreamConnection& connection, std::string& body) {
  constexpr std::uint64_t kReserveMax = 1 << 20;
  if (const auto size = connection.announcedBodySize()) body.reserve(std::min<std::uint64_t>(*size, kReserveMax));
}

std::string tooLargeOr(const beast::error_code& ec, std::size_t max_response_bytes) {
  if (ec != beast::http::error::body_limit) return ec.message();
  return "answer larger than limits.max_response_bytes (" + std::to_string(max_response_bytes) + " bytes)";
}

std::string eventTooLarge(std::size_t max_event_bytes) {
  return "a stream event larger than limits.max_event_bytes (" + std::to_string(max_event_bytes) + " bytes)";
}

Task<beast::error_code> readWholeBody(http::UpstreamConnection& connection,
                                                        std::string& body, SteadyTime deadline) {
  bool done = false;
  while (!done) {
    const auto ec = co_await connection.readSome(body, done, deadline);
    if (ec) co_return ec;
  }
  co_return beast::error_code{};
}

Task<OpenedExchange> openExchange(UpstreamLease& lease,
                                                    std::span<const boost::asio::const_buffer> request,
                                                    const routing::RouteSpec& route, SteadyTime deadline,
                                                    bool stream, accounting::QuotaTracker* quota) {
  const config::Timeouts& timeouts = route.timeouts;
  OpenedExchange opened;
  const auto start = std::chrono::steady_clock::now();
  opened.attempt_deadline = std::min(start + timeouts.attempt, deadline);
  opened.first_token_deadline = deadline;
  http::ClientPool::Acquired acquired{lease.pool().reuseIdle()};
  if (!acquired.connection) acquired = co_await lease.pool().connect(opened.attempt_deadline);
  if (acquired.error) {
    opened.failure = failed(ioFailure(acquired.error, true, opened.attempt_deadline, deadline,
                                      FailureKind::AttemptTimeout),
                            "connect: " + acquired.error.message());
    co_return opened;
  }
  // From here until the lease ends, a client hang-up closes this connection (and so does a hedge
  // that wins the race).
  lease.hold(std::move(acquired.connection));
  if (const auto ec = co_await lease->send(request, opened.attempt_deadline)) {
    opened.failure = failed(ioFailure(ec, false, opened.attempt_deadline, deadline, FailureKind::AttemptTimeout),
                            "send: " + ec.message());
    co_return opened;
  }
  SteadyTime header_deadline = opened.attempt_deadline;
  FailureKind header_timeout = FailureKind::AttemptTimeout;
  if (stream) {
    opened.first_token_deadline = std::min(std::chrono::steady_clock::now() + timeouts.first_token, deadline);
    if (opened.first_token_deadline < header_deadline) {
      header_deadline = opened.first_token_deadline;
      header_timeout = FailureKind::FirstTokenTimeout;
    }
  }
  // A whole answer (or an error body) is buffered: bounded. A Content-Length above the bound fails
  // with the header, before any of the body is read.
  lease->limitBody(route.limits.max_response_bytes);
  if (const auto ec = co_await lease->readHeader(header_deadline)) {
    opened.failure = failed(ioFailure(ec, false, header_deadline, deadline, header_timeout),
                            "response: " + tooLargeOr(ec, route.limits.max_response_bytes));
    co_return opened;
  }
  if (quota != nullptr) noteQuotaHeaders(lease->header(), *quota);
  // A stream is read event by event and bounded per event (limits.max_event_bytes), not in total.
  if (stream && lease->header().result_int() == 200) lease->limitBody(std::numeric_limits<std::uint64_t>::max());
  opened.ok = true;
  co_return opened;
}

std::array<boost::asio::const_buffer, 5> withHeadLines(std::string_view head, std::string_view lines,
                                                       std::string_view more_lines, std::string_view body) {
  constexpr std::string_view kBlankLine = "\r\n";
  if ((lines.empty() && more_lines.empty()) || !head.ends_with("\r\n\r\n")) {
    return {boost::asio::buffer(head.data(), head.size()), boost::asio::const_buffer(), boost::asio::const_buffer(),
            boost::asio::const_buffer(), boost::asio::buffer(body.data(), body.size())};
  }
  head.remove_suffix(kBlankLine.size());
  return {boost::asio::buffer(head.data(), head.size()), boost::asio::buffer(lines.data(), lines.size()),
          boost::asio::buffer(more_lines.data(), more_lines.size()),
          boost::asio::buffer(kBlankLine.data(), kBlankLine.size()), boost::asio::buffer(body.data(), body.size())};
}

void appendCostHeader(std::string& lines, const canonical::TokenPrice* price, const AttemptOutcome& outcome) {
  if (price == nullptr || !price->known || !outcome.usage_known || outcome.usage_estimated) return;
  lines.append(kCostHeader).append(": ").append(canonical::formatUsd(canonical::costUsd(outcome.usage, *price))).append("\r\n");
}

void journalBeforeTheEnd(AttemptJournal* journal, const routing::TargetRef& target, const canonical::TokenPrice* price,
                         const canonical::Usage& usage, bool usage_known) {
  if (journal != nullptr && price != nullptr && usage_known) journal->write(target.id, *price, usage);
}

void journalBeforeTheEnd(AttemptJournal* journal, const routing::TargetRef& target, const canonical::TokenPrice* price,
                         const canonical::StreamUsageMeter& meter) {
  if (journal == nullptr) return;
  const auto result = meter.result();
  journalBeforeTheEnd(journal, target, price, result.usage, result.known);
}

void setUsage(AttemptOutcome& outcome, const canonical::StreamUsageMeter& meter) {
  const auto result = meter.result();
  outcome.usage = result.usage;
  outcome.usage_known = result.known;
  outcome.usage_estimated = result.estimated;
}

void noteUsage(canonical::StreamUsageMeter& meter, const canonical::StreamEvent& event) {
  using canonical::EventType;
  switch (event.type) {
    case EventType::Usage: meter.onUsage(event.usage, true); break;
    case EventType::Start:
      if (event.usage.input_tokens != 0 || event.usage.output_tokens != 0) meter.onUsage(event.usage, false);
      break;
    case EventType::TextDelta:
    case EventType::ToolCallDelta: meter.addText(event.text.size()); break;
    case EventType::ToolCallStart:
    case EventType::Finish: break;
  }
}

void addUsage(AttemptOutcome& outcome, const canonical::StreamUsageMeter& meter) {
  const auto result = meter.result();
  if (!result.known) return;
  canonical::Usage& usage = outcome.usage;
  usage.input_tokens += result.usage.input_tokens;
  usage.output_tokens += result.usage.output_tokens;
  usage.cache_read_tokens += result.usage.cache_read_tokens;
  usage.cache_write_tokens += result.usage.cache_write_tokens;
  usage.reasoning_tokens += result.usage.reasoning_tokens;
  outcome.usage_known = true;
  outcome.usage_estimated = outcome.usage_estimated || result.estimated;
}

AttemptOutcome hedgeLost() { return failed(FailureKind::HedgeLost, "another attempt answered first"); }

std::optional<std::chrono::milliseconds> retryAfterOf(const http::UpstreamHeader& header) {
  // OpenAI also sends retry-after-ms, which is more precise.
  if (const auto ms = header.find("retry-after-ms"); ms != header.end()) {
    if (auto parsed = resilience::parseRetryAfter(ms->value(), std::chrono::system_clock::now())) {
      return std::chrono::milliseconds(parsed->count() / 1000);
    }
  }
  if (const auto seconds = header.find(boost::beast::http::field::retry_after); seconds != header.end()) {
    return resilience::parseRetryAfter(seconds->value(), std::chrono::system_clock::now());
  }
  return std::nullopt;
}

}  // namespace switchyard::proxy
