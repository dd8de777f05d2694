#include "proxy/client_watch.h"

#include <sys/socket.h>

#include "base/executor.h"

namespace switchyard::proxy {

// Two plain completion handlers rather than a coroutine: the watch lives as long as the exchange
// (minutes, for a stream), and a handler costs a small operation where a spawned coroutine would
// hold a frame and its thread of execution.
void watchClient(TcpSocket& socket, std::shared_ptr<ClientWatch> watch) {
  ClientWatch& state = *watch;
  state.arm_timer.async_wait([&socket, watch = std::move(watch)](const boost::system::error_code& timer_ec) mutable {
    if (watch->finished || timer_ec) return;
    watch->armed = true;
    socket.async_wait(boost::asio::ip::tcp::socket::wait_read,
                      [&socket, watch = std::move(watch)](const boost::system::error_code& ec) {
                        if (watch->finished || ec) return;
                        char byte;
                        const auto got = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
                        if (got > 0 || (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) return;
                        watch->gone = true;
                        for (auto* connection : watch->active) {
                          if (connection != nullptr) connection->close();
                        }
                      });
  });
}

void stopWatching(TcpSocket& socket, ClientWatch& watch) {
  watch.finished = true;
  watch.arm_timer.cancel();
  if (watch.armed) {
    boost::system::error_code ignored;
    socket.cancel(ignored);
  }
}

void WatchRegistry::remove(ClientWatch& watch) {
  // Few exchanges per worker, and the newest usually ends first: search from the back.
  for (std::size_t i = watches_.size(); i-- > 0;) {
    if (watches_[i] == &watch) {
      watches_[i] = watches_.back();
      watches_.pop_back();
      return;
    }
  }
}

void WatchRegistry::cutAll() {
  for (ClientWatch* watch : watches_) {
    watch->shutdown = true;
    for (http::UpstreamConnection* connection : watch->active) {
      if (connection != nullptr) connection->close();
    }
  }
}

}  // namespace switchyard::proxy
