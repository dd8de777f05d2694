#include "proxy/upstream_attempt.h"

#include <algorithm>
#include <array>

#include <boost/beast/http/field.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include "canonical/json_probe.h"
#include "http/sse.h"
#include "proxy/response_headers.h"
#include "resilience/failover_policy.h"
#include "surfaces/openai/errors.h"

namespace switchyard::proxy {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using base::FailureKind;
using Kind = AttemptOutcome::Kind;

namespace {

constexpr std::size_t kDetailMax = 300;
// Trust an upstream's Content-Length only this far when reserving memory for its body.
constexpr std::uint64_t kReserveMax = 1 << 20;

AttemptOutcome failed(FailureKind failure, std::string detail, int status = 0) {
  AttemptOutcome outcome;
  outcome.kind = Kind::Failed;
  outcome.failure = failure;
  outcome.status = status;
  outcome.detail = std::move(detail);
  return outcome;
}

// A timeout is reported as the limit that fired: the attempt's own, the first-token one, or the
// request's total deadline.
FailureKind timeoutKind(SteadyTime fired, SteadyTime total, FailureKind own) {
  return fired >= total ? FailureKind::DeadlineExceeded : own;
}

FailureKind ioFailure(const beast::error_code& ec, bool during_connect, SteadyTime fired,
                      SteadyTime total, FailureKind timeout_kind) {
  const FailureKind kind = http::classifyIoError(ec, during_connect);
  return kind == FailureKind::AttemptTimeout ? timeoutKind(fired, total, timeout_kind) : kind;
}

// The provider's own words, for the gateway's error message: error.message when the body is
// OpenAI-shaped, else the start of the body.
std::string upstreamErrorDetail(int status, std::string_view body) {
  std::string detail = "HTTP " + std::to_string(status);
  boost::json::error_code ec;
  unsigned char scratch[2048];
  boost::json::monotonic_resource arena(scratch, sizeof scratch);
  const auto parsed = boost::json::parse(boost::json::string_view(body.data(), body.size()), ec,
                                         boost::json::storage_ptr(&arena));
  std::string_view message;
  if (!ec) {
    if (const auto* object = parsed.if_object()) {
      if (const auto* error = object->if_contains("error")) {
        if (const auto* inner = error->if_object()) {
          if (const auto* text = inner->if_contains("message"); text && text->is_string()) {
            message = text->get_string();
          }
        } else if (error->is_string()) {
          message = error->get_string();
        }
      }
    }
  } else {
    message = body;
  }
  if (!message.empty()) detail.append(" (").append(message.substr(0, kDetailMax)).append(")");
  return detail;
}

std::optional<std::chrono::milliseconds> retryAfterOf(const beast_http::response_header<>& header) {
  // OpenAI also sends retry-after-ms, which is more precise.
  if (const auto ms = header.find("retry-after-ms"); ms != header.end()) {
    if (auto parsed = resilience::parseRetryAfter(ms->value(), std::chrono::system_clock::now())) {
      return std::chrono::milliseconds(parsed->count() / 1000);
    }
  }
  if (const auto seconds = header.find(beast_http::field::retry_after); seconds != header.end()) {
    return resilience::parseRetryAfter(seconds->value(), std::chrono::system_clock::now());
  }
  return std::nullopt;
}

// Complete events in `pending` from `scanned` on: advances `scanned` past each and notes what the
// gateway decides on.
struct StreamScan {
  std::size_t scanned = 0;
  bool saw_data = false;
  bool saw_done = false;
  bool saw_error = false;
  bool first_data_is_error = false;
};

void scanEvents(std::string_view pending, StreamScan& scan) {
  while (!scan.saw_done && !scan.saw_error) {
    const std::size_t end = http::findSseEventEnd(pending, scan.scanned);
    if (end == http::kSseNoEvent) return;
    const auto event = http::parseSseEvent(pending.substr(scan.scanned, end - scan.scanned));
    scan.scanned = end;
    if (!event.has_data) continue;
    if (http::isOpenAiDone(event)) scan.saw_done = true;
    else if (http::isOpenAiError(event)) {
      scan.saw_error = true;
      if (!scan.saw_data) scan.first_data_is_error = true;
    }
    scan.saw_data = true;
  }
}

// A body that ended cleanly ends its last event too, even without the blank line the SSE format
// asks for (some servers omit it after `data: [DONE]`).
void terminateTrailingEvent(std::string& pending, StreamScan& scan) {
  if (scan.saw_done || scan.saw_error) return;
  const auto rest = std::string_view(pending).substr(scan.scanned);
  if (rest.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
  pending += "\n\n";
  scanEvents(pending, scan);
}

std::string streamErrorEvent(std::string_view message, std::string_view code) {
  surfaces::openai::ClientError error{502, std::string(message), "server_error", {}, std::string(code)};
  return http::sseData(surfaces::openai::renderError(error));
}

// Reads the rest of a body into `body`; returns the first error.
boost::asio::awaitable<beast::error_code> readWholeBody(http::UpstreamConnection& connection,
                                                        std::string& body, SteadyTime deadline) {
  bool done = false;
  while (!done) {
    const auto ec = co_await connection.readSome(body, done, deadline);
    if (ec) co_return ec;
  }
  co_return beast::error_code{};
}

// Relays an upstream SSE stream whose status was 200. Waits for the first data event (within the
// first-token deadline) before the client sees anything; from then on forwards whole events as
// they arrive. A stream that ends without `data: [DONE]` ends, for the client, with an error event
// and no [DONE], so a truncated answer never looks complete.
boost::asio::awaitable<AttemptOutcome> relayStream(const AttemptInput& input,
                                                   http::UpstreamConnection& connection,
                                                   http::ResponseWriter& writer,
                                                   SteadyTime first_token_deadline) {
  std::string pending;
  pending.reserve(4096);
  StreamScan scan;
  bool done = false;
  while (!scan.saw_data) {
    if (done) co_return failed(FailureKind::MalformedResponse, "stream ended before its first event", 200);
    const auto ec = co_await connection.readSome(pending, done, first_token_deadline);
    if (ec) {
      co_return failed(ioFailure(ec, false, first_token_deadline, input.deadline,
                                 FailureKind::FirstTokenTimeout),
                       "stream: " + ec.message(), 200);
    }
    scanEvents(pending, scan);
  }
  if (scan.first_data_is_error) {
    const auto end = http::findSseEventEnd(pending, 0);
    co_return failed(FailureKind::UpstreamError,
                     "error event: " + pending.substr(0, std::min<std::size_t>(end, kDetailMax)), 200);
  }

  std::string header_lines = answerHeaderLines("text/event-stream; charset=utf-8", input.served_by,
                                               input.attempt_number);
  header_lines += "Cache-Control: no-cache\r\n";
  writer.beginStream(beast_http::status::ok, header_lines);

  AttemptOutcome outcome;
  outcome.kind = Kind::Delivered;
  outcome.status = 200;
  std::size_t relayed = 0;
  for (;;) {
    if (scan.scanned > 0) {
      // The event that ends the stream leaves with the terminating chunk, in one write.
      const bool last = scan.saw_done || scan.saw_error;
      if (co_await writer.writeChunk(std::string_view(pending).substr(0, scan.scanned), last)) {
        co_return AttemptOutcome{Kind::ClientGone};
      }
      relayed += scan.scanned;
      pending.erase(0, scan.scanned);
      scan.scanned = 0;
    }
    if (scan.saw_done || scan.saw_error || done) break;
    const auto ec = co_await connection.readSome(pending, done, input.deadline);
    if (ec) {
      // Bytes already reached the client: whatever broke, for the client the stream was cut.
      outcome.failure = ec == beast::error::timeout ? FailureKind::DeadlineExceeded : FailureKind::StreamCut;
      outcome.detail = ec.message();
      break;
    }
    scanEvents(pending, scan);
    if (done) terminateTrailingEvent(pending, scan);
  }

  if (scan.saw_done) {
    // Read what follows [DONE] (the terminating chunk) so the connection can serve again.
    std::string rest;
    if (!done && co_await readWholeBody(connection, rest, input.deadline)) connection.close();
  } else if (scan.saw_error) {
    outcome.failure = FailureKind::UpstreamError;
    outcome.detail = "upstream error event after " + std::to_string(relayed) + " bytes";
    connection.close();
  } else {
    if (outcome.failure == FailureKind::None) {
      outcome.failure = FailureKind::StreamCut;
      outcome.detail = "stream ended without [DONE]";
    }
    const std::string message = "The upstream stream from " + input.target.id + " broke after " +
                                std::to_string(relayed) + " bytes (" + outcome.detail +
                                "); the answer is incomplete.";
    const bool deadline = outcome.failure == FailureKind::DeadlineExceeded;
    const std::string event =
        streamErrorEvent(message, deadline ? "deadline_exceeded" : "stream_interrupted");
    connection.close();
    if (co_await writer.writeChunk(event, true)) co_return AttemptOutcome{Kind::ClientGone};
  }
  co_return outcome;
}

}  // namespace

boost::asio::awaitable<AttemptOutcome> runAttempt(const AttemptInput& input, http::ClientPool& pool,
                                                  http::ResponseWriter& writer) {
  const auto start = std::chrono::steady_clock::now();
  const auto& timeouts = input.route.timeouts;
  const SteadyTime attempt_deadline = std::min(start + timeouts.attempt, input.deadline);

  auto acquired = co_await pool.acquire(attempt_deadline);
  if (acquired.error) {
    co_return failed(ioFailure(acquired.error, true, attempt_deadline, input.deadline,
                               FailureKind::AttemptTimeout),
                     "connect: " + acquired.error.message());
  }
  std::unique_ptr<http::UpstreamConnection> connection = std::move(acquired.connection);
  // From here until the attempt returns, a client hang-up closes this connection.
  input.client.active = connection.get();
  struct Unwatch {
    ClientWatch& client;
    ~Unwatch() { client.active = nullptr; }
  } unwatch{input.client};

  // The client's body goes out as three pieces around the new model name: no copy of the body.
  const std::string_view body = input.request.body();
  const std::size_t content_length = body.size() - (input.model_span.end - input.model_span.begin) +
                                     input.endpoint.quoted_model.size();
  char head_tail[providers::openai::kRequestHeadTailMax];
  const std::size_t head_tail_size = providers::openai::requestHeadTail(input.stream, content_length, head_tail);
  const std::array<boost::asio::const_buffer, 5> pieces{
      boost::asio::buffer(input.endpoint.request_head),
      boost::asio::buffer(head_tail, head_tail_size),
      boost::asio::buffer(body.data(), input.model_span.begin),
      boost::asio::buffer(input.endpoint.quoted_model),
      boost::asio::buffer(body.data() + input.model_span.end, body.size() - input.model_span.end)};
  if (const auto ec = co_await connection->send(pieces, attempt_deadline)) {
    co_return failed(ioFailure(ec, false, attempt_deadline, input.deadline, FailureKind::AttemptTimeout),
                     "send: " + ec.message());
  }
  SteadyTime header_deadline = attempt_deadline;
  SteadyTime first_token_deadline = input.deadline;
  FailureKind header_timeout = FailureKind::AttemptTimeout;
  if (input.stream) {
    first_token_deadline = std::min(std::chrono::steady_clock::now() + timeouts.first_token, input.deadline);
    if (first_token_deadline < header_deadline) {
      header_deadline = first_token_deadline;
      header_timeout = FailureKind::FirstTokenTimeout;
    }
  }
  if (const auto ec = co_await connection->readHeader(header_deadline)) {
    co_return failed(ioFailure(ec, false, header_deadline, input.deadline, header_timeout),
                     "response: " + ec.message());
  }
  const int status = static_cast<int>(connection->header().result_int());

  if (input.stream && status == 200) {
    auto outcome = co_await relayStream(input, *connection, writer, first_token_deadline);
    if (outcome.kind == Kind::Delivered && outcome.failure == FailureKind::None) {
      pool.release(std::move(connection));
    }
    co_return outcome;
  }

  std::string answer;
  if (const auto size = connection->announcedBodySize()) answer.reserve(std::min<std::uint64_t>(*size, kReserveMax));
  if (const auto ec = co_await readWholeBody(*connection, answer, attempt_deadline)) {
    co_return failed(ioFailure(ec, false, attempt_deadline, input.deadline, FailureKind::AttemptTimeout),
                     "body: " + ec.message(), status);
  }
  const bool success = status >= 200 && status < 300;
  if (success && !canonical::isValidJson(answer)) {
    co_return failed(FailureKind::MalformedResponse, "answer is not valid JSON", status);
  }
  if (!success && resilience::isFailoverStatus(status)) {
    auto outcome = failed(FailureKind::UpstreamStatus, upstreamErrorDetail(status, answer), status);
    outcome.retry_after = retryAfterOf(connection->header());
    pool.release(std::move(connection));
    co_return outcome;
  }

  // A success, or the client's own mistake (400, 422...) which another target would not fix:
  // the client sees the provider's answer unchanged.
  const std::string_view content_type = connection->header()[beast_http::field::content_type];
  const std::string header_lines = answerHeaderLines(
      content_type.empty() ? std::string_view("application/json") : content_type, input.served_by,
      input.attempt_number);
  pool.release(std::move(connection));
  if (co_await writer.send(static_cast<beast_http::status>(status), header_lines, answer)) {
    co_return AttemptOutcome{Kind::ClientGone};
  }
  AttemptOutcome outcome;
  outcome.kind = Kind::Delivered;
  outcome.status = status;
  co_return outcome;
}

}  // namespace switchyard::proxy
