#pragma once
// A client connection's socket with one deadline, as Beast's basic_stream has, kept by a single
// watchdog timer per connection that is re-armed lazily: setting a later deadline only records
// it, and the pending wait, when it fires early, waits again for what is recorded then. A
// keep-alive connection sets its idle deadline before each request and clears it once the request
// is read; with Beast's stream each of those reads armed and cancelled a timer (a timer-queue
// update under the reactor's lock, and an operation wrapper around every read). Here a busy
// connection touches the timer queue about once per idle timeout.
//
// Unlike Beast's stream, the deadline holds whether or not an operation is pending: when it
// passes, the socket is closed and whatever is pending fails. Callers clear it (expires_never)
// when the phase it bounds ends: the request is read, a slow write is done.
#include <chrono>
#include <memory>
#include <utility>

#include "base/executor.h"

namespace switchyard::http {

class ClientStream {
 public:
  using executor_type = Executor;
  using Clock = std::chrono::steady_clock;

  explicit ClientStream(TcpSocket socket);
  ~ClientStream();
  ClientStream(const ClientStream&) = delete;
  ClientStream& operator=(const ClientStream&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  TcpSocket& socket() noexcept { return socket_; }

  // The socket is closed if the connection is still open at `deadline`.
  void expires_at(Clock::time_point deadline);
  void expires_after(Clock::duration timeout) { expires_at(Clock::now() + timeout); }
  void expires_never() noexcept { deadline_ = Clock::time_point::max(); }

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
  void arm(Clock::time_point at);
  void expired(Clock::time_point armed_at);

  TcpSocket socket_;
  SteadyTimer watchdog_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point armed_ = Clock::time_point::max();  // when the pending wait ends; max: none pending
  // Shared with the pending wait's handler, which may run after the stream is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace switchyard::http
