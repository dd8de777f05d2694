#include "http/response_writer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <span>

#include <boost/asio/write.hpp>

#include "http/asio_fwd.h"

namespace switchyard::http {

namespace beast_http = beast::http;

namespace {

constexpr std::size_t kMaxPieces = 5;  // a chunk's pieces: head, size line, data, CRLF, last chunk

bool isFramingField(beast_http::field name) {
  return name == beast_http::field::content_length || name == beast_http::field::transfer_encoding ||
         name == beast_http::field::connection;
}

constexpr std::string_view kCrLf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace

void appendStatusLine(std::string& out, unsigned version, Status status) {
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  char code[4];
  std::to_chars(code, code + 3, static_cast<unsigned>(status));
  out.append(code, 3);
  out += ' ';
  const auto reason = beast_http::obsolete_reason(status);
  out.append(reason.data(), reason.size());
  out += kCrLf;
}

void appendHeaderLines(std::string& out, const beast_http::fields& fields) {
  for (const auto& field : fields) {
    if (isFramingField(field.name())) continue;
    const auto name = field.name_string();
    const auto value = field.value();
    out.append(name.data(), name.size()).append(": ").append(value.data(), value.size()) += kCrLf;
  }
}

void ResponseWriter::setRequestId(std::string_view id) {
  id = id.substr(0, kRequestIdMax);
  if (id.empty()) {
    request_id_line_size_ = 0;
    return;
  }
  char* out = std::copy(kIdPrefix.begin(), kIdPrefix.end(), request_id_line_);
  out = std::copy(id.begin(), id.end(), out);
  *out++ = '\r';
  *out++ = '\n';
  request_id_line_size_ = static_cast<std::size_t>(out - request_id_line_);
}

void ResponseWriter::appendWriterFields(std::string& head) const {
  // Every head of the exchange, whoever rendered its other fields, carries the request id.
  head.append(request_id_line_, request_id_line_size_);
  // HTTP/1.1 keeps connections alive unless told; HTTP/1.0 closes unless told.
  if (version_ >= 11 && !keep_alive_) head += "Connection: close\r\n";
  if (version_ < 11 && keep_alive_) head += "Connection: keep-alive\r\n";
}

void ResponseWriter::armWriteDeadline() {
  // A request past its deadline still gets its error written, briefly.
  constexpr std::chrono::seconds kLastWords{1};
  const auto now = std::chrono::steady_clock::now();
  stream_.expires_at(std::max(std::min(now + limits_.write_timeout, limits_.deadline), now + kLastWords));
}

Task<beast::error_code> ResponseWriter::writeAll(std::span<const asio::const_buffer> pieces) {
  auto& socket = stream_.socket();
  beast::error_code ec;
  // Non-blocking for us too (Asio's own flag only covers its asynchronous operations): a write the
  // socket cannot take whole returns what it took instead of waiting.
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  std::size_t written = 0;
  if (!ec) written = socket.write_some(pieces, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  if (ec) co_return ec;
  std::array<asio::const_buffer, kMaxPieces> rest;
  std::size_t count = 0;
  for (const auto& piece : pieces) {
    if (written >= piece.size()) {
      written -= piece.size();
      continue;
    }
    rest[count++] = asio::buffer(static_cast<const char*>(piece.data()) + written, piece.size() - written);
    written = 0;
  }
  if (count == 0) co_return beast::error_code{};
  armWriteDeadline();
  auto [write_ec, n] = co_await asio::async_write(stream_, std::span<const asio::const_buffer>(rest.data(), count),
                                                  kAwaitTuple);
  stream_.expires_never();  // the deadline bounds this write only: a stream may wait long for its next event
  co_return write_ec;
}

Task<beast::error_code> ResponseWriter::send(const Response& response) {
  std::string lines;
  lines.reserve(256);
  appendHeaderLines(lines, response.base());
  co_return co_await send(response.result(), lines, response.body());
}

Task<beast::error_code> ResponseWriter::send(Status status, std::string_view header_lines,
                                                        std::string_view body) {
  // Sized once for all of it: the status line, the lines given, the writer's own (the request id,
  // Connection), Content-Length and the blank line.
  std::string head;
  head.reserve(96 + header_lines.size() + request_id_line_size_);
  appendStatusLine(head, version_, status);
  head += header_lines;
  appendWriterFields(head);
  head += "Content-Length: ";
  head += std::to_string(body.size());
  head += "\r\n\r\n";
  const std::array<asio::const_buffer, 2> pieces{asio::buffer(head), asio::buffer(body.data(), body.size())};
  const auto ec = co_await writeAll(pieces);
  if (ec) keep_alive_ = false;
  co_return ec;
}

void ResponseWriter::beginStream(Status status, std::string_view header_lines) {
  // A chunked body needs HTTP/1.1; an HTTP/1.0 client reads until the connection closes.
  if (version_ < 11) keep_alive_ = false;
  head_.clear();
  head_.reserve(96 + header_lines.size() + request_id_line_size_);
  appendStatusLine(head_, version_, status);
  head_ += header_lines;
  appendWriterFields(head_);
  if (version_ >= 11) head_ += "Transfer-Encoding: chunked\r\n";
  head_ += kCrLf;
  if (read_buffer_ != nullptr && read_buffer_->size() == 0) read_buffer_->shrink_to_fit();
}

Task<beast::error_code> ResponseWriter::writeChunk(std::string_view data, bool last) {
  const bool chunked = version_ >= 11;
  char size_line[20];
  std::size_t size_line_length = 0;
  if (chunked && !data.empty()) {
    auto [end, ec] = std::to_chars(size_line, size_line + 16, data.size(), 16);
    *end++ = '\r';
    *end++ = '\n';
    size_line_length = static_cast<std::size_t>(end - size_line);
  }
  std::array<asio::const_buffer, kMaxPieces> pieces;
  std::size_t count = 0;
  if (!head_.empty()) pieces[count++] = asio::buffer(head_);
  if (size_line_length > 0) pieces[count++] = asio::buffer(size_line, size_line_length);
  if (!data.empty()) pieces[count++] = asio::buffer(data.data(), data.size());
  if (size_line_length > 0) pieces[count++] = asio::buffer(kCrLf.data(), kCrLf.size());
  if (last && chunked) pieces[count++] = asio::buffer(kLastChunk.data(), kLastChunk.size());
  if (count == 0) co_return beast::error_code{};
  const auto ec = co_await writeAll(std::span<const asio::const_buffer>(pieces.data(), count));
  // A stream's head leaves with its first chunk; a stream may then last minutes without it.
  if (!head_.empty()) std::string().swap(head_);
  if (ec) keep_alive_ = false;
  co_return ec;
}

}  // namespace switchyard::http
