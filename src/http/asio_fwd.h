#pragma once
// The project's one completion token: expected failures (EOF, reset, timeout) arrive as error codes,
// never as exceptions.
#include <boost/asio/as_tuple.hpp>

#include "base/executor.h"

namespace switchyard::http {

namespace asio = boost::asio;
inline constexpr auto kAwaitTuple = asio::as_tuple(kAwait);

}  // namespace switchyard::http
