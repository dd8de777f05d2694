#pragma once
// Strict request framing (README "### HTTP framing"). Beast's parser is lenient where a front proxy
// may read the same bytes differently (obs-fold is unfolded, a Content-Length listed twice with one
// value is accepted, HTTP/1.0 may be chunked, trailer fields are merged into the head...). These
// checks run on the raw head before Beast parses it and on the parsed head before the body is read,
// so that a request whose framing is in doubt gets a 400 and a closed connection, and never reaches a
// handler. Each failure is a FramingError whose message is what the client is told. No coroutines
// here (the fuzz targets build this without Asio's): the reading is in http/request_head_reader.h.
#include <cstddef>
#include <iterator>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include "base/recycling_allocator.h"

namespace switchyard::http {

namespace beast = boost::beast;

// A request's header fields live in blocks the worker thread recycles (no malloc per field).
using RequestFields = beast::http::basic_fields<base::RecyclingAllocator<char>>;
// The parser serveConnection reads each request with (and the fuzz target http_request).
using RequestParser = beast::http::parser<true, beast::http::string_body, base::RecyclingAllocator<char>>;

inline void applyRequestLimits(RequestParser& parser, std::size_t max_header_bytes, std::size_t max_body_bytes) {
  parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
  parser.body_limit(max_body_bytes);
}

// A request's body is framed by Content-Length or by a Transfer-Encoding that is exactly one
// "chunked". Anything else ("gzip", "identity", "chunked, chunked", two header lines...) would be
// read by Beast as a body-less request whose bytes then parse as the next request, while a front
// proxy may have framed it the other way: the classic smuggling gap. RFC 9112 6.3: 400 and close.
// (checkRequestHead below includes this check and the others.)
template <class Fields>
bool hasPlainFraming(const beast::http::request_header<Fields>& head) {
  const auto count = head.count(beast::http::field::transfer_encoding);
  if (count == 0) return true;
  if (count > 1) return false;
  std::string_view value = head[beast::http::field::transfer_encoding];
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return beast::iequals(value, "chunked");
}

enum class FramingError {
  bare_lf = 1,           // a line ending in LF without CR
  bare_cr,               // a CR not followed by LF
  request_line,          // not METHOD SP TARGET SP HTTP/d.d (extra or missing spaces, blank line first)
  method,                // a method that is not a token
  target,                // a target with a byte outside visible ASCII, or not origin/absolute form
  obs_fold,              // a header line starting with a space or tab (obsolete line folding)
  field_name,            // a header name that is not a token, or blanks before the colon
  field_value,           // a control character (NUL, DEL, ...) in a header value
  transfer_encoding,     // Transfer-Encoding other than one final "chunked"
  http10_chunked,        // Transfer-Encoding on an HTTP/1.0 request
  content_length,        // Content-Length repeated (even with one value) or listed
  host,                  // HTTP/1.1 without Host, or Host twice
  trailer,               // trailer fields after a chunked body
};

const boost::system::error_category& framingCategory();
boost::system::error_code make_error_code(FramingError error);
inline bool isFramingError(const boost::system::error_code& ec) { return ec.category() == framingCategory(); }

// Checks a request head as its bytes arrive, one complete line at a time (each byte is looked at
// once, however the head is split across reads).
class RequestHeadScanner {
 public:
  enum class State { need_more, complete, bad };
  // `bytes`: everything received since the request line began; each call's bytes extend the last's.
  State scan(std::string_view bytes);
  boost::system::error_code error() const { return error_; }
  // The request line's target in `bytes` (the last bytes scanned) once that line has been read
  // (empty before). The request line begins the head, so its target is found by offset.
  std::string_view target(std::string_view bytes) const { return bytes.substr(target_begin_, target_size_); }
  // Bytes of the head, final CRLF included, once complete.
  std::size_t headSize() const { return head_size_; }

 private:
  State fail(FramingError error);
  bool checkRequestLine(std::string_view line);
  bool checkFieldLine(std::string_view line);

  std::size_t next_line_ = 0;
  bool request_line_seen_ = false;
  std::size_t head_size_ = 0;
  std::size_t target_begin_ = 0;
  std::size_t target_size_ = 0;
  boost::system::error_code error_;
};

// The origin-form of an absolute-form target ("http://host/v1/x?y" -> "/v1/x?y"; the authority is
// never used: requests only ever go to configured providers). Empty when `target` is in neither form
// (or its scheme is not http(s), it has userinfo or no authority). An origin-form target comes back
// unchanged.
std::string originForm(std::string_view target);

// Header lines in `fields` (the head's count, compared after a chunked body: Beast merges trailer
// fields into the head, where a handler would take them for headers).
template <class Allocator>
std::size_t fieldCount(const beast::http::basic_fields<Allocator>& fields) {
  return static_cast<std::size_t>(std::distance(fields.begin(), fields.end()));
}

// Checks a parsed head: Transfer-Encoding, Content-Length, Host, target form; turns an absolute-form
// target into origin form.
boost::system::error_code checkRequestHead(beast::http::request_header<RequestFields>& head);

}  // namespace switchyard::http

template <>
struct boost::system::is_error_code_enum<switchyard::http::FramingError> : std::true_type {};
