#pragma once
// The executor every coroutine, socket and timer of the gateway runs on.
//
// Every event loop here is an io_context, so the executor is named as the io_context's own type
// rather than as Asio's default `any_io_executor`: the type-erased executor costs a copy, a query
// and an indirect call each time an operation starts, tracks work or completes, on every request.
#include <chrono>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace switchyard {

using Executor = boost::asio::io_context::executor_type;
// A coroutine of the gateway.
template <class T = void>
using Task = boost::asio::awaitable<T, Executor>;
// Resumes the awaiting coroutine with the operation's result (failures as exceptions).
inline constexpr boost::asio::use_awaitable_t<Executor> kAwait{};
using TcpSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;
using TcpAcceptor = boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, Executor>;
using SteadyTimer = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                      boost::asio::wait_traits<std::chrono::steady_clock>, Executor>;

}  // namespace switchyard
