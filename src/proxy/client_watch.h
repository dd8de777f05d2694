#pragma once
// Notices a client that hangs up while its request is still in flight (waiting on a slow provider,
// between retries, mid-stream) and cancels the upstream exchange, so the provider stops generating
// (and billing) an answer nobody will read.
#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/executor.h"
#include "base/recycling_allocator.h"
#include "http/client.h"

namespace switchyard::proxy {

// Requests that finish sooner are never watched: arming the watch costs a system call, and a
// client that hangs up on a fast answer costs the provider nothing worth saving.
inline constexpr std::chrono::milliseconds kClientWatchDelay{50};

struct ClientWatch {
  explicit ClientWatch(boost::asio::io_context& io) : arm_timer(io, kClientWatchDelay) {}
  bool gone = false;       // the client closed its connection
  bool shutdown = false;   // the gateway's shutdown grace ran out: end the exchange now
  bool finished = false;   // the exchange is over; the watcher must not touch the socket
  bool armed = false;      // the watcher is waiting on the socket
  // The attempts in flight (two while a hedge races), closed when the client goes. Only an
  // UpstreamLease sets and clears these.
  http::UpstreamConnection* active[2] = {nullptr, nullptr};
  SteadyTimer arm_timer;
};

// A request's watch, shared with its watcher coroutine (which may outlive the exchange by one
// wake-up), in a block recycled by the worker's thread rather than one malloc per request.
inline std::shared_ptr<ClientWatch> makeClientWatch(boost::asio::io_context& io) {
  return std::allocate_shared<ClientWatch>(base::RecyclingAllocator<ClientWatch>{}, io);
}

// The watches of one worker's exchanges in flight (worker-local: no lock). When a graceful
// shutdown's grace runs out, cutAll() marks each and closes its upstream connections, so every
// exchange ends at once, in the client's dialect, instead of being dropped with the process.
class WatchRegistry {
 public:
  void add(ClientWatch& watch) { watches_.push_back(&watch); }
  void remove(ClientWatch& watch);
  void cutAll();
  std::size_t size() const { return watches_.size(); }

 private:
  std::vector<ClientWatch*> watches_;
};

// Registers a watch for its scope.
class WatchRegistration {
 public:
  WatchRegistration(WatchRegistry& registry, ClientWatch& watch) : registry_(registry), watch_(watch) {
    registry_.add(watch_);
  }
  ~WatchRegistration() { registry_.remove(watch_); }
  WatchRegistration(const WatchRegistration&) = delete;
  WatchRegistration& operator=(const WatchRegistration&) = delete;

 private:
  WatchRegistry& registry_;
  ClientWatch& watch_;
};

// After kClientWatchDelay, waits (without consuming bytes) until the client socket turns readable:
// EOF means the client is gone; bytes mean a pipelined request, left for the connection to read.
// Shared ownership lets the exchange end first: stopWatching() and the watcher exits on its own.
void watchClient(TcpSocket& socket, std::shared_ptr<ClientWatch> watch);
void stopWatching(TcpSocket& socket, ClientWatch& watch);

}  // namespace switchyard::proxy
