#include "http/client.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "http/asio_fwd.h"
#include "http/watchdog.h"

namespace switchyard::http {

namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr std::size_t kUpstreamReadBuffer = 4 * 1024;

std::shared_ptr<ssl::context> makeClientTlsContext(const std::string& ca_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  // Providers speak TLS 1.2 or 1.3; older versions are refused whatever the system default says.
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_default_verify_paths();
  if (!ca_file.empty()) context->load_verify_file(ca_file);
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

base::FailureKind classifyIoError(const beast::error_code& ec, bool during_connect) {
  using base::FailureKind;
  if (ec == beast::error::timeout) return FailureKind::AttemptTimeout;
  if (ec == http::error::body_limit) return FailureKind::ResponseTooLarge;
  if (ec.category() == asio::error::get_ssl_category() || ec == ssl::error::stream_truncated) {
    return during_connect ? FailureKind::Tls : FailureKind::ConnectionReset;
  }
  if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again ||
      ec == asio::error::no_data) {
    return FailureKind::Dns;
  }
  if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
      ec != http::error::partial_message && ec != http::error::end_of_stream) {
    return FailureKind::MalformedResponse;
  }
  return during_connect ? FailureKind::ConnectRefused : FailureKind::ConnectionReset;
}

UpstreamConnection::UpstreamConnection() {
  // Beast reads at most the buffer's free capacity (512 bytes when empty): room for a whole
  // typical answer means one read, not one per 512 bytes.
  buffer_.reserve(kUpstreamReadBuffer);
  reset();
}

void UpstreamConnection::reset() {
  parser_.emplace();
  // LLM answers can be long; the pool's caller bounds time, not size.
  parser_->body_limit(boost::none);
  parser_->header_limit(64 * 1024);
}

namespace {

// A streamed body is read up to 16 KiB at a time and handed on in pieces of up to as much: a long
// answer arriving quickly costs one read per 16 KiB. Both buffers are let go while the stream waits.
constexpr std::size_t kStreamReadBuffer = 16 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;

bool isLocalhostName(std::string_view host) {
  std::string lower(host);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!lower.empty() && lower.back() == '.') lower.pop_back();
  return lower == "localhost" || lower.ends_with(".localhost");
}

// Deadlines are enforced by one watchdog per connection (http/watchdog.h) that closes the socket
// when the deadline passes: reading a whole answer arms it once, where a timer per operation would
// cost a timer-queue update (and often a system call) per read. Parked in the pool, a connection
// stops it.
template <class Stream>
class BasicConnection final : public UpstreamConnection {
  static constexpr bool kIsTls = !std::is_same_v<Stream, TcpSocket>;

 public:
  template <class... Args>
  explicit BasicConnection(asio::io_context& io, Args&&... args)
      : stream_(io, std::forward<Args>(args)...), watchdog_(io.get_executor(), [this] { close(); }) {}

  Stream& stream() { return stream_; }
  TcpSocket& socket() {
    if constexpr (kIsTls) return stream_.next_layer();
    else return stream_;
  }

  void armDeadline(SteadyTime deadline) { watchdog_.expiresAt(deadline); }

  // An operation that failed because the watchdog closed the socket timed out.
  beast::error_code adjust(beast::error_code ec) const {
    return ec && watchdog_.expired() ? beast::error_code(beast::error::timeout) : ec;
  }

  void parked() override { watchdog_.stop(); }  // an idle connection has no deadline, nor a pending wait

  Task<beast::error_code> send(std::span<const asio::const_buffer> pieces,
                                          SteadyTime deadline) override {
    armDeadline(deadline);
    beast::error_code ec;
    if constexpr (kIsTls) {
      // TLS encrypts buffer by buffer: one contiguous buffer makes one record and one write.
      std::string whole;
      whole.reserve(asio::buffer_size(pieces));
      for (const auto& piece : pieces) whole.append(static_cast<const char*>(piece.data()), piece.size());
      std::tie(ec, std::ignore) = co_await asio::async_write(stream_, asio::buffer(whole), kAwaitTuple);
    } else {
      std::tie(ec, std::ignore) = co_await asio::async_write(stream_, pieces, kAwaitTuple);
    }
    if (ec) broken_ = true;
    co_return adjust(ec);
  }

  Task<beast::error_code> readHeader(SteadyTime deadline) override {
    armDeadline(deadline);
    auto [ec, n] = co_await http::async_read_header(stream_, buffer_, *parser_, kAwaitTuple);
    if (ec) broken_ = true;
    co_return adjust(ec);
  }

  Task<beast::error_code> readSome(std::string& out, bool& done,
                                              SteadyTime deadline) override {
    done = parser_->is_done();
    if (done) co_return beast::error_code{};
    armDeadline(deadline);
    if constexpr (!kIsTls) {
      // A stream spends most of its life waiting for its next event: it waits holding no read
      // buffer, so that ten thousand slow streams cost their sockets and state, not buffers sized
      // for throughput. What the socket holds already is read at once, in the same system call
      // that finds out whether there is anything (no peek first).
      if (holdsNothingParsable() && !readWaiting()) {
        chunk_.reset();
        buffer_.shrink_to_fit();
        auto [wait_ec] = co_await socket().async_wait(tcp::socket::wait_read, kAwaitTuple);
        if (wait_ec) {
          broken_ = true;
          co_return adjust(wait_ec);
        }
        buffer_.reserve(kStreamReadBuffer);
      }
    }
    if (!chunk_) chunk_ = std::make_unique_for_overwrite<char[]>(kReadChunk);
    auto& body = parser_->get().body();
    body.data = chunk_.get();
    body.size = kReadChunk;
    // What is buffered already is parsed here, as Beast's read would parse it first, but without
    // an asynchronous operation: one that completes without reading still goes round the
    // scheduler (a post and a resumption).
    beast::error_code ec = http::error::need_more;
    if (buffer_.size() > 0) {
      ec = {};
      buffer_.consume(parser_->put(buffer_.data(), ec));
    }
    if (ec == http::error::need_more) {
      std::tie(ec, std::ignore) = co_await http::async_read_some(stream_, buffer_, *parser_, kAwaitTuple);
    }
    if (ec == http::error::need_buffer) ec = {};
    out.append(chunk_.get(), kReadChunk - body.size);
    if (ec) broken_ = true;
    done = parser_->is_done();
    co_return adjust(ec);
  }

  void close() override {
    broken_ = true;
    beast::error_code ignored;
    socket().close(ignored);
  }

  bool isOpen() override { return socket().is_open(); }

  // Nothing the parser could use without more bytes: empty, or only the CRLF that ends a chunk's data
  // (a chunked body's usual leftover between two events).
  bool holdsNothingParsable() const {
    const auto held = buffer_.data();
    return held.size() == 0 ||
           (held.size() == 2 && std::memcmp(held.data(), "\r\n", 2) == 0);
  }

  // Reads what waits in the socket's receive queue into the buffer, without blocking. True when
  // there was something: bytes (now buffered), or an end of stream or error, which the parser's
  // own read then meets and reports. False when the socket is empty.
  bool readWaiting() {
    const auto room = buffer_.prepare(std::max(kStreamReadBuffer, buffer_.capacity()) - buffer_.size());
    ssize_t got;
    do {
      got = ::recv(socket().native_handle(), room.data(), room.size(), MSG_DONTWAIT);
    } while (got < 0 && errno == EINTR);
    if (got > 0) buffer_.commit(static_cast<std::size_t>(got));
    return got >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }

  bool peerClosed() override {
    auto& sock = socket();
    if (!sock.is_open()) return true;
    char byte;
    const auto got = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (got < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    if (got == 0) return true;  // orderly close
    // Bytes on an idle connection: garbage for plain HTTP; for TLS they may be a late
    // session ticket or a close_notify, which only a read can tell apart, so keep it and let
    // the exchange find out.
    return !kIsTls;
  }

 private:
  Stream stream_;
  Watchdog watchdog_;
};

using PlainConnection = BasicConnection<TcpSocket>;
using TlsConnection = BasicConnection<ssl::stream<TcpSocket>>;

}  // namespace

ClientPool::ClientPool(asio::io_context& io, UpstreamTarget target,
                       std::shared_ptr<ssl::context> tls, std::size_t max_idle)
    : io_(io), target_(std::move(target)), tls_(std::move(tls)), max_idle_(max_idle) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(target_.host, ec);
  if (!ec) {
    resolved_.emplace_back(address, target_.port);
  } else if (isLocalhostName(target_.host)) {
    // RFC 6761: localhost is the loopback, whatever /etc/hosts or DNS say (or whether they exist).
    resolved_.emplace_back(asio::ip::address_v4::loopback(), target_.port);
    resolved_.emplace_back(asio::ip::address_v6::loopback(), target_.port);
  }
}

ClientPool::~ClientPool() = default;

std::unique_ptr<UpstreamConnection> ClientPool::reuseIdle() {
  while (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    // One non-blocking peek per reuse: a peer that closed, or (plain HTTP) one that sent bytes
    // nobody asked for, such as an answer longer than its Content-Length, is never handed to the
    // next request, whose answer those bytes would otherwise become.
    if (connection->peerClosed()) continue;
    connection->reset();
    return connection;
  }
  return nullptr;
}

Task<ClientPool::Acquired> ClientPool::acquire(SteadyTime deadline) {
  if (auto connection = reuseIdle()) co_return Acquired{std::move(connection), {}, false};
  co_return co_await connect(deadline);
}

Task<ClientPool::Acquired> ClientPool::connect(SteadyTime deadline) {
  if (resolved_.empty()) {
    tcp::resolver resolver{io_};
    auto [ec, results] = co_await resolver.async_resolve(target_.host, std::to_string(target_.port),
                                                         kAwaitTuple);
    if (ec) co_return Acquired{nullptr, ec, true};
    for (const auto& entry : results) resolved_.push_back(entry.endpoint());
  }
  std::unique_ptr<UpstreamConnection> result;
  beast::error_code ec;
  if (!target_.tls) {
    auto connection = std::make_unique<PlainConnection>(io_);
    connection->armDeadline(deadline);
    std::tie(ec, std::ignore) = co_await asio::async_connect(connection->socket(), resolved_, kAwaitTuple);
    if (!ec) connection->socket().set_option(tcp::no_delay(true));
    ec = connection->adjust(ec);
    result = std::move(connection);
  } else {
    auto connection = std::make_unique<TlsConnection>(io_, *tls_);
    connection->armDeadline(deadline);
    std::tie(ec, std::ignore) = co_await asio::async_connect(connection->socket(), resolved_, kAwaitTuple);
    if (!ec) {
      connection->socket().set_option(tcp::no_delay(true));
      auto& ssl_stream = connection->stream();
      if (!SSL_set_tlsext_host_name(ssl_stream.native_handle(), target_.host.c_str())) {
        ec = beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
      }
      ssl_stream.set_verify_mode(ssl::verify_peer);
      ssl_stream.set_verify_callback(ssl::host_name_verification(target_.host));
      if (!ec) std::tie(ec) = co_await ssl_stream.async_handshake(ssl::stream_base::client, kAwaitTuple);
    }
    ec = connection->adjust(ec);
    result = std::move(connection);
  }
  if (ec) {
    // A refused or unreachable address may resolve differently next time.
    beast::error_code parse_ec;
    asio::ip::make_address(target_.host, parse_ec);
    if (parse_ec && !isLocalhostName(target_.host)) resolved_.clear();
    co_return Acquired{nullptr, ec, true};
  }
  co_return Acquired{std::move(result), {}, false};
}

void ClientPool::release(std::unique_ptr<UpstreamConnection> connection) {
  if (!connection || !connection->reusable() || idle_.size() >= max_idle_) return;
  connection->released_at = std::chrono::steady_clock::now();
  connection->parked();
  idle_.push_back(std::move(connection));
}

}  // namespace switchyard::http
