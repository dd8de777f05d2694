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

#include "http/response_writer.h"

namespace switchyard::http {

using Request = beast::http::request<beast::http::string_body>;

// Called on the worker thread that owns the connection. One instance per worker, so handlers may
// keep worker-local state (connection pools) without locks.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual boost::asio::awaitable<void> handle(Request& request, ResponseWriter& writer) = 0;
  // Renders a rejection the server decides before any handler runs (body or header too large,
  // unparseable request), in the dialect of the API the client called.
  virtual Response reject(Status status, std::string_view message, std::string_view target) = 0;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int workers = 1;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds idle_timeout{60000};
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

 private:
  struct Worker;
  ServerOptions options_;
  HandlerFactory factory_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace switchyard::http
