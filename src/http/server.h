#pragma once
// HTTP/1.1 server: one io_context and one SO_REUSEPORT listener per worker thread, keep-alive
// connections, header and body limits enforced by the parser before a handler ever runs.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "base/executor.h"
#include "http/request_framing.h"
#include "http/response_writer.h"

namespace switchyard::http {

using Request = beast::http::request<beast::http::string_body, RequestFields>;

// Called on the worker thread that owns the connection. One instance per worker, so handlers may
// keep worker-local state (connection pools) without locks.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual Task<void> handle(Request& request, ResponseWriter& writer) = 0;
  // Renders a rejection the server decides before any handler runs (body or header too large,
  // unparseable request), in the dialect of the API the client called.
  virtual Response reject(Status status, std::string_view message, std::string_view target) = 0;
  // Graceful shutdown, on the worker's thread: drain() when the gateway stops taking new work
  // (readiness turns 503); expire() when the grace period is over and what is still in flight must
  // end now (streams with the client dialect's error event).
  virtual void drain() {}
  virtual void expire() {}
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int workers = 1;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds client_write_timeout{30000};
  // Past this many open client connections (the whole server), accepting pauses until one closes;
  // the kernel's backlog holds the next ones meanwhile.
  std::size_t max_connections = 10000;
};

// What a graceful shutdown did.
struct DrainReport {
  std::size_t connections_at_start = 0;  // open client connections when it began
  std::size_t cut = 0;                   // still open when the grace period ended
};

using HandlerFactory = std::function<std::unique_ptr<RequestHandler>(boost::asio::io_context&)>;

class Server {
 public:
  Server(ServerOptions options, HandlerFactory factory);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every worker's listener; throws std::system_error when the address cannot be bound.
  // Returns the bound port (useful with port 0).
  std::uint16_t bind();
  // Runs the workers on their threads and blocks until stop() is called (from any thread).
  void run();
  void stop();
  // Graceful shutdown, from any thread but the workers': closes idle keep-alive connections, has
  // the handlers refuse new work (RequestHandler::drain; a connection accepted meanwhile gets one
  // request), lets requests in flight finish (their connections close after the answer) for up to
  // `grace`, then stops accepting and has the handlers end what remains; returns once every
  // connection is closed (or a few seconds after the grace period). run() returns after stop().
  DrainReport drain(std::chrono::milliseconds grace);
  // Open client connections, all workers (any thread).
  std::size_t connections() const;
  // Runs `task` on every worker's thread (e.g. to swap a handler's state on reload).
  void forEachHandler(const std::function<void(RequestHandler&)>& task);

 private:
  struct Worker;
  ServerOptions options_;
  HandlerFactory factory_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace switchyard::http
