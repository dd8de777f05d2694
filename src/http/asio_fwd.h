#pragma once
// The project's one completion token: expected failures (EOF, reset, timeout) arrive as error codes,
// never as exceptions.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace switchyard::http {

namespace asio = boost::asio;
inline constexpr auto kAwaitTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace switchyard::http
