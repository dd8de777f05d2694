#include <sys/resource.h>

#include <csignal>
#include <iostream>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "app/commands.h"
#include "http/server.h"
#include "observability/log.h"
#include "proxy/gateway_handler.h"
#include "proxy/health_checker.h"

namespace switchyard::app {

using observability::LogLevel;

namespace {

void initLoggingFrom(const CommonOptions& options) {
  observability::LogFormat format{};
  observability::LogLevel level{};
  observability::parseLogFormat(options.log_format, format);
  observability::parseLogLevel(options.log_level, level);
  observability::initLogging(format, level);
}

// A gateway holds two sockets per request in flight: take every file descriptor the hard limit
// allows (the usual soft limit of 1024 caps a busy gateway near 500 concurrent requests).
void raiseFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int runServe(const std::string& config_path, const CommonOptions& options) {
  initLoggingFrom(options);
  raiseFileLimit();
  std::unique_ptr<proxy::GatewayState> state;
  try {
    state = std::make_unique<proxy::GatewayState>(config::loadFile(config_path));
  } catch (const std::exception& error) {
    observability::flushLogs();
    std::cerr << error.what() << "\nswitchyard: cannot start\n";
    return 1;
  }
  const auto& config = state->config;
  for (const std::string& warning : config.warnings) std::cerr << warning << "\n";
  http::ServerOptions server_options;
  server_options.host = config.listen_host;
  server_options.port = config.listen_port;
  server_options.workers = config.workers > 0 ? config.workers
                                              : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  server_options.max_body_bytes = config.limits.max_body_bytes;
  server_options.max_header_bytes = config.limits.max_header_bytes;
  server_options.idle_timeout = config.limits.idle_timeout;

  const proxy::GatewayState& shared_state = *state;
  // bind() makes the handlers in worker order: the first io_context seen is the first worker's,
  // which also runs the health checks (a probe every few seconds needs no thread of its own).
  boost::asio::io_context* first_worker_io = nullptr;
  http::Server server(server_options, [&shared_state, &first_worker_io](boost::asio::io_context& io) {
    if (first_worker_io == nullptr) first_worker_io = &io;
    return std::make_unique<proxy::GatewayHandler>(shared_state, io);
  });
  std::uint16_t port = 0;
  try {
    port = server.bind();
  } catch (const std::exception& error) {
    std::cerr << "switchyard: cannot listen on " << config.listen_host << ":" << config.listen_port
              << ": " << error.what() << "\n";
    return 1;
  }
  const std::string host = config.listen_host.find(':') != std::string::npos
                               ? "[" + config.listen_host + "]" : config.listen_host;
  observability::log(LogLevel::Info, "listening",
                     {{"addr", host + ":" + std::to_string(port)},
                      {"workers", server_options.workers},
                      {"routes", state->routes.routeNames()},
                      {"version", kVersion}});

  // Signals are taken on their own small io_context so workers never see them.
  boost::asio::io_context signal_io;
  boost::asio::signal_set signals(signal_io, SIGINT, SIGTERM);
  signals.async_wait([&server](const boost::system::error_code&, int) { server.stop(); });
  std::thread signal_thread([&signal_io] { signal_io.run(); });
  std::signal(SIGPIPE, SIG_IGN);
  // Started before the workers run; its loops live on the worker's io_context and end with it
  // (the checker may go first: the loops do not refer to it).
  std::optional<proxy::HealthChecker> health_checker;
  if (first_worker_io != nullptr) {
    health_checker.emplace(*first_worker_io, shared_state);
    health_checker->start();
  }
  server.run();
  signal_io.stop();
  signal_thread.join();
  observability::log(LogLevel::Info, "stopped", {});
  observability::flushLogs();
  return 0;
}

int runCheck(const std::string& config_path) {
  try {
    // Building the gateway's state also loads every TLS trust anchor, as serve would.
    const proxy::GatewayState state(config::loadFile(config_path));
    for (const std::string& warning : state.config.warnings) std::cerr << warning << "\n";
    std::cout << config::describe(state.config);
    std::cout << "configuration OK\n";
    return 0;
  } catch (const std::exception& error) {
    std::cerr << error.what() << "\n";
    return 1;
  }
}

}  // namespace switchyard::app
