#pragma once
// The project's one completion token: expected failures (EOF, reset, timeout) arrive as error codes,
// never as exceptions. And the client connection's stream type, on the gateway's executor.
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core/basic_stream.hpp>

#include "base/executor.h"

namespace switchyard {

// A client connection with Beast's timeouts.
using TcpStream = boost::beast::basic_stream<boost::asio::ip::tcp, Executor>;

}  // namespace switchyard

namespace switchyard::http {

namespace asio = boost::asio;
inline constexpr auto kAwaitTuple = asio::as_tuple(kAwait);

}  // namespace switchyard::http
