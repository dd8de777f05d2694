#include "http/request_framing.h"

#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>

#include <string>
#include <string_view>

namespace switchyard::http {
namespace {

using State = RequestHeadScanner::State;
namespace bh = boost::beast::http;

constexpr std::string_view kGood =
    "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
    "X-Note: a b\tc \xc3\xa9\r\nContent-Length: 2\r\n\r\n{}";

// Scans `bytes` whole; the error (empty when the head is fine or incomplete).
boost::system::error_code scanError(std::string_view bytes) {
  RequestHeadScanner scanner;
  scanner.scan(bytes);
  return scanner.error();
}

TEST(RequestHeadScanner, AcceptsAWellFormedHeadAndFindsItsEnd) {
  RequestHeadScanner scanner;
  EXPECT_EQ(scanner.scan(kGood), State::complete);
  EXPECT_EQ(scanner.headSize(), kGood.size() - 2);
  EXPECT_EQ(scanner.target(kGood), "/v1/chat/completions");
  EXPECT_FALSE(scanner.error());
}

TEST(RequestHeadScanner, GivesTheSameVerdictWhateverTheSplit) {
  for (std::size_t step = 1; step <= 7; ++step) {
    RequestHeadScanner scanner;
    State state = State::need_more;
    for (std::size_t end = step; state == State::need_more && end <= kGood.size() + step; end += step) {
      state = scanner.scan(kGood.substr(0, std::min(end, kGood.size())));
    }
    EXPECT_EQ(state, State::complete) << "step " << step;
    EXPECT_EQ(scanner.headSize(), kGood.size() - 2) << "step " << step;
  }
  // A bare LF found in the second of two pieces.
  RequestHeadScanner split;
  const std::string_view bad = "POST / HTTP/1.1\r\nHost: gw\nX: y\r\n\r\n";
  EXPECT_EQ(split.scan(bad.substr(0, 20)), State::need_more);
  EXPECT_EQ(split.scan(bad), State::bad);
  EXPECT_EQ(split.error(), FramingError::bare_lf);
}

TEST(RequestHeadScanner, WaitsForMoreOnAnIncompleteHead) {
  RequestHeadScanner scanner;
  EXPECT_EQ(scanner.scan(""), State::need_more);
  EXPECT_EQ(scanner.scan("POST /v1/chat/completions HT"), State::need_more);
  EXPECT_EQ(scanner.scan("POST /v1/chat/completions HTTP/1.1\r"), State::need_more);
  EXPECT_EQ(scanner.scan("POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n"), State::need_more);
  EXPECT_EQ(scanner.target("POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n"), "/v1/chat/completions");
}

TEST(RequestHeadScanner, RefusesLineEndingsOtherThanCrlf) {
  EXPECT_EQ(scanError("POST / HTTP/1.1\nHost: gw\n\n"), FramingError::bare_lf);
  EXPECT_EQ(scanError("POST / HTTP/1.1\r\nHost: gw\n\r\n"), FramingError::bare_lf);
  EXPECT_EQ(scanError("POST / HTTP/1.1\r\nHost: gw\r\n\n"), FramingError::bare_lf);
  EXPECT_EQ(scanError("POST / HTTP/1.1\r\nX: a\rb\r\n\r\n"), FramingError::bare_cr);
  EXPECT_EQ(scanError("POST / HTTP/1.1\r\nX: a\rb"), FramingError::bare_cr);
  EXPECT_EQ(scanError("\n"), FramingError::bare_lf);
}

TEST(RequestHeadScanner, RefusesAMalformedRequestLine) {
  EXPECT_EQ(scanError("\r\nPOST / HTTP/1.1\r\n\r\n"), FramingError::request_line);
  EXPECT_EQ(scanError("POST  / HTTP/1.1\r\n\r\n"), FramingError::request_line);
  EXPECT_EQ(scanError("POST /  HTTP/1.1\r\n\r\n"), FramingError::request_line);
  EXPECT_EQ(scanError("POST / HTTP/1.1 \r\n\r\n"), FramingError::request_line);
  EXPECT_EQ(scanError(" POST / HTTP/1.1\r\n\r\n"), FramingError::request_line);
  EXPECT_EQ(scanError("POST\t/ HTTP/1.1\r\n\r\n"), FramingError::request_line);
  EXPECT_EQ(scanError("POST /\tx HTTP/1.1\r\n\r\n"), FramingError::target);
  EXPECT_EQ(scanError("POST / HTTP/1.10\r\n\r\n"), FramingError::request_line);
  EXPECT_EQ(scanError("POST / http/1.1\r\n\r\n"), FramingError::request_line);
  EXPECT_EQ(scanError("POST /\r\n\r\n"), FramingError::request_line);
  EXPECT_EQ(scanError("GARBAGE\r\n\r\n"), FramingError::request_line);
}

TEST(RequestHeadScanner, RefusesBadMethodsAndTargets) {
  EXPECT_EQ(scanError("PO(ST / HTTP/1.1\r\n\r\n"), FramingError::method);
  EXPECT_EQ(scanError(std::string_view("PO\0ST / HTTP/1.1\r\n\r\n", 20)), FramingError::method);
  EXPECT_EQ(scanError("P\xd6ST / HTTP/1.1\r\n\r\n"), FramingError::method);
  EXPECT_EQ(scanError(std::string_view("POST /a\0 HTTP/1.1\r\n\r\n", 21)), FramingError::target);
  EXPECT_EQ(scanError("POST /caf\xc3\xa9 HTTP/1.1\r\n\r\n"), FramingError::target);
  EXPECT_EQ(scanError("POST /a\x7f HTTP/1.1\r\n\r\n"), FramingError::target);
}

TEST(RequestHeadScanner, RefusesObsFoldAndBadFieldLines) {
  EXPECT_EQ(scanError("POST / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"), FramingError::obs_fold);
  EXPECT_EQ(scanError("POST / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"), FramingError::obs_fold);
  EXPECT_EQ(scanError("POST / HTTP/1.1\r\n Host: gw\r\n\r\n"), FramingError::obs_fold);
  EXPECT_EQ(scanError("POST / HTTP/1.1\r\nContent-Length : 2\r\n\r\n"), FramingError::field_name);
  EXPECT_EQ(scanError("POST / HTTP/1.1\r\nContent-Length\t: 2\r\n\r\n"), FramingError::field_name);
  EXPECT_EQ(scanError("POST / HTTP/1.1\r\nNo colon\r\n\r\n"), FramingError::field_name);
  EXPECT_EQ(scanError("POST / HTTP/1.1\r\n: empty\r\n\r\n"), FramingError::field_name);
  EXPECT_EQ(scanError(std::string_view("POST / HTTP/1.1\r\nX-\0: a\r\n\r\n", 29)), FramingError::field_name);
  EXPECT_EQ(scanError(std::string_view("POST / HTTP/1.1\r\nX: a\0b\r\n\r\n", 28)), FramingError::field_value);
  EXPECT_EQ(scanError("POST / HTTP/1.1\r\nX: a\x7f\r\n\r\n"), FramingError::field_value);
  EXPECT_EQ(scanError("POST / HTTP/1.1\r\nX: a\x01\r\n\r\n"), FramingError::field_value);
  EXPECT_FALSE(scanError("POST / HTTP/1.1\r\nX:\r\nY:  \t\r\n\r\n"));
}

TEST(RequestHeadScanner, StaysBadOnceBad) {
  RequestHeadScanner scanner;
  EXPECT_EQ(scanner.scan("POST / HTTP/1.1\r\n X\r\n"), State::bad);
  EXPECT_EQ(scanner.scan("POST / HTTP/1.1\r\n X\r\n\r\n"), State::bad);
  EXPECT_EQ(scanner.error(), FramingError::obs_fold);
}

TEST(OriginForm, KeepsPathsAndDropsTheAuthorityOfAbsoluteForm) {
  EXPECT_EQ(originForm("/v1/chat/completions?x=1"), "/v1/chat/completions?x=1");
  EXPECT_EQ(originForm("http://evil/v1/chat/completions"), "/v1/chat/completions");
  EXPECT_EQ(originForm("HTTPS://evil:8443/v1/messages?beta=1"), "/v1/messages?beta=1");
  EXPECT_EQ(originForm("http://evil"), "/");
  EXPECT_EQ(originForm("http://evil?x"), "/?x");
  EXPECT_EQ(originForm("http://user@evil/v1/messages"), "");
  EXPECT_EQ(originForm("http:///v1/messages"), "");
  EXPECT_EQ(originForm("http:/v1/messages"), "");
  EXPECT_EQ(originForm("ftp://evil/v1/messages"), "");
  EXPECT_EQ(originForm("evil:443"), "");
  EXPECT_EQ(originForm("*"), "");
}

bh::request_header<switchyard::http::RequestFields> head(int version = 11) {
  bh::request_header<switchyard::http::RequestFields> h;
  h.version(version);
  h.method(bh::verb::post);
  h.target("/v1/chat/completions");
  h.set(bh::field::host, "gw");
  return h;
}

TEST(CheckRequestHead, AcceptsPlainFraming) {
  auto h = head();
  h.set(bh::field::content_length, "12");
  EXPECT_FALSE(checkRequestHead(h));
  auto chunked = head();
  chunked.set(bh::field::transfer_encoding, " Chunked ");
  EXPECT_FALSE(checkRequestHead(chunked));
  auto old = head(10);
  old.erase(bh::field::host);
  old.set(bh::field::content_length, "3");
  EXPECT_FALSE(checkRequestHead(old));
}

TEST(CheckRequestHead, RefusesAmbiguousTransferEncoding) {
  for (std::string_view value : {"gzip", "identity", "chunked, chunked", "gzip, chunked", "xchunked", ""}) {
    auto h = head();
    h.set(bh::field::transfer_encoding, value);
    EXPECT_EQ(checkRequestHead(h), FramingError::transfer_encoding) << value;
  }
  auto twice = head();
  twice.insert(bh::field::transfer_encoding, "chunked");
  twice.insert(bh::field::transfer_encoding, "chunked");
  EXPECT_EQ(checkRequestHead(twice), FramingError::transfer_encoding);
  auto old = head(10);
  old.set(bh::field::transfer_encoding, "chunked");
  EXPECT_EQ(checkRequestHead(old), FramingError::http10_chunked);
}

TEST(CheckRequestHead, RefusesContentLengthTwiceEvenWithOneValue) {
  auto twice = head();
  twice.insert(bh::field::content_length, "5");
  twice.insert(bh::field::content_length, "5");
  EXPECT_EQ(checkRequestHead(twice), FramingError::content_length);
  auto list = head();
  list.set(bh::field::content_length, "5, 5");
  EXPECT_EQ(checkRequestHead(list), FramingError::content_length);
}

TEST(CheckRequestHead, WantsExactlyOneHostOnHttp11) {
  auto none = head();
  none.erase(bh::field::host);
  EXPECT_EQ(checkRequestHead(none), FramingError::host);
  auto two = head();
  two.insert(bh::field::host, "other");
  EXPECT_EQ(checkRequestHead(two), FramingError::host);
}

TEST(CheckRequestHead, RewritesAbsoluteFormAndRefusesOtherForms) {
  auto absolute = head();
  absolute.target("http://127.0.0.1:9/v1/messages?x=1");
  EXPECT_FALSE(checkRequestHead(absolute));
  EXPECT_EQ(absolute.target(), "/v1/messages?x=1");
  for (std::string_view target : {"127.0.0.1:9", "*", "ftp://h/v1/messages", "http://u@h/v1/messages"}) {
    auto h = head();
    h.target(target);
    EXPECT_EQ(checkRequestHead(h), FramingError::target) << target;
  }
}

TEST(FramingError, MessagesNameTheProblem) {
  EXPECT_TRUE(isFramingError(make_error_code(FramingError::obs_fold)));
  EXPECT_NE(make_error_code(FramingError::obs_fold).message().find("folding"), std::string::npos);
  EXPECT_NE(make_error_code(FramingError::content_length).message().find("Content-Length"), std::string::npos);
  EXPECT_FALSE(isFramingError(boost::system::error_code{}));
}

}  // namespace
}  // namespace switchyard::http
