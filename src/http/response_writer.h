#pragma once
// Writes the answer to one request, whole or as a chunked stream, with as few system calls as the
// answer allows: the head is serialised by hand and gathered with the body (or with the first
// chunk of a stream), and a stream's last data goes out with the terminating chunk.
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

namespace switchyard::http {

namespace beast = boost::beast;
using Response = beast::http::response<beast::http::string_body>;
using Status = beast::http::status;

// Appends the status line of an HTTP/1.x response.
void appendStatusLine(std::string& out, unsigned version, Status status);
// Appends header fields as "Name: value\r\n" lines, leaving out the framing fields
// (Content-Length, Transfer-Encoding, Connection), which the writer owns.
void appendHeaderLines(std::string& out, const beast::http::fields& fields);

// Lives on the connection's coroutine frame; not thread-safe (one worker owns it).
class ResponseWriter {
 public:
  ResponseWriter(beast::tcp_stream& stream, unsigned version, bool keep_alive)
      : stream_(stream), version_(version), keep_alive_(keep_alive) {}

  // Sends a complete response: head (with Content-Length and connection fields) and body in one write.
  boost::asio::awaitable<beast::error_code> send(Response response);
  // The same with the header fields pre-rendered as "Name: value\r\n" lines: no field objects
  // are built on the proxy's hot path. `body` must stay alive until the write completes.
  boost::asio::awaitable<beast::error_code> send(Status status, std::string_view header_lines,
                                                 std::string_view body);

  // Starts a chunked response with this status and header lines ("Name: value\r\n" each).
  // Nothing is written yet: the head leaves with the first chunk.
  void beginStream(Status status, std::string_view header_lines);
  // Writes one chunk; with `last`, the terminating chunk follows in the same write.
  boost::asio::awaitable<beast::error_code> writeChunk(std::string_view data, bool last = false);
  bool keepAlive() const { return keep_alive_; }
  // Gives up the connection after this exchange (no keep-alive).
  void abort() { keep_alive_ = false; }
  beast::tcp_stream& stream() { return stream_; }

 private:
  void appendConnectionField(std::string& head) const;

  beast::tcp_stream& stream_;
  unsigned version_;
  bool keep_alive_;
  std::string head_;  // a stream's head, until the first chunk takes it along
};

}  // namespace switchyard::http
