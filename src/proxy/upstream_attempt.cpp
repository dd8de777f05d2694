#include "proxy/upstream_attempt.h"

#include <algorithm>
#include <array>

#include <boost/beast/http/field.hpp>

#include "base/executor.h"
#include "canonical/context_limit.h"
#include "canonical/json_validate.h"
#include "canonical/usage_scan.h"
#include "http/field_lookup.h"
#include "providers/openai/chat_endpoint.h"
#include "providers/openai/error_message.h"
#include "proxy/attempt_support.h"
#include "proxy/response_headers.h"
#include "proxy/stream_relay.h"
#include "resilience/failover_policy.h"

namespace switchyard::proxy {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using base::FailureKind;
using Kind = AttemptOutcome::Kind;

namespace {

// The request as buffers around the client's body, which is not copied: the head, then the body
// with the new model name spliced in and, for an OpenAI stream whose client did not ask for its usage,
// stream_options.include_usage. A plain function, so that what it works with stays out of the
// attempt's coroutine frame.
struct RequestPieces {
  std::array<boost::asio::const_buffer, 10> buffers;
  std::size_t count = 0;
  bool asked_usage = false;  // the gateway asked for the stream's usage: its usage chunk is not the client's
};

void buildRequest(const AttemptInput& input, std::string_view request_id_line, char* head_tail,
                  RequestPieces& out) {
  struct Edit {  // bytes [at.begin, at.end) of the body replaced by `text`
    canonical::ByteSpan at;
    std::string_view text;
  };
  const std::string_view body = input.request.body();
  Edit first{input.model_span, input.endpoint.quoted_model};
  Edit second{{body.size(), body.size()}, {}};
  if (input.stream && input.endpoint.dialect == canonical::Dialect::OpenAi) {
    const canonical::IncludeUsageEdit usage = canonical::includeUsageEdit(body);
    if (usage.splice) {
      out.asked_usage = true;
      second = {usage.at, usage.text};
      if (second.at.begin < first.at.begin) std::swap(first, second);
    }
  }
  const std::size_t content_length = body.size() - (first.at.end - first.at.begin) + first.text.size() -
                                     (second.at.end - second.at.begin) + second.text.size();
  const std::size_t head_tail_size = providers::openai::requestHeadTail(input.stream, content_length, head_tail);
  out.buffers = {boost::asio::buffer(input.endpoint.request_head),
                 boost::asio::buffer(input.extra_head.data(), input.extra_head.size()),
                 boost::asio::buffer(request_id_line.data(), request_id_line.size()),
                 boost::asio::buffer(input.trace_lines.data(), input.trace_lines.size()),
                 boost::asio::buffer(head_tail, head_tail_size),
                 boost::asio::buffer(body.data(), first.at.begin),
                 boost::asio::buffer(first.text.data(), first.text.size()),
                 boost::asio::buffer(body.data() + first.at.end, second.at.begin - first.at.end),
                 boost::asio::buffer(second.text.data(), second.text.size()),
                 boost::asio::buffer(body.data() + second.at.end, body.size() - second.at.end)};
  out.count = out.asked_usage ? 10 : 8;  // else the last piece of the body is buffers[7]
}

// "HTTP 503 (the provider's words)" for the all-targets-failed message.
std::string upstreamErrorDetail(int status, std::string_view body) {
  std::string detail = "HTTP " + std::to_string(status);
  const std::string message = providers::openai::errorMessageOf(body, kDetailMax);
  if (!message.empty()) detail.append(" (").append(message).append(")");
  return detail;
}

// Builds the forwarded request (buffers around the client's body) and opens the exchange with it.
// A coroutine of its own: the pieces are needed only until the request is written, and without
// them the attempt's frame is small enough for Asio to recycle.
Task<OpenedExchange> openForwarded(const AttemptInput& input, UpstreamLease& connection,
                                                     std::string_view request_id_line, bool& asked_usage) {
  char head_tail[providers::openai::kRequestHeadTailMax];
  RequestPieces request;
  buildRequest(input, request_id_line, head_tail, request);
  asked_usage = request.asked_usage;
  co_return co_await openExchange(connection, std::span(request.buffers.data(), request.count), input.route,
                                  input.deadline, input.stream, input.quota);
}

// What a whole (non-stream) answer means for the attempt: a failure to fail over from (invalid JSON
// on a success, a failover status, a prompt too long for this target), or the answer to deliver,
// with its usage and `header_lines`. Releases the connection for reuse when its answer was read
// whole and valid. A plain function, so that what it works with stays out of the attempt's frame.
AttemptOutcome judgeAnswer(const AttemptInput& input, UpstreamLease& connection, int status, const std::string& answer,
                           std::string& header_lines) {
  const bool success = status >= 200 && status < 300;
  if (success && !canonical::isValidJson(answer)) {
    return failed(FailureKind::MalformedResponse, "answer is not valid JSON", status);
  }
  if (!success && input.context_fallback != nullptr) {
    canonical::Arena arena(1024);
    const canonical::Error error = input.context_fallback->decodeError(status, answer, arena);
    if (error.category == canonical::ErrorCategory::ContextLengthExceeded) {
      connection.release();
      auto outcome = failed(FailureKind::ContextLength, upstreamErrorDetail(status, answer), status);
      outcome.context_limit = canonical::contextLimitFromError(answer);
      return outcome;
    }
  }
  if (!success && resilience::isFailoverStatus(status)) {
    auto outcome = failed(FailureKind::UpstreamStatus, upstreamErrorDetail(status, answer), status);
    outcome.retry_after = retryAfterOf(connection->header());
    connection.release();
    return outcome;
  }

  // A success, or the client's own mistake (400, 422...) which another target would not fix:
  // the client sees the provider's answer unchanged.
  AttemptOutcome outcome;
  outcome.kind = Kind::Delivered;
  outcome.status = status;
  if (success) outcome.usage_known = canonical::scanAnswerUsage(input.endpoint.dialect, answer, outcome.usage);
  const std::string_view content_type = http::fieldValue(connection->header(), "content-type");
  header_lines = answerHeaderLines(
      content_type.empty() ? std::string_view("application/json") : content_type, input.served_by,
      input.attempt_number);
  appendCostHeader(header_lines, input.price, outcome);
  connection.release();
  return outcome;
}

// A non-stream answer: read whole, judged, and delivered unless it is one to fail over from. A
// coroutine of its own, so that a stream's attempt does not hold this one's state.
Task<AttemptOutcome> deliverWholeAnswer(const AttemptInput& input, UpstreamLease& connection,
                                                          http::ResponseWriter& writer, int status,
                                                          SteadyTime attempt_deadline) {
  std::string answer;
  reserveForBody(*connection, answer);
  if (const auto ec = co_await readWholeBody(*connection, answer, attempt_deadline)) {
    co_return failed(ioFailure(ec, false, attempt_deadline, input.deadline, FailureKind::AttemptTimeout),
                     "body: " + tooLargeOr(ec, input.route.limits.max_response_bytes), status);
  }
  std::string header_lines;
  AttemptOutcome outcome = judgeAnswer(input, connection, status, answer, header_lines);
  if (outcome.kind != Kind::Delivered) co_return outcome;
  if (!input.race.claim()) {
    AttemptOutcome lost = hedgeLost();
    lost.usage = outcome.usage;
    lost.usage_known = outcome.usage_known;
    co_return lost;
  }
  journalBeforeTheEnd(input.journal, input.target, input.price, outcome.usage, outcome.usage_known);
  if (co_await writer.send(static_cast<beast_http::status>(status), header_lines, answer)) {
    outcome.kind = Kind::ClientGone;
    outcome.status = 0;
  }
  co_return outcome;
}

}  // namespace

Task<AttemptOutcome> runAttempt(const AttemptInput& input, http::ClientPool& pool,
                                                  http::ResponseWriter& writer) {
  UpstreamLease connection(pool, input.client, input.race.gate, input.race.racer);
  bool asked_usage = false;
  const auto opened = co_await openForwarded(input, connection, writer.requestIdLine(), asked_usage);
  if (!opened.ok) co_return opened.failure;
  const SteadyTime attempt_deadline = opened.attempt_deadline;
  const int status = static_cast<int>(connection->header().result_int());

  if (input.stream && status == 200) {
    // The usage chunk the gateway asked for is the gateway's: the client, which did not ask, never sees it.
    canonical::StreamUsageMeter usage;
    auto outcome =
        co_await relayStream(input, *connection, writer, opened.first_token_deadline, asked_usage, usage);
    if (outcome.kind != Kind::Failed) setUsage(outcome, usage);
    if (outcome.kind == Kind::Delivered && outcome.failure == FailureKind::None) connection.release();
    co_return outcome;
  }

  co_return co_await deliverWholeAnswer(input, connection, writer, status, attempt_deadline);
}

}  // namespace switchyard::proxy
