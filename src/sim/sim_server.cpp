#include "sim/sim_server.h"

#include "sim/connection.h"
#include "sim/fault.h"
#include "sim/sim_state.h"
#include "sim/socket_io.h"

#include <boost/json.hpp>

#include <csignal>
#include <cstdio>
#include <exception>

namespace switchyard::sim {
namespace {

// A connection coroutine only ends in an exception on a broken invariant; say so and carry on
// serving the others.
void reportCrash(std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "switchyard sim: connection failed: %s\n", e.what());
  }
}

asio::awaitable<void> acceptLoop(tcp::acceptor& acceptor, SimState& state) {
  while (acceptor.is_open()) {
    auto [ec, socket] = co_await acceptor.async_accept(kAwait);
    if (ec == asio::error::operation_aborted) break;
    if (ec) continue;  // e.g. the peer gave up before we accepted, or out of descriptors for now
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(acceptor.get_executor(), serveConnection(std::move(socket), state), reportCrash);
  }
}

std::string formatAddress(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

void logListening(const SimOptions& options, const std::string& addr) {
  std::string line;
  if (options.log_format == "text") {
    line = "info listening addr=" + addr + " name=" + options.name;
  } else {
    line = boost::json::serialize(boost::json::object{
        {"level", "info"}, {"msg", "listening"}, {"addr", addr}, {"name", options.name}});
  }
  std::fprintf(stdout, "%s\n", line.c_str());
  std::fflush(stdout);
}

// Binds the acceptor; returns an error message, or empty on success.
std::string listenOn(tcp::acceptor& acceptor, const SimOptions& options) {
  boost::system::error_code ec;
  tcp::resolver resolver(acceptor.get_executor());
  const auto endpoints = resolver.resolve(options.host, std::to_string(options.port),
                                          tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) {
    return "cannot resolve " + options.host + ": " + (ec ? ec.message() : "no address");
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return "cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " +
           ec.message();
  }
  return {};
}

}  // namespace

int runSimulator(const SimOptions& options) {
  SimState state(options.name);
  if (!options.voice.empty()) state.voice = options.voice;
  state.prefill = options.prefill;
  if (!options.schedule.empty()) {
    auto schedule = parseSchedule(options.schedule);
    if (!schedule) {
      std::fprintf(stderr, "switchyard sim: --schedule: %s\n", schedule.error().c_str());
      return 1;
    }
    state.faults.set(std::move(*schedule), /*loop=*/true);
  }

  // Declared after the state: the io_context destroys suspended connections, which refer to it.
  asio::io_context io(1);
  tcp::acceptor acceptor(io);
  if (std::string error = listenOn(acceptor, options); !error.empty()) {
    std::fprintf(stderr, "switchyard sim: %s\n", error.c_str());
    return 1;
  }
  logListening(options, formatAddress(acceptor.local_endpoint()));

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
  asio::co_spawn(io, acceptLoop(acceptor, state), reportCrash);
  io.run();
  return 0;
}

}  // namespace switchyard::sim
