#pragma once
// Writes the answer to one request, whole or as a chunked stream, with as few system calls as the
// answer allows: the head is serialised by hand and gathered with the body (or with the first
// chunk of a stream), and a stream's last data goes out with the terminating chunk.
#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/asio_fwd.h"
#include "http/client_stream.h"
#include "http/read_buffer.h"

namespace switchyard::http {

namespace beast = boost::beast;
using Response = beast::http::response<beast::http::string_body>;
using Status = beast::http::status;

// Appends the status line of an HTTP/1.x response.
void appendStatusLine(std::string& out, unsigned version, Status status);
// Appends header fields as "Name: value\r\n" lines, leaving out the framing fields
// (Content-Length, Transfer-Encoding, Connection), which the writer owns.
void appendHeaderLines(std::string& out, const beast::http::fields& fields);

// The longest request id a writer carries (proxy/request_id.h decides which ids are accepted).
inline constexpr std::size_t kRequestIdMax = 128;

// How long writing to a client may take. A client that takes no bytes for `write_timeout` (or
// until the request's deadline, whichever comes first) is dropped: a write that fails ends the
// exchange, which cancels the upstream.
struct WriteLimits {
  std::chrono::milliseconds write_timeout{30000};
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// Lives on the connection's coroutine frame; not thread-safe (one worker owns it).
class ResponseWriter {
 public:
  ResponseWriter(ClientStream& stream, unsigned version, bool keep_alive, WriteLimits limits = {})
      : stream_(stream), version_(version), keep_alive_(keep_alive), limits_(limits) {}
  // The request's total deadline (timeouts.total) bounds writing its answer too.
  void setDeadline(std::chrono::steady_clock::time_point deadline) { limits_.deadline = deadline; }
  // The connection's read buffer: a stream (which may last minutes) releases it while it runs, if
  // it holds no pipelined bytes; the connection reserves it again before its next request.
  void setReadBuffer(ReadBuffer* buffer) { read_buffer_ = buffer; }

  // Sends a complete response: head (with Content-Length and connection fields) and body in one write.
  // `response` must stay alive until the write completes (the caller co_awaits it).
  Task<beast::error_code> send(const Response& response);
  // The same with the header fields pre-rendered as "Name: value\r\n" lines: no field objects
  // are built on the proxy's hot path. `body` must stay alive until the write completes.
  Task<beast::error_code> send(Status status, std::string_view header_lines,
                                                 std::string_view body);

  // Starts a chunked response with this status and header lines ("Name: value\r\n" each).
  // Nothing is written yet: the head leaves with the first chunk.
  void beginStream(Status status, std::string_view header_lines);
  // Writes one chunk; with `last`, the terminating chunk follows in the same write.
  Task<beast::error_code> writeChunk(std::string_view data, bool last = false);
  // The exchange's request id: every head this writer writes carries it as `x-request-id`. Set
  // before the first write; longer than kRequestIdMax is cut (callers pass only valid ids).
  void setRequestId(std::string_view id);
  std::string_view requestId() const {
    if (request_id_line_size_ == 0) return {};
    return {request_id_line_ + kIdPrefix.size(), request_id_line_size_ - kIdPrefix.size() - 2};
  }
  // "x-request-id: ID\r\n", for an upstream request head (empty when no id was set).
  std::string_view requestIdLine() const { return {request_id_line_, request_id_line_size_}; }
  bool keepAlive() const { return keep_alive_; }
  // Gives up the connection after this exchange (no keep-alive).
  void abort() { keep_alive_ = false; }
  ClientStream& stream() { return stream_; }

 private:
  // The fields the writer owns besides the framing: x-request-id and Connection.
  void appendWriterFields(std::string& head) const;
  void armWriteDeadline();
  // Writes every piece: at once when the socket takes them all (the usual case, an answer or a
  // batch of events that fits in the send buffer: no timer, no asynchronous operation), the rest
  // asynchronously under the write deadline.
  Task<beast::error_code> writeAll(std::span<const boost::asio::const_buffer> pieces);

  ClientStream& stream_;
  unsigned version_;
  bool keep_alive_;
  WriteLimits limits_;
  ReadBuffer* read_buffer_ = nullptr;
  std::string head_;  // a stream's head, until the first chunk takes it along
  static constexpr std::string_view kIdPrefix = "x-request-id: ";
  // "x-request-id: ID\r\n" in place: no allocation per request.
  char request_id_line_[kIdPrefix.size() + kRequestIdMax + 2];
  std::size_t request_id_line_size_ = 0;  // 0: no id
};

}  // namespace switchyard::http
