#pragma once
// Upstream HTTP/1.1 client: keep-alive connections to one provider endpoint, plain or TLS.
// A pool belongs to one worker thread (no locks); every operation is bounded by a deadline.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>

#include "base/executor.h"
#include "base/failure.h"
#include "base/recycling_allocator.h"
#include "http/read_buffer.h"

namespace switchyard::http {

// An upstream answer's header fields live in blocks the worker thread recycles (no malloc per field).
using UpstreamFields = boost::beast::http::basic_fields<base::RecyclingAllocator<char>>;
using UpstreamHeader = boost::beast::http::response_header<UpstreamFields>;

namespace beast = boost::beast;
using SteadyTime = std::chrono::steady_clock::time_point;

struct UpstreamTarget {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
};

// Builds the TLS context for a provider: system trust store plus an optional extra CA file.
// Throws std::runtime_error when the CA file cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> makeClientTlsContext(const std::string& ca_file);

// The failure an I/O error code stands for.
base::FailureKind classifyIoError(const beast::error_code& ec, bool during_connect);

// One upstream connection. Methods map I/O errors to codes; timeouts surface as beast::error::timeout.
class UpstreamConnection {
 public:
  virtual ~UpstreamConnection() = default;

  // Sends a whole request (head and body pieces, already HTTP/1.1-framed by the caller). Plain
  // connections write the pieces with one gather write, so the body is never copied.
  virtual Task<beast::error_code> send(
      std::span<const boost::asio::const_buffer> pieces, SteadyTime deadline) = 0;
  // Reads the response header.
  virtual Task<beast::error_code> readHeader(SteadyTime deadline) = 0;
  const UpstreamHeader& header() const { return parser_->get().base(); }
  // Reads the next piece of the body into `out` (appended). Sets `done` when the body is complete.
  virtual Task<beast::error_code> readSome(std::string& out, bool& done,
                                                             SteadyTime deadline) = 0;
  // The body size the header announced (Content-Length), when it did.
  std::optional<std::uint64_t> announcedBodySize() const {
    const auto length = parser_->content_length();
    return length ? std::optional<std::uint64_t>(*length) : std::nullopt;
  }
  // True when the connection can serve another request: the whole answer was read, keep-alive, and
  // nothing was read past it (bytes after a Content-Length body would be the next request's answer).
  bool reusable() const { return parser_->is_done() && parser_->keep_alive() && !broken_ && buffer_.size() == 0; }
  // Closes at once; a pending operation completes with operation_aborted.
  virtual void close() = 0;
  // True when the peer has closed an idle connection (checked before reuse, without blocking).
  virtual bool peerClosed() = 0;
  virtual bool isOpen() = 0;
  // The connection goes idle in its pool: its deadline no longer applies.
  virtual void parked() = 0;
  // Prepares for the next exchange on the same connection.
  void reset();
  // Bounds this exchange's body: past it, reads fail with http::error::body_limit (a Content-Length
  // above it fails at once). Streams are bounded per event by their reader instead.
  void limitBody(std::uint64_t max_bytes) { parser_->body_limit(max_bytes); }
  // When the connection last went back to its pool.
  std::chrono::steady_clock::time_point released_at;

 protected:
  UpstreamConnection();
  using Parser = beast::http::parser<false, beast::http::buffer_body, base::RecyclingAllocator<char>>;
  // Beast parsers are single-use: reset() builds a new one in place for each exchange.
  std::optional<Parser> parser_;
  // The same buffer type as the client side's (http::ReadBuffer). Its first 4 KiB come from a
  // recycled block; a stream's 16 KiB, taken again after each wait, are past the recycled classes
  // (8 KiB) and still come from operator new.
  ReadBuffer buffer_;
  std::unique_ptr<char[]> chunk_;  // body bytes land here, then are appended to the caller's string
  bool broken_ = false;
};

// Keep-alive pool for one provider endpoint on one worker.
class ClientPool {
 public:
  ClientPool(boost::asio::io_context& io, UpstreamTarget target,
             std::shared_ptr<boost::asio::ssl::context> tls, std::size_t max_idle);
  ~ClientPool();

  struct Acquired {
    std::unique_ptr<UpstreamConnection> connection;
    beast::error_code error;
    bool during_connect = false;  // the error came from resolve/connect/handshake
  };
  // An idle connection, or a new one connected (and TLS-handshaken) before the deadline.
  Task<Acquired> acquire(SteadyTime deadline);
  // acquire()'s two halves. reuseIdle(), without a coroutine: an idle connection fit for the next
  // exchange, or null (the usual case on a busy route costs no coroutine frame). connect(): a new one.
  std::unique_ptr<UpstreamConnection> reuseIdle();
  Task<Acquired> connect(SteadyTime deadline);
  // Returns a connection after an exchange; kept only if reusable and the pool has room.
  void release(std::unique_ptr<UpstreamConnection> connection);

  const UpstreamTarget& target() const { return target_; }

 private:
  boost::asio::io_context& io_;
  UpstreamTarget target_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::size_t max_idle_;
  std::vector<std::unique_ptr<UpstreamConnection>> idle_;
  std::vector<boost::asio::ip::tcp::endpoint> resolved_;
};

}  // namespace switchyard::http
