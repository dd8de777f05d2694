#include "app/config_reloader.h"

#include <set>

#include "config/config.h"
#include "observability/log.h"

namespace switchyard::app {

using observability::LogLevel;

ConfigReloader::ConfigReloader(std::string path, std::shared_ptr<const proxy::GatewayState> initial,
                               http::Server& server, Adopted adopted)
    : path_(std::move(path)), server_(server), adopted_(std::move(adopted)) {
  generations_.push_back(std::move(initial));
}

proxy::ReloadResult ConfigReloader::reload() {
  const auto& previous = generations_.back();
  std::shared_ptr<const proxy::GatewayState> next;
  try {
    config::Config loaded = config::loadFile(path_);
    std::string kept;
    if (loaded.listen_host != previous->config.listen_host || loaded.listen_port != previous->config.listen_port) {
      kept += " listen";
      loaded.listen_host = previous->config.listen_host;
      loaded.listen_port = previous->config.listen_port;
    }
    if (loaded.workers != previous->config.workers) {
      kept += " workers";
      loaded.workers = previous->config.workers;
    }
    // The store (its file and retention) is opened once, at start-up.
    const auto& store_before = previous->config.store;
    if (loaded.store.sqlite_path != store_before.sqlite_path ||
        loaded.store.retention_max_age != store_before.retention_max_age ||
        loaded.store.retention_max_rows != store_before.retention_max_rows) {
      kept += " store";
      loaded.store = store_before;
    }
    if (!kept.empty()) {
      observability::log(LogLevel::Warn, "config reload: a restart is needed to change these; kept",
                         {{"keys", kept.substr(1)}});
    }
    for (const std::string& warning : loaded.warnings) {
      observability::log(LogLevel::Warn, "config reload warning", {{"detail", warning}});
    }
    next = std::make_shared<const proxy::GatewayState>(std::move(loaded), previous.get());
  } catch (const std::exception& error) {
    observability::log(LogLevel::Error, "config reload refused; the running configuration keeps serving",
                       {{"config", path_}, {"error", error.what()}});
    previous->metrics.registry->reloaded(false);
    return {false, error.what()};
  }
  std::set<std::string> before;
  for (const auto& target : previous->routes.healthTargets()) before.insert(target.id);
  int kept_targets = 0;
  int added_targets = 0;
  for (const auto& target : next->routes.healthTargets()) {
    if (before.erase(target.id) > 0) ++kept_targets;
    else ++added_targets;
  }
  const int removed_targets = static_cast<int>(before.size());
  generations_.push_back(next);
  next->metrics.registry->reloaded(true);  // the registry is the previous generation's, carried
  server_.forEachHandler([next](http::RequestHandler& handler) {
    static_cast<proxy::GatewayFront&>(handler).adopt(next);
  });
  if (adopted_) adopted_(next);
  const std::string message = "configuration reloaded: " + std::to_string(next->routes.routes().size()) +
                              " routes; targets kept " + std::to_string(kept_targets) + ", added " +
                              std::to_string(added_targets) + ", removed " + std::to_string(removed_targets);
  observability::log(LogLevel::Info, "config reloaded",
                     {{"config", path_}, {"generation", static_cast<int>(generations_.size())},
                      {"routes", next->routes.routeNames()}, {"targets_kept", kept_targets},
                      {"targets_added", added_targets}, {"targets_removed", removed_targets}});
  return {true, message};
}

}  // namespace switchyard::app
