#include <sys/resource.h>

#include <csignal>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "app/commands.h"
#include "base/executor.h"
#include "base/thread_name.h"
#include "app/heap_allocator.h"
#include "http/server.h"
#include "observability/log.h"
#include "app/config_reloader.h"
#include "proxy/gateway_front.h"
#include "accounting/calendar.h"
#include "proxy/governance.h"
#include "proxy/drills.h"
#include "proxy/health_checker.h"
#include "proxy/incident_report.h"
#include "proxy/incident_webhook.h"
#include "proxy/otlp_exporter.h"
#include "proxy/spend_recovery.h"
#include "store/sqlite_store.h"
#include "store/spend_journal.h"
#include "store/store_service.h"

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

// A gateway reachable from the network must not be open to it: without admin keys, and with
// keyless clients allowed only by default, it refuses to start (auth.anonymous: true says the
// operator means it). Returns the reason, or "" when the gateway may start.
std::string exposureProblem(const config::Config& config) {
  if (config.listensOnLoopback()) return {};
  if (!config.auth.admin_key_sha256_hex.empty()) return {};
  if (config.auth.anonymous.has_value()) return {};  // the operator decided, either way
  if (!config.keys.empty()) return {};
  return "listen " + config.listen_host + " is reachable from the network, but no credentials are configured: "
         "set auth.admin_keys (for /admin) and client keys (keys:), or auth.anonymous: false to serve only keys "
         "made through POST /admin/keys, or auth.anonymous: true to serve anyone without a key";
}

// Persisted incidents kept in memory at start-up (the log keeps as many closed ones).
constexpr std::size_t kIncidentsReloaded = 1000;

Task<void> storeIncident(store::StoreService& service, store::IncidentRecord record) {
  auto write = [record = std::move(record)](store::Store& store) {
    store.putIncident(record);
    return true;
  };
  try {
    co_await service.run(std::move(write));
  } catch (const std::exception& error) {
    observability::log(LogLevel::Warn, "incident not stored", {{"error", error.what()}});
  }
}

}  // namespace

int runServe(const std::string& config_path, const CommonOptions& options) {
  initLoggingFrom(options);
  raiseFileLimit();
  boundHeapGrowth();
  std::shared_ptr<const proxy::GatewayState> state;
  try {
    state = std::make_shared<const proxy::GatewayState>(config::loadFile(config_path));
  } catch (const std::exception& error) {
    observability::flushLogs();
    std::cerr << error.what() << "\nswitchyard: cannot start\n";
    return 1;
  }
  const auto& config = state->config;
  for (const std::string& warning : config.warnings) std::cerr << warning << "\n";
  if (const std::string problem = exposureProblem(config); !problem.empty()) {
    observability::flushLogs();
    std::cerr << config.source << ": " << problem << "\nswitchyard: cannot start\n";
    return 1;
  }
  // The store: keys and audit records. Opened before any listener, so a bad path stops start-up.
  std::optional<store::StoreService> store_service;
  std::optional<store::SpendJournals> spend_journals;
  proxy::Governance governance;
  const int workers = config.workers > 0 ? config.workers
                                         : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  try {
    store::StoreService::Settings store_settings;
    store_settings.retention = {.max_age = config.store.retention_max_age,
                                .max_rows = static_cast<std::size_t>(config.store.retention_max_rows)};
    store_service.emplace(store::SqliteStore::open(config.store.sqlite_path), store_settings);
    governance.store = &*store_service;
    // What a killed gateway had settled but not yet stored, before spend is read back.
    if (config.store.sqlite_path != ":memory:") {
      const std::string journal_prefix = config.store.sqlite_path + "-spend";
      if (const std::size_t recovered = proxy::recoverSpend(*store_service, journal_prefix); recovered > 0) {
        observability::log(LogLevel::Warn, "spend_recovered",
                           {{"requests", static_cast<long long>(recovered)},
                            {"why", "the previous run stopped before storing their audit records"}});
      }
      spend_journals.emplace(journal_prefix, static_cast<std::size_t>(workers));
      governance.journal = &*spend_journals;
    }
    governance.keys.setStoredKeys(store_service->runBlocking([](store::Store& store) { return store.keys(); }));
    // Spend so far this UTC day and month, from the audit records (budgets survive a restart).
    if (state->economics->ledger.any()) {
      const auto now = std::chrono::system_clock::now();
      const auto totals = [&](accounting::SystemTime since) {
        const auto rows = store_service->runBlocking(
            [since](store::Store& store) { return store.spendSince(accounting::unixMillis(since)); });
        std::vector<accounting::Spent> spent;
        for (const auto& row : rows) {
          if (const auto scope = accounting::parseScope(row.scope)) spent.push_back({*scope, row.name, row.nano_usd, row.tokens});
        }
        return spent;
      };
      const auto today = totals(accounting::dayStart(now));
      const auto month = totals(accounting::monthStart(now));
      state->economics->ledger.load(today, month, now);
    }
  } catch (const std::exception& error) {
    observability::flushLogs();
    std::cerr << config.source << ": store: " << error.what() << "\nswitchyard: cannot start\n";
    return 1;
  }
  // Incidents of earlier runs: their post-mortems survive a restart.
  try {
    const auto records = store_service->runBlocking(
        [](store::Store& store) { return store.incidents(kIncidentsReloaded); });
    std::vector<resilience::Incident> earlier;
    for (const auto& record : records) {
      if (auto incident = proxy::incidentFromRecord(record)) earlier.push_back(std::move(*incident));
    }
    // Those left open by a killed run are closed now and written back below (the listener).
    std::vector<resilience::Incident> interrupted;
    for (const auto& incident : earlier) {
      if (!incident.closed) interrupted.push_back(incident);
    }
    state->incidents->restore(std::move(earlier), std::chrono::system_clock::now());
    for (const auto& incident : interrupted) {
      if (auto closed = state->incidents->get(incident.id)) {
        store_service->runBlocking([record = proxy::incidentRecord(*closed)](store::Store& store) { store.putIncident(record); });
      }
    }
  } catch (const std::exception& error) {
    observability::flushLogs();
    std::cerr << config.source << ": store: incidents: " << error.what() << "\nswitchyard: cannot start\n";
    return 1;
  }
  governance.keys.setConfigKeys(config.keys);
  http::ServerOptions server_options;
  server_options.host = config.listen_host;
  server_options.port = config.listen_port;
  server_options.workers = workers;
  server_options.max_body_bytes = config.limits.max_body_bytes;
  server_options.max_header_bytes = config.limits.max_header_bytes;
  server_options.idle_timeout = config.limits.idle_timeout;
  server_options.client_write_timeout = config.limits.client_write_timeout;
  server_options.max_connections = config.limits.max_connections;

  // The control thread takes signals and runs reloads and the drain, so that no event loop waits on
  // a file, a TLS trust store or another thread.
  boost::asio::io_context control_io;
  std::optional<ConfigReloader> reloader;
  // Incidents: each opening, change and closing is written to the store from the control thread
  // (the worker that made it only posts), and openings and closings go to the webhook.
  std::optional<proxy::IncidentWebhook> webhook;
  if (!config.incidents.webhook.empty()) webhook.emplace(control_io, config.incidents);
  proxy::Drills drills(control_io.get_executor());
  governance.drills = &drills;
  // Traces: spans leave from the exporter's own thread; declared before the server, so that it
  // outlives every request and sends the last spans after the drain.
  std::optional<proxy::OtlpExporter> tracing;
  if (config.otlp.enabled()) {
    tracing.emplace(config.otlp, std::string(kVersion));
    governance.tracing = &*tracing;
  }
  state->incidents->setListener([&control_io, &store_service, &webhook](const resilience::Incident& incident,
                                                                          std::string_view event) {
    auto write = storeIncident(*store_service, proxy::incidentRecord(incident));
    boost::asio::co_spawn(control_io, std::move(write), boost::asio::detached);
    if (webhook && (event == "opened" || event == "closed")) {
      webhook->send(boost::json::serialize(proxy::incidentEvent(incident, event)));
    }
  });
  // bind() makes the handlers in worker order: the first io_context seen is the first worker's,
  // which also runs the health checks (a probe every few seconds needs no thread of its own).
  boost::asio::io_context* first_worker_io = nullptr;
  http::Server server(server_options, [&](boost::asio::io_context& io) {
    if (first_worker_io == nullptr) first_worker_io = &io;
    return std::make_unique<proxy::GatewayFront>(state, io, control_io.get_executor(),
                                                 [&reloader] { return reloader->reload(); }, governance);
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
  // Where to look: a wildcard listen address is reached on loopback from this machine.
  const std::string browse_host = config.listen_host == "0.0.0.0" ? "127.0.0.1"
                                  : config.listen_host == "::"   ? "[::1]"
                                                                 : host;
  const std::string base_url = "http://" + browse_host + ":" + std::to_string(port);
  observability::log(LogLevel::Info, "listening",
                     {{"addr", host + ":" + std::to_string(port)},
                      {"workers", server_options.workers},
                      {"routes", state->routes.routeNames()},
                      {"version", kVersion},
                      {"allocator", heapAllocatorName()},
                      {"dashboard", base_url + "/dashboard"},
                      {"metrics", base_url + "/metrics"},
                      {"otlp", config.otlp.enabled() ? std::string_view(config.otlp.endpoint) : std::string_view("off")}});
  std::cerr << "switchyard: serving on " << base_url << "  dashboard: " << base_url
            << "/dashboard  metrics: " << base_url << "/metrics"
            << (config.auth.admin_key_sha256_hex.empty() ? "  (admin: loopback clients only)"
                                                         : "  (admin: needs an admin key)")
            << std::endl;

  // Health checks live on the first worker's io_context; a reload restarts them there with the
  // new state (the loops of the old one end at their next wake-up).
  std::optional<proxy::HealthChecker> health_checker;
  if (first_worker_io != nullptr) {
    health_checker.emplace(*first_worker_io, *state);
    health_checker->start();
  }
  reloader.emplace(config_path, state, server,
                   [&health_checker, first_worker_io, &governance](const std::shared_ptr<const proxy::GatewayState>& next) {
                     governance.keys.setConfigKeys(next->config.keys);
                     if (first_worker_io == nullptr) return;
                     boost::asio::post(*first_worker_io, [&health_checker, first_worker_io, next] {
                       if (health_checker) health_checker->stop();
                       health_checker.emplace(*first_worker_io, *next);
                       health_checker->start();
                     });
                   });

  const std::chrono::milliseconds grace = config.shutdown_grace;
  boost::asio::signal_set signals(control_io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signal_number) {
        if (ec) return;
        if (signal_number == SIGHUP) {
          reloader->reload();
          signals.async_wait(on_signal);
          return;
        }
        const auto began = std::chrono::steady_clock::now();
        observability::log(LogLevel::Info, "draining",
                           {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"},
                            {"connections", static_cast<long long>(server.connections())},
                            {"grace_ms", static_cast<long long>(grace.count())}});
        const http::DrainReport report = server.drain(grace);
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
        observability::log(report.cut > 0 ? LogLevel::Warn : LogLevel::Info, "drained",
                           {{"connections_at_start", static_cast<long long>(report.connections_at_start)},
                            {"cut_at_grace", static_cast<long long>(report.cut)},
                            {"duration_ms", static_cast<long long>(took.count())}});
        server.stop();
      };
  signals.async_wait(on_signal);
  std::thread control_thread([&control_io] {
    base::nameThisThread("sy-control");
    control_io.run();
  });
  std::signal(SIGPIPE, SIG_IGN);
  server.run();
  control_io.stop();
  control_thread.join();
  store_service.reset();   // commits the audit records still pending
  spend_journals.reset();  // then the journals have nothing the store lacks
  observability::log(LogLevel::Info, "stopped", {});
  observability::flushLogs();
  return 0;
}

}  // namespace switchyard::app
