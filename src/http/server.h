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

namespace switchyard::http {

namespace beast = boost::beast;
using Request = beast::http::request<beast::http::string_body>;
using Response = beast::http::response<beast::http::string_body>;
using Status = beast::http::status;

// Writes the answer to one request, either whole (send) or as a chunked stream. Lives on the
// connection's coroutine frame; not thread-safe (one worker owns it).
class ResponseWriter {
 public:
  ResponseWriter(beast::tcp_stream& stream, unsigned version, bool keep_alive)
      : stream_(stream), version_(version), keep_alive_(keep_alive) {}

  // Sends a complete response; sets version, keep-alive and Content-Length.
  boost::asio::awaitable<beast::error_code> send(Response response);

  // Starts a chunked response with this header (status and fields set by the caller).
  boost::asio::awaitable<beast::error_code> beginStream(beast::http::response_header<>& header);
  // Writes one chunk (no-op for empty data).
  boost::asio::awaitable<beast::error_code> writeChunk(std::string_view data);
  // Ends the chunked body; `complete` false means the stream is deliberately cut short: the
  // connection is closed without the last chunk so the client cannot mistake it for a whole answer.
  boost::asio::awaitable<beast::error_code> endStream(bool complete = true);

  bool started() const { return started_; }
  bool keepAlive() const { return keep_alive_; }
  // Aborts the connection (no further writes, no keep-alive).
  void abort() { keep_alive_ = false; }
  beast::tcp_stream& stream() { return stream_; }

 private:
  beast::tcp_stream& stream_;
  unsigned version_;
  bool keep_alive_;
  bool started_ = false;
};

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
