#pragma once
// A client connection's socket with one deadline, as Beast's basic_stream has, kept by a lazily
// re-armed watchdog (http/watchdog.h): a keep-alive connection sets its idle deadline before each
// request and clears it once the request is read, and with Beast's stream each of those reads
// armed and cancelled a timer (a timer-queue update under the reactor's lock, and an operation
// wrapper around every read).
//
// Unlike Beast's stream, the deadline holds whether or not an operation is pending: when it
// passes, the socket is closed and whatever is pending fails. Callers clear it (expires_never)
// when the phase it bounds ends: the request is read, a slow write is done.
#include <chrono>
#include <utility>

#include "base/executor.h"
#include "http/watchdog.h"

namespace switchyard::http {

class ClientStream {
 public:
  using executor_type = Executor;
  using Clock = std::chrono::steady_clock;

  explicit ClientStream(TcpSocket socket);
  ClientStream(const ClientStream&) = delete;
  ClientStream& operator=(const ClientStream&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  TcpSocket& socket() noexcept { return socket_; }

  // The socket is closed if the connection is still open at `deadline`.
  void expires_at(Clock::time_point deadline) { watchdog_.expiresAt(deadline); }
  void expires_after(Clock::duration timeout) { expires_at(Clock::now() + timeout); }
  void expires_never() noexcept { watchdog_.clear(); }

  // Asio's AsyncReadStream and AsyncWriteStream, so that Beast's HTTP operations run on it.
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return socket_.async_read_some(buffers, std::forward<Token>(token));
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return socket_.async_write_some(buffers, std::forward<Token>(token));
  }

 private:
  TcpSocket socket_;
  Watchdog watchdog_;
};

}  // namespace switchyard::http
