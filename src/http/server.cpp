#include "http/server.h"

#include <stdexcept>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/http/parser.hpp>

#include "http/asio_fwd.h"

namespace switchyard::http {

namespace http = beast::http;
using tcp = asio::ip::tcp;

// ---------------------------------------------------------------- connection

namespace {

constexpr std::size_t kRequestReadBuffer = 8 * 1024;
constexpr std::chrono::milliseconds kAcceptRetryPause{50};

bool isParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// A request's body is framed by Content-Length or by a Transfer-Encoding that is exactly one
// "chunked". Anything else ("gzip", "identity", "chunked, chunked", two header lines...) would be
// read by Beast as a body-less request whose bytes then parse as the next request, while a front
// proxy may have framed it the other way: the classic smuggling gap. RFC 9112 6.3: 400 and close.
template <class Fields>
bool hasPlainFraming(const http::request_header<Fields>& head) {
  const auto count = head.count(http::field::transfer_encoding);
  if (count == 0) return true;
  if (count > 1) return false;
  std::string_view value = head[http::field::transfer_encoding];
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return beast::iequals(value, "chunked");
}

// Serves one client connection until it closes, a request asks to close, or the idle timeout hits.
asio::awaitable<void> serveConnection(tcp::socket socket, RequestHandler& handler,
                                      const ServerOptions& options) {
  beast::tcp_stream stream{std::move(socket)};
  beast::flat_buffer buffer;
  // Beast reads at most the buffer's free capacity: make a typical request one read.
  buffer.reserve(kRequestReadBuffer);
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    stream.expires_after(options.idle_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kAwaitTuple);
    if (!ec && !hasPlainFraming(parser.get())) ec = http::error::bad_transfer_encoding;
    if (!ec && parser.get()[http::field::expect] == "100-continue") {
      // curl and some SDKs wait for this before sending a body.
      http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
      std::tie(ec, n) = co_await http::async_write(stream, go_on, kAwaitTuple);
    }
    if (!ec && !parser.is_done() && buffer.size() > 0) {
      // The body usually arrives with the head: parse it from the buffer, no read operation.
      for (;;) {
        const std::size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec || used == 0 || parser.is_done() || buffer.size() == 0) break;
      }
      if (ec == http::error::need_more) ec = {};
    }
    if (!ec && !parser.is_done()) {
      std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kAwaitTuple);
    }
    if (ec) {
      Status status{};
      std::string_view message;
      if (ec == http::error::body_limit) {
        status = Status::payload_too_large;
        message = "Request body is larger than the gateway's limit (limits.max_body_bytes).";
      } else if (ec == http::error::header_limit) {
        status = Status::request_header_fields_too_large;
        message = "Request headers are larger than the gateway's limit (limits.max_header_bytes).";
      } else if (ec == http::error::bad_transfer_encoding) {
        status = Status::bad_request;
        message = "Transfer-Encoding must be \"chunked\" alone (RFC 9112 6.3): the request's framing is ambiguous.";
      } else if (isParseError(ec) && ec != http::error::partial_message &&
                 ec != http::error::end_of_stream) {
        status = Status::bad_request;
        message = "Malformed HTTP request.";
      }
      if (status != Status{}) {
        const std::string target =
            parser.is_header_done() ? std::string(parser.get().target()) : std::string();
        Response response = handler.reject(status, message, target);
        response.version(11);
        response.keep_alive(false);
        response.prepare_payload();
        stream.expires_after(std::chrono::seconds(5));
        co_await http::async_write(stream, response, kAwaitTuple);
      }
      break;
    }
    stream.expires_never();
    Request request = parser.release();
    ResponseWriter writer{stream, request.version(), request.keep_alive()};
    co_await handler.handle(request, writer);
    if (!writer.keepAlive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

}  // namespace

// ---------------------------------------------------------------- Server

struct Server::Worker {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::unique_ptr<RequestHandler> handler;
  std::thread thread;
};

Server::Server(ServerOptions options, HandlerFactory factory)
    : options_(std::move(options)), factory_(std::move(factory)) {
  if (options_.workers < 1) options_.workers = 1;
}

Server::~Server() {
  stop();
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

std::uint16_t Server::bind() {
  tcp::endpoint endpoint{asio::ip::make_address(options_.host), options_.port};
  {
    // SO_REUSEPORT lets any process of the same user join a port and take part of its traffic. A
    // socket bound without it fails on an address that anyone is listening on, so a second gateway
    // (a stale instance, a typo'd deploy) refuses to start instead of silently sharing the port.
    // It also picks the port when the configuration says 0; the workers' sockets then bind it.
    asio::io_context probe_io;
    tcp::acceptor probe(probe_io);
    probe.open(endpoint.protocol());
    probe.set_option(asio::socket_base::reuse_address(true));
    boost::system::error_code ec;
    probe.bind(endpoint, ec);
    if (ec == asio::error::address_in_use) {
      throw std::runtime_error("address already in use (is another switchyard or server listening on it?)");
    }
    if (ec) throw std::runtime_error(ec.message());
    endpoint.port(probe.local_endpoint().port());
  }
  for (int i = 0; i < options_.workers; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->acceptor.open(endpoint.protocol());
    worker->acceptor.set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    ::setsockopt(worker->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    boost::system::error_code ec;
    worker->acceptor.bind(endpoint, ec);
    if (!ec) worker->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    // The message alone: a system_error's what() would show a Boost source path.
    if (ec) throw std::runtime_error(ec.message());
    // With port 0 the first bind picks the port; the other workers share it.
    endpoint.port(worker->acceptor.local_endpoint().port());
    worker->handler = factory_(worker->io);
    workers_.push_back(std::move(worker));
  }
  return endpoint.port();
}

void Server::run() {
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    asio::co_spawn(
        w->io,
        [w, this]() -> asio::awaitable<void> {
          for (;;) {
            auto [ec, socket] = co_await w->acceptor.async_accept(kAwaitTuple);
            if (ec == asio::error::operation_aborted || !w->acceptor.is_open()) co_return;
            if (ec) {
              // Out of file descriptors (EMFILE) or memory: keep serving the connections we
              // have and try again shortly, rather than spinning on a failing accept.
              asio::steady_timer pause(w->io, kAcceptRetryPause);
              co_await pause.async_wait(kAwaitTuple);
              continue;
            }
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            asio::co_spawn(w->io, serveConnection(std::move(socket), *w->handler, options_),
                           asio::detached);
          }
        },
        asio::detached);
  }
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    Worker* w = workers_[i].get();
    w->thread = std::thread([w] { w->io.run(); });
  }
  if (!workers_.empty()) workers_[0]->io.run();
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    if (workers_[i]->thread.joinable()) workers_[i]->thread.join();
  }
}

void Server::stop() {
  for (auto& worker : workers_) worker->io.stop();
}

}  // namespace switchyard::http
