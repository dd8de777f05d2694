#pragma once
// The socket-level moves the simulator makes: answer, stream, stall, cut, reset. Every await
// completes with an error code rather than an exception, since a peer leaving is expected here.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <string_view>

namespace switchyard::sim {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

inline constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

using StringRequest = http::request<http::string_body>;
using StringResponse = http::response<http::string_body>;
using HeadResponse = http::response<http::empty_body>;

// What the connection does after an answer.
enum class After { KeepAlive, Close };

// Each returns false when the peer has gone.
asio::awaitable<bool> writeResponse(tcp::socket& socket, StringResponse& response);
asio::awaitable<bool> writeHead(tcp::socket& socket, HeadResponse& head);
asio::awaitable<bool> writeBytes(tcp::socket& socket, std::string_view bytes);
asio::awaitable<bool> writeChunk(tcp::socket& socket, std::string_view data);  // one HTTP chunk
asio::awaitable<bool> writeLastChunk(tcp::socket& socket);

asio::awaitable<void> sleepFor(std::chrono::milliseconds duration);
// Holds the connection open, reading and discarding, until the peer closes it.
asio::awaitable<void> waitForPeerToLeave(tcp::socket& socket);

// Closes with RST (SO_LINGER {1, 0}) so the peer sees ECONNRESET.
void resetConnection(tcp::socket& socket);
// Closes with FIN.
void closeConnection(tcp::socket& socket);

}  // namespace switchyard::sim
