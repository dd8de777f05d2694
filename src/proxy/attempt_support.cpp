#include "proxy/attempt_support.h"

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

boost::asio::awaitable<beast::error_code> readWholeBody(http::UpstreamConnection& connection,
                                                        std::string& body, SteadyTime deadline) {
  bool done = false;
  while (!done) {
    const auto ec = co_await connection.readSome(body, done, deadline);
    if (ec) co_return ec;
  }
  co_return beast::error_code{};
}

}  // namespace switchyard::proxy
