// The client HTTP request path: bytes from a client connection read as serveConnection reads them
// (http/request_framing: the raw-head scanner, Beast's request parser with the server's limits, the
// parsed-head checks, the trailer check), request after request on one keep-alive connection, arriving in
// network-sized pieces. Oracle: when both the scanner and Beast accept a head, they agree on where
// it ends and on its target; a request that reaches a handler has at most one Transfer-Encoding,
// at most one Content-Length and a body within the limit.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "config/config.h"
#include "fuzz_support.h"
#include "http/request_framing.h"

namespace bhttp = boost::beast::http;
using namespace switchyard;

namespace {

// The fuzzer's bodies are small: a lower body limit lets it reach body_limit too.
constexpr std::size_t kFuzzBodyLimit = 4096;
constexpr std::size_t kHeaderLimit = config::kDefaultMaxHeaderBytes;

std::size_t fieldCount(const bhttp::request_header<switchyard::http::RequestFields>& head) {
  return static_cast<std::size_t>(std::distance(head.begin(), head.end()));
}

class Connection {
 public:
  explicit Connection(std::string_view bytes) : rest_(bytes), split_(bytes) {}

  // Reads and checks one request; false when the connection ends (an error answered with a 400,
  // 413 or 431 and a close, or the client's bytes ran out).
  bool readOneRequest() {
    // The head: bytes until the scanner has a complete head or the limit is reached, as
    // readRequestHead does; then Beast parses it from the buffer.
    http::RequestHeadScanner scanner;
    http::RequestHeadScanner::State state = scanner.scan(buffer_);
    while (state == http::RequestHeadScanner::State::need_more && buffer_.size() < kHeaderLimit) {
      if (!receive()) return false;
      state = scanner.scan(buffer_);
    }
    if (state == http::RequestHeadScanner::State::bad) {
      if (!scanner.error()) fuzzing::fail("scanner refused a head without an error", buffer_);
      return false;
    }
    http::RequestParser parser;
    http::applyRequestLimits(parser, kHeaderLimit, kFuzzBodyLimit);
    boost::beast::error_code ec;
    std::size_t used = parser.put(boost::asio::buffer(buffer_), ec);
    if (state != http::RequestHeadScanner::State::complete) {
      // Over the limit: Beast must not find a head the scanner did not (it answers 431 or 400).
      if (parser.is_header_done()) fuzzing::fail("Beast found a head the scanner did not", buffer_);
      return false;
    }
    if (scanner.headSize() == 0 || scanner.headSize() > buffer_.size()) fuzzing::fail("head size out of range", buffer_);
    if (ec && ec != bhttp::error::need_more) return false;
    if (!parser.is_header_done()) {
      fuzzing::fail("the scanner found a complete head that Beast did not", buffer_.substr(0, scanner.headSize()));
    }
    if (used != scanner.headSize()) fuzzing::fail("the scanner and Beast disagree on the head's end", buffer_);
    if (parser.get().target() != scanner.target(buffer_)) fuzzing::fail("the scanner and Beast disagree on the target", buffer_);
    buffer_.erase(0, used);
    if (http::checkRequestHead(parser.get())) return false;
    const auto head_fields = fieldCount(parser.get());

    // The body: what arrived with the head first, then more reads.
    while (!parser.is_done()) {
      if (buffer_.empty() && !receive()) return false;
      used = parser.put(boost::asio::buffer(buffer_), ec);
      buffer_.erase(0, used);
      if (ec == bhttp::error::need_more) {
        if (!receive()) return false;
        continue;
      }
      if (ec) return false;
    }
    if (fieldCount(parser.get()) != head_fields) return false;  // trailer fields: 400
    const auto request = parser.release();
    if (request.body().size() > kFuzzBodyLimit) fuzzing::fail("body over the limit", request.body());
    if (request.count(bhttp::field::transfer_encoding) > 1) fuzzing::fail("two Transfer-Encodings", "");
    if (request.count(bhttp::field::content_length) > 1) fuzzing::fail("two Content-Lengths", "");
    if (!request.target().starts_with("/")) fuzzing::fail("a target not in origin form", request.target());
    return request.keep_alive();
  }

 private:
  // One read: up to 2 KiB of what the client sent.
  bool receive() {
    if (rest_.empty()) return false;
    const std::size_t piece = std::min(rest_.size(), 1 + split_.next(2048));
    buffer_.append(rest_.substr(0, piece));
    rest_.remove_prefix(piece);
    return true;
  }

  std::string_view rest_;
  fuzzing::Splitter split_;
  std::string buffer_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Connection connection(fuzzing::asView(data, size));
  while (connection.readOneRequest()) {
  }
  return 0;
}
