#include "http/server.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/http/parser.hpp>

#include "base/thread_name.h"
#include "http/asio_fwd.h"
#include "http/request_framing.h"
#include "http/request_head_reader.h"

namespace switchyard::http {

namespace http = beast::http;
using tcp = asio::ip::tcp;

// ---------------------------------------------------------------- connection

namespace {

constexpr std::size_t kRequestReadBuffer = 4 * 1024;
constexpr std::chrono::milliseconds kAcceptRetryPause{50};

bool isParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// The connections of one worker that wait for their next request, linked through their own frames
// (no allocation per request). Worker-thread only.
class IdleConnections {
 public:
  struct Link {
    ClientStream* stream = nullptr;
    Link* prev = nullptr;
    Link* next = nullptr;
    bool linked = false;
  };

  void insert(Link& link) {
    link.prev = nullptr;
    link.next = first_;
    if (first_ != nullptr) first_->prev = &link;
    first_ = &link;
    link.linked = true;
  }
  void erase(Link& link) {
    if (!link.linked) return;
    if (link.prev != nullptr) link.prev->next = link.next;
    else first_ = link.next;
    if (link.next != nullptr) link.next->prev = link.prev;
    link.linked = false;
  }
  // Cancels every waiting read (their handlers run later, so none unlinks during the walk).
  void cancelAll() {
    beast::error_code ignored;
    for (Link* link = first_; link != nullptr; link = link->next) link->stream->socket().cancel(ignored);
  }

 private:
  Link* first_ = nullptr;
};

// One worker's client connections: how many are open (read by drain() from another thread), which
// wait for their next request (a drain closes those at once), and whether the worker drains.
struct ConnectionHub {
  explicit ConnectionHub(asio::io_context& io) : gate(io) {}
  std::atomic<std::size_t> open{0};
  std::size_t max_open = 0;
  bool draining = false;
  IdleConnections idle;
  SteadyTimer gate;  // the accept loop waits on it while max_open connections are open

  void closed() {
    open.fetch_sub(1, std::memory_order_relaxed);
    gate.cancel();
  }
};

// While draining, a connection gets one request (a load balancer's readiness probe, told 503; a
// stray request, told to retry elsewhere), sent promptly.
constexpr std::chrono::seconds kDrainingRequestTimeout{2};

// The answer to a request that could not be read (too large, malformed, ambiguous framing), in
// the API its target names; nothing for a connection that closed or timed out. A coroutine of its
// own: the request reader's frame stays small enough for Asio to recycle, request after request.
Task<void> refuseRequest(ClientStream& stream, RequestHandler& handler, beast::error_code ec,
                                    std::string_view target) {
  Status status{};
  std::string_view message;
  std::string detail;
  if (ec == http::error::body_limit) {
    status = Status::payload_too_large;
    message = "Request body is larger than the gateway's limit (limits.max_body_bytes).";
  } else if (ec == http::error::header_limit) {
    status = Status::request_header_fields_too_large;
    message = "Request headers are larger than the gateway's limit (limits.max_header_bytes).";
  } else if (isFramingError(ec)) {
    status = Status::bad_request;
    detail = ec.message();
    message = detail;
  } else if (ec == http::error::bad_transfer_encoding) {
    status = Status::bad_request;
    message = "Transfer-Encoding must be \"chunked\" alone (RFC 9112 6.3): the request's framing is ambiguous.";
  } else if (isParseError(ec) && ec != http::error::partial_message &&
             ec != http::error::end_of_stream) {
    status = Status::bad_request;
    message = "Malformed HTTP request.";
  }
  if (status != Status{}) {
    Response response = handler.reject(status, message, target);
    response.version(11);
    response.keep_alive(false);
    response.prepare_payload();
    stream.expires_after(std::chrono::seconds(5));
    co_await http::async_write(stream, response, kAwaitTuple);
  }
}

// Reads the next request on a connection: the head (checked raw, then parsed from the buffer),
// 100-continue when asked, and the body. nullopt: the connection ends (closed, timed out, or a bad
// request already answered). Its own coroutine, so that the parser and the error answer live only
// while a request is read, not in the connection's frame for as long as the request is served
// (a stream can take minutes, and thousands of them wait at once).
Task<std::optional<Request>> readRequest(ClientStream& stream, ReadBuffer& buffer,
                                                    RequestHandler& handler, const ServerOptions& options,
                                                    ConnectionHub& hub, IdleConnections::Link& idle_link,
                                                    std::string& head_target) {
  RequestParser parser;
  applyRequestLimits(parser, options.max_header_bytes, options.max_body_bytes);
  stream.expires_after(hub.draining ? kDrainingRequestTimeout : options.idle_timeout);
  hub.idle.insert(idle_link);
  // Strict framing (http/request_framing.h): the raw head is checked before Beast parses it, the
  // parsed head (Transfer-Encoding, Content-Length, Host, target form) before the body is read.
  head_target.clear();
  beast::error_code ec = co_await readRequestHead(stream, buffer, options.max_header_bytes, head_target);
  std::size_t n = 0;
  if (!ec) {
    // The head is in the buffer (or the buffer is at the limit): Beast parses it from there, with
    // no read operation; only what it could not finish goes through async_read_header.
    buffer.consume(parser.put(buffer.data(), ec));
    if (ec == http::error::need_more) ec = {};
    if (!ec && !parser.is_header_done()) std::tie(ec, n) = co_await http::async_read_header(stream, buffer, parser, kAwaitTuple);
  }
  hub.idle.erase(idle_link);
  if (!ec) ec = checkRequestHead(parser.get());
  const std::size_t head_fields = ec ? 0 : fieldCount(parser.get());
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
  if (!ec && fieldCount(parser.get()) != head_fields) ec = FramingError::trailer;
  if (ec) {
    const std::string_view target = parser.is_header_done() ? std::string_view(parser.get().target()) : std::string_view(head_target);
    co_await refuseRequest(stream, handler, ec, target);
    co_return std::nullopt;
  }
  co_return parser.release();
}

// Serves one client connection until it closes, a request asks to close, the idle timeout hits or
// the server drains.
Task<void> serveConnection(TcpSocket socket, RequestHandler& handler,
                                      const ServerOptions& options, ConnectionHub& hub) {
  ClientStream stream{std::move(socket)};
  ReadBuffer buffer{requestBufferLimit(options.max_header_bytes)};
  // Beast reads at most the buffer's free capacity: make a typical request one read.
  buffer.reserve(kRequestReadBuffer);
  bool served = false;
  IdleConnections::Link idle_link{&stream};
  // The target as the head reader saw it, for the answer to a head Beast then refuses: kept across
  // requests, so that its storage is allocated once per connection rather than once per request.
  std::string head_target;
  for (;;) {
    if (hub.draining && served) break;
    if (buffer.capacity() < kRequestReadBuffer) buffer.reserve(kRequestReadBuffer);  // a stream released it
    std::optional<Request> request =
        co_await readRequest(stream, buffer, handler, options, hub, idle_link, head_target);
    if (!request) break;
    stream.expires_never();
    ResponseWriter writer{stream, request->version(), request->keep_alive() && !hub.draining,
                          WriteLimits{options.client_write_timeout}};
    writer.setReadBuffer(&buffer);
    co_await handler.handle(*request, writer);
    served = true;
    if (!writer.keepAlive() || hub.draining) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
  hub.closed();
}

}  // namespace

// ---------------------------------------------------------------- Server

struct Server::Worker {
  // One thread runs this io_context and starts every operation on its sockets; other threads only
  // post() to it. So the reactor needs no lock per socket operation (the scheduler keeps its lock,
  // for those posts, and so do timers).
  asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  TcpAcceptor acceptor{io};
  std::unique_ptr<RequestHandler> handler;
  std::thread thread;
  ConnectionHub hub{io};

  // On the worker's thread: close the keep-alive connections that wait for their next request, and
  // have the handler refuse new work (readiness turns 503). The listener stays open, so that a load
  // balancer's probes see the 503 rather than a refused connection.
  void beginDrain() {
    hub.draining = true;
    hub.idle.cancelAll();
    handler->drain();
  }
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
    TcpAcceptor probe(probe_io);
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
    // The cap is shared evenly: each worker accepts on its own socket.
    const std::size_t workers = static_cast<std::size_t>(options_.workers);
    worker->hub.max_open = std::max<std::size_t>(1, (options_.max_connections + workers - 1) / workers);
    workers_.push_back(std::move(worker));
  }
  return endpoint.port();
}

void Server::run() {
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    asio::co_spawn(
        w->io,
        [w, this]() -> Task<void> {
          for (;;) {
            // At the connection cap, wait for one to close (each close cancels the gate's timer).
            while (w->hub.open.load(std::memory_order_relaxed) >= w->hub.max_open && w->acceptor.is_open()) {
              w->hub.gate.expires_after(std::chrono::seconds(1));
              co_await w->hub.gate.async_wait(kAwaitTuple);
            }
            auto [ec, socket] = co_await w->acceptor.async_accept(kAwaitTuple);
            if (ec == asio::error::operation_aborted || !w->acceptor.is_open()) co_return;
            if (ec) {
              // Out of file descriptors (EMFILE) or memory: keep serving the connections we
              // have and try again shortly, rather than spinning on a failing accept.
              SteadyTimer pause(w->io, kAcceptRetryPause);
              co_await pause.async_wait(kAwaitTuple);
              continue;
            }
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            w->hub.open.fetch_add(1, std::memory_order_relaxed);
            asio::co_spawn(w->io, serveConnection(std::move(socket), *w->handler, options_, w->hub),
                           asio::detached);
          }
        },
        asio::detached);
  }
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    Worker* w = workers_[i].get();
    w->thread = std::thread([w, i] {
      base::nameThisThread("sy-worker-" + std::to_string(i));  // worker 0 runs on the main thread
      w->io.run();
    });
  }
  if (!workers_.empty()) workers_[0]->io.run();
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    if (workers_[i]->thread.joinable()) workers_[i]->thread.join();
  }
}

void Server::stop() {
  for (auto& worker : workers_) worker->io.stop();
}

std::size_t Server::connections() const {
  std::size_t open = 0;
  for (const auto& worker : workers_) open += worker->hub.open.load(std::memory_order_relaxed);
  return open;
}

void Server::forEachHandler(const std::function<void(RequestHandler&)>& task) {
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    asio::post(w->io, [w, task] { task(*w->handler); });
  }
}

DrainReport Server::drain(std::chrono::milliseconds grace) {
  using Clock = std::chrono::steady_clock;
  constexpr std::chrono::milliseconds kPoll{20};
  // After the grace period, the handlers end what is left; their last writes are bounded too.
  constexpr std::chrono::seconds kLastWrites{5};
  DrainReport report;
  report.connections_at_start = connections();
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    asio::post(w->io, [w] { w->beginDrain(); });
  }
  const auto grace_end = Clock::now() + grace;
  while (connections() > 0 && Clock::now() < grace_end) std::this_thread::sleep_for(kPoll);
  report.cut = connections();
  if (report.cut == 0) return report;
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    asio::post(w->io, [w] {
      w->handler->expire();
      // Nothing new from now on; whatever still waits for a request goes now.
      beast::error_code ignored;
      w->acceptor.close(ignored);
      w->hub.gate.cancel();
      w->hub.idle.cancelAll();
    });
  }
  const auto last_end = Clock::now() + kLastWrites;
  while (connections() > 0 && Clock::now() < last_end) std::this_thread::sleep_for(kPoll);
  return report;
}

}  // namespace switchyard::http
