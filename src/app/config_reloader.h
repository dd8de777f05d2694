#pragma once
// Reloads the configuration without dropping traffic (SIGHUP, POST /admin/reload): the new file is
// read and validated in full first (a bad file is refused and the running configuration keeps
// serving), then every worker adopts it for new requests while requests in flight finish on the
// one they started with. Targets that still exist keep their breaker, latencies and incidents.
// The listen address and the number of workers need a restart (they are kept, with a warning).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/server.h"
#include "proxy/gateway_front.h"
#include "proxy/gateway_state.h"

namespace switchyard::app {

class ConfigReloader {
 public:
  // Called with each new state, on the control thread (e.g. to restart the health checks).
  using Adopted = std::function<void(const std::shared_ptr<const proxy::GatewayState>&)>;
  ConfigReloader(std::string path, std::shared_ptr<const proxy::GatewayState> initial, http::Server& server,
                 Adopted adopted);

  // On the control thread only (reloads never overlap). Logs the outcome.
  proxy::ReloadResult reload();

 private:
  std::string path_;
  http::Server& server_;
  Adopted adopted_;
  // Every generation lives until exit: requests in flight and the previous health-check loops may
  // still refer to an older one, and a reload is rare (a few kilobytes each).
  std::vector<std::shared_ptr<const proxy::GatewayState>> generations_;
};

}  // namespace switchyard::app
