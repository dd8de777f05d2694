#include "http/request_framing.h"

#include <algorithm>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

namespace switchyard::http {

namespace {

class FramingCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "switchyard.framing"; }
  std::string message(int value) const override {
    switch (static_cast<FramingError>(value)) {
      case FramingError::bare_lf:
        return "Malformed HTTP request: every line must end with CRLF, not a bare LF.";
      case FramingError::bare_cr:
        return "Malformed HTTP request: a CR not followed by LF.";
      case FramingError::request_line:
        return "Malformed HTTP request: the request line must be METHOD SP TARGET SP HTTP/1.x, single spaces.";
      case FramingError::method:
        return "Malformed HTTP request: the method is not a token.";
      case FramingError::target:
        return "Malformed HTTP request: the request target must be a path (or an http(s) URI without userinfo), "
               "in visible ASCII.";
      case FramingError::obs_fold:
        return "Malformed HTTP request: a header line starts with a space or tab (obsolete line folding, RFC 9112 5.2).";
      case FramingError::field_name:
        return "Malformed HTTP request: a header name is not a token, or has blanks before its colon (RFC 9112 5.1).";
      case FramingError::field_value:
        return "Malformed HTTP request: a header value holds a control character.";
      case FramingError::transfer_encoding:
        return "Transfer-Encoding must be \"chunked\" alone (RFC 9112 6.3): the request's framing is ambiguous.";
      case FramingError::http10_chunked:
        return "An HTTP/1.0 request must not carry Transfer-Encoding (RFC 9112 6.1): the request's framing is "
               "ambiguous.";
      case FramingError::content_length:
        return "Content-Length must appear once, as one decimal number (RFC 9112 6.3): the request's framing is "
               "ambiguous.";
      case FramingError::host:
        return "An HTTP/1.1 request must carry exactly one Host header (RFC 9112 3.2).";
      case FramingError::trailer:
        return "Trailer fields after a chunked request body are not accepted.";
    }
    return "Malformed HTTP request.";
  }
};

// RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" /
// "|" / "~" / DIGIT / ALPHA
bool isTokenChar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool isVisibleAscii(unsigned char c) { return c > 0x20 && c < 0x7f; }

// field-value bytes: HTAB, SP, VCHAR, obs-text.
bool isFieldValueChar(unsigned char c) { return c == '\t' || c == ' ' || isVisibleAscii(c) || c >= 0x80; }

bool isDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

const boost::system::error_category& framingCategory() {
  static const FramingCategory category;
  return category;
}

boost::system::error_code make_error_code(FramingError error) {
  return {static_cast<int>(error), framingCategory()};
}

// ---------------------------------------------------------------- RequestHeadScanner

RequestHeadScanner::State RequestHeadScanner::fail(FramingError error) {
  error_ = error;
  return State::bad;
}

bool RequestHeadScanner::checkRequestLine(std::string_view line) {
  // method SP request-target SP HTTP-version, nothing else (RFC 9112 3).
  std::size_t i = 0;
  while (i < line.size() && isTokenChar(static_cast<unsigned char>(line[i]))) ++i;
  if (i == 0 || i == line.size() || line[i] != ' ') {
    // A byte that cannot be in a method (NUL, "(", non-ASCII...) is a bad method; a missing or wrong
    // separator (a blank line, a tab, a leading space, no target) a bad request line.
    const bool separator_trouble = i == line.size() || line[i] == ' ' || line[i] == '\t';
    error_ = separator_trouble ? FramingError::request_line : FramingError::method;
    return false;
  }
  const std::size_t target_start = ++i;
  while (i < line.size() && line[i] != ' ') {
    if (!isVisibleAscii(static_cast<unsigned char>(line[i]))) {
      error_ = FramingError::target;
      return false;
    }
    ++i;
  }
  if (i == target_start || i == line.size()) {
    error_ = FramingError::request_line;
    return false;
  }
  target_begin_ = target_start;  // the request line starts at the head's first byte
  target_size_ = i - target_start;
  const std::string_view version = line.substr(i + 1);
  if (version.size() != 8 || !version.starts_with("HTTP/") || !isDigit(version[5]) || version[6] != '.' ||
      !isDigit(version[7])) {
    error_ = FramingError::request_line;
    return false;
  }
  return true;
}

bool RequestHeadScanner::checkFieldLine(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') {
    error_ = FramingError::obs_fold;
    return false;
  }
  std::size_t i = 0;
  while (i < line.size() && isTokenChar(static_cast<unsigned char>(line[i]))) ++i;
  if (i == 0 || i == line.size() || line[i] != ':') {
    error_ = FramingError::field_name;
    return false;
  }
  for (++i; i < line.size(); ++i) {
    if (!isFieldValueChar(static_cast<unsigned char>(line[i]))) {
      error_ = FramingError::field_value;
      return false;
    }
  }
  return true;
}

RequestHeadScanner::State RequestHeadScanner::scan(std::string_view bytes) {
  if (error_) return State::bad;
  if (head_size_ != 0) return State::complete;
  while (next_line_ < bytes.size()) {
    const std::size_t lf = bytes.find('\n', next_line_);
    if (lf == std::string_view::npos) {
      // An incomplete line: only a CR that is followed by something else can be judged already.
      const std::size_t cr = bytes.find('\r', next_line_);
      if (cr != std::string_view::npos && cr + 1 < bytes.size()) return fail(FramingError::bare_cr);
      return State::need_more;
    }
    if (lf == next_line_ || bytes[lf - 1] != '\r') return fail(FramingError::bare_lf);
    const std::string_view line = bytes.substr(next_line_, lf - 1 - next_line_);
    if (line.find('\r') != std::string_view::npos) return fail(FramingError::bare_cr);
    next_line_ = lf + 1;
    if (!request_line_seen_) {
      if (!checkRequestLine(line)) return State::bad;
      request_line_seen_ = true;
      continue;
    }
    if (line.empty()) {
      head_size_ = next_line_;
      return State::complete;
    }
    if (!checkFieldLine(line)) return State::bad;
  }
  return State::need_more;
}

// ---------------------------------------------------------------- parsed head

std::string originForm(std::string_view target) {
  if (target.starts_with('/')) return std::string(target);
  const std::size_t colon = target.find("://");
  if (colon == std::string_view::npos) return {};
  const std::string_view scheme = target.substr(0, colon);
  if (!beast::iequals(scheme, "http") && !beast::iequals(scheme, "https")) return {};
  const std::string_view rest = target.substr(colon + 3);
  const std::size_t end = std::min(rest.find('/'), rest.find('?'));
  const std::string_view authority = rest.substr(0, end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return {};
  if (end == std::string_view::npos) return "/";
  std::string origin = rest[end] == '?' ? "/" : "";
  origin.append(rest.substr(end));
  return origin;
}

boost::system::error_code checkRequestHead(beast::http::request_header<RequestFields>& head) {
  namespace bh = beast::http;
  // One pass over the lines (a handful) rather than a tree lookup per field.
  std::size_t codings = 0;
  std::size_t lengths = 0;
  std::size_t hosts = 0;
  std::string_view coding;
  std::string_view length;
  for (const auto& field : head) {
    switch (field.name()) {
      case bh::field::transfer_encoding:
        ++codings;
        coding = field.value();
        break;
      case bh::field::content_length:
        ++lengths;
        length = field.value();
        break;
      case bh::field::host: ++hosts; break;
      default: break;
    }
  }
  // Transfer-Encoding: exactly one line, exactly "chunked", and never on HTTP/1.0 (RFC 9112 6.1, 6.3).
  if (codings > 0) {
    if (head.version() < 11) return FramingError::http10_chunked;
    while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) coding.remove_prefix(1);
    while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) coding.remove_suffix(1);
    if (codings > 1 || !beast::iequals(coding, "chunked")) return FramingError::transfer_encoding;
  }
  // Content-Length: one line, one number (Beast accepts "5, 5" and two lines of 5; a proxy in front
  // may not).
  if (lengths > 1 || length.find(',') != std::string_view::npos) return FramingError::content_length;
  if (hosts > 1 || (hosts == 0 && head.version() >= 11)) return FramingError::host;
  const std::string_view target = head.target();
  if (!target.starts_with('/')) {
    std::string origin = originForm(target);
    if (origin.empty()) return FramingError::target;
    head.target(origin);
  }
  return {};
}

}  // namespace switchyard::http
