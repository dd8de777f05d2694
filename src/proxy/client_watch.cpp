#include "proxy/client_watch.h"

#include <sys/socket.h>

#include "http/asio_fwd.h"

namespace switchyard::proxy {

boost::asio::awaitable<void> watchClient(boost::asio::ip::tcp::socket& socket,
                                         std::shared_ptr<ClientWatch> watch) {
  auto [timer_ec] = co_await watch->arm_timer.async_wait(http::kAwaitTuple);
  if (watch->finished || timer_ec) co_return;
  watch->armed = true;
  auto [ec] = co_await socket.async_wait(boost::asio::ip::tcp::socket::wait_read, http::kAwaitTuple);
  if (watch->finished || ec) co_return;
  char byte;
  const auto got = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (got > 0 || (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) co_return;
  watch->gone = true;
  for (auto* connection : watch->active) {
    if (connection != nullptr) connection->close();
  }
}

void stopWatching(boost::asio::ip::tcp::socket& socket, ClientWatch& watch) {
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
