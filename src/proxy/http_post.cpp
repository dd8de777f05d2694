#include "proxy/http_post.h"

#include <array>
#include <memory>

#include "base/executor.h"

namespace switchyard::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

// A webhook's or collector's answer is a few bytes: read it whole so that the connection can be
// reused, but no further.
constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

}  // namespace

Task<std::string> postOnce(http::ClientPool& pool, std::string_view head, std::string_view body,
                                      std::chrono::steady_clock::time_point deadline) {
  const std::string length = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  const std::array<asio::const_buffer, 3> pieces{asio::buffer(head.data(), head.size()), asio::buffer(length),
                                                 asio::buffer(body.data(), body.size())};
  std::unique_ptr<http::UpstreamConnection> connection = pool.reuseIdle();
  bool reused = connection != nullptr;
  for (;;) {
    if (!connection) {
      auto acquired = co_await pool.connect(deadline);
      if (acquired.error) co_return "connect: " + acquired.error.message();
      connection = std::move(acquired.connection);
    }
    auto ec = co_await connection->send(pieces, deadline);
    if (!ec) ec = co_await connection->readHeader(deadline);
    if (!ec) break;
    // A kept-alive connection the server closed in between: once more, on a new one.
    if (reused && ec != beast::error::timeout) {
      connection.reset();
      reused = false;
      continue;
    }
    co_return "exchange: " + ec.message();
  }
  const unsigned status = connection->header().result_int();
  std::string answer;
  bool done = false;
  beast::error_code body_error;
  while (!done && !body_error && answer.size() <= kMaxAnswerBytes) {
    body_error = co_await connection->readSome(answer, done, deadline);
  }
  if (done && !body_error) pool.release(std::move(connection));
  if (status < 200 || status >= 300) co_return "HTTP " + std::to_string(status);
  co_return std::string();
}

}  // namespace switchyard::proxy
