#include "sim/socket_io.h"

#include <array>

namespace switchyard::sim {

asio::awaitable<bool> writeResponse(tcp::socket& socket, StringResponse& response) {
  response.prepare_payload();
  auto [ec, written] = co_await http::async_write(socket, response, kAwait);
  co_return !ec;
}

asio::awaitable<bool> writeHead(tcp::socket& socket, HeadResponse& head) {
  http::response_serializer<http::empty_body> serializer{head};
  auto [ec, written] = co_await http::async_write_header(socket, serializer, kAwait);
  co_return !ec;
}

asio::awaitable<bool> writeBytes(tcp::socket& socket, std::string_view bytes) {
  auto [ec, written] = co_await asio::async_write(socket, asio::buffer(bytes), kAwait);
  co_return !ec;
}

asio::awaitable<bool> writeChunk(tcp::socket& socket, std::string_view data) {
  auto [ec, written] =
      co_await asio::async_write(socket, http::make_chunk(asio::buffer(data)), kAwait);
  co_return !ec;
}

asio::awaitable<bool> writeLastChunk(tcp::socket& socket) {
  auto [ec, written] = co_await asio::async_write(socket, http::make_chunk_last(), kAwait);
  co_return !ec;
}

asio::awaitable<void> sleepFor(std::chrono::milliseconds duration) {
  if (duration.count() <= 0) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(kAwait);
}

asio::awaitable<void> waitForPeerToLeave(tcp::socket& socket) {
  std::array<char, 4096> discard;
  while (true) {
    auto [ec, read] = co_await socket.async_read_some(asio::buffer(discard), kAwait);
    if (ec) break;
  }
  boost::system::error_code ignored;
  socket.close(ignored);
}

void resetConnection(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

void closeConnection(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

}  // namespace switchyard::sim
