#include "proxy/upstream_attempt.h"

#include <algorithm>
#include <array>

#include <boost/beast/http/field.hpp>

#include "canonical/context_limit.h"
#include "canonical/json_probe.h"
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

// "HTTP 503 (the provider's words)" for the all-targets-failed message.
std::string upstreamErrorDetail(int status, std::string_view body) {
  std::string detail = "HTTP " + std::to_string(status);
  const std::string message = providers::openai::errorMessageOf(body, kDetailMax);
  if (!message.empty()) detail.append(" (").append(message).append(")");
  return detail;
}

}  // namespace

boost::asio::awaitable<AttemptOutcome> runAttempt(const AttemptInput& input, http::ClientPool& pool,
                                                  http::ResponseWriter& writer) {
  // The client's body goes out as three pieces around the new model name: no copy of the body.
  const std::string_view body = input.request.body();
  const std::size_t content_length = body.size() - (input.model_span.end - input.model_span.begin) +
                                     input.endpoint.quoted_model.size();
  char head_tail[providers::openai::kRequestHeadTailMax];
  const std::size_t head_tail_size = providers::openai::requestHeadTail(input.stream, content_length, head_tail);
  const std::string_view request_id_line = writer.requestIdLine();
  const std::array<boost::asio::const_buffer, 7> pieces{
      boost::asio::buffer(input.endpoint.request_head),
      boost::asio::buffer(input.extra_head.data(), input.extra_head.size()),
      boost::asio::buffer(request_id_line.data(), request_id_line.size()),
      boost::asio::buffer(head_tail, head_tail_size),
      boost::asio::buffer(body.data(), input.model_span.begin),
      boost::asio::buffer(input.endpoint.quoted_model),
      boost::asio::buffer(body.data() + input.model_span.end, body.size() - input.model_span.end)};
  UpstreamLease connection(pool, input.client, input.race.gate, input.race.racer);
  const auto opened = co_await openExchange(connection, pieces, input.route, input.deadline, input.stream);
  if (!opened.ok) co_return opened.failure;
  const SteadyTime attempt_deadline = opened.attempt_deadline;
  const int status = static_cast<int>(connection->header().result_int());

  if (input.stream && status == 200) {
    auto outcome = co_await relayStream(input, *connection, writer, opened.first_token_deadline);
    if (outcome.kind == Kind::Delivered && outcome.failure == FailureKind::None) connection.release();
    co_return outcome;
  }

  std::string answer;
  reserveForBody(*connection, answer);
  if (const auto ec = co_await readWholeBody(*connection, answer, attempt_deadline)) {
    co_return failed(ioFailure(ec, false, attempt_deadline, input.deadline, FailureKind::AttemptTimeout),
                     "body: " + tooLargeOr(ec, input.route.limits.max_response_bytes), status);
  }
  const bool success = status >= 200 && status < 300;
  if (success && !canonical::isValidJson(answer)) {
    co_return failed(FailureKind::MalformedResponse, "answer is not valid JSON", status);
  }
  if (!success && input.context_fallback != nullptr) {
    canonical::Arena arena(1024);
    const canonical::Error error = input.context_fallback->decodeError(status, answer, arena);
    if (error.category == canonical::ErrorCategory::ContextLengthExceeded) {
      connection.release();
      auto outcome = failed(FailureKind::ContextLength, upstreamErrorDetail(status, answer), status);
      outcome.context_limit = canonical::contextLimitFromError(answer);
      co_return outcome;
    }
  }
  if (!success && resilience::isFailoverStatus(status)) {
    auto outcome = failed(FailureKind::UpstreamStatus, upstreamErrorDetail(status, answer), status);
    outcome.retry_after = retryAfterOf(connection->header());
    connection.release();
    co_return outcome;
  }

  // A success, or the client's own mistake (400, 422...) which another target would not fix:
  // the client sees the provider's answer unchanged.
  const std::string_view content_type = connection->header()[beast_http::field::content_type];
  const std::string header_lines = answerHeaderLines(
      content_type.empty() ? std::string_view("application/json") : content_type, input.served_by,
      input.attempt_number);
  connection.release();
  if (!input.race.claim()) co_return hedgeLost();
  if (co_await writer.send(static_cast<beast_http::status>(status), header_lines, answer)) {
    co_return AttemptOutcome{Kind::ClientGone};
  }
  AttemptOutcome outcome;
  outcome.kind = Kind::Delivered;
  outcome.status = status;
  co_return outcome;
}

}  // namespace switchyard::proxy
