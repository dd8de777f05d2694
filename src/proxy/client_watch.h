#pragma once
// Notices a client that hangs up while its request is still in flight (waiting on a slow provider,
// between retries, mid-stream) and cancels the upstream exchange, so the provider stops generating
// (and billing) an answer nobody will read.
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/client.h"

namespace switchyard::proxy {

struct ClientWatch {
  bool gone = false;       // the client closed its connection
  bool finished = false;   // the exchange is over; the watcher must not touch anything
  http::UpstreamConnection* active = nullptr;  // the attempt in flight, closed when the client goes
};

// Waits (without consuming bytes) until the client socket turns readable: EOF means the client is
// gone. Bytes mean a pipelined request, which is left for the connection to read. Shared ownership
// lets the exchange end first: call stopWatching() and the watcher exits on its own.
boost::asio::awaitable<void> watchClient(boost::asio::ip::tcp::socket& socket,
                                         std::shared_ptr<ClientWatch> watch);
void stopWatching(boost::asio::ip::tcp::socket& socket, ClientWatch& watch);

}  // namespace switchyard::proxy
