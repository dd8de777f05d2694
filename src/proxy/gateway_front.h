#pragma once
// A worker's request handler across config reloads and a graceful shutdown. Each configuration
// generation has its own GatewayHandler (with its upstream pools): a request runs to its end on the
// generation it started with, new requests take the newest. The front itself answers what belongs
// to the process rather than to a configuration: /readyz while draining (503) and
// POST /admin/reload, which runs the reload on the control thread, never on an event loop.
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "base/executor.h"
#include "http/server.h"
#include "proxy/client_watch.h"
#include "proxy/gateway_handler.h"
#include "proxy/gateway_state.h"
#include "proxy/governance.h"

namespace switchyard::proxy {

struct ReloadResult {
  bool ok = false;
  std::string message;  // what changed, or why the new file was refused
};

class GatewayFront final : public http::RequestHandler {
 public:
  // `reload` runs on `control` (one thread, so reloads never overlap).
  using Reload = std::function<ReloadResult()>;
  GatewayFront(std::shared_ptr<const GatewayState> state, boost::asio::io_context& io,
               Executor control, Reload reload, Governance& governance);

  Task<void> handle(http::Request& request, http::ResponseWriter& writer) override;
  http::Response reject(http::Status status, std::string_view message, std::string_view target) override;
  void drain() override { draining_ = true; }
  void expire() override { watches_.cutAll(); }

  // On the worker's thread: new requests use `state` from now on.
  void adopt(std::shared_ptr<const GatewayState> state);

 private:
  struct Generation {
    Generation(std::shared_ptr<const GatewayState> s, boost::asio::io_context& io, WatchRegistry& watches,
               Governance& governance)
        : state(std::move(s)), handler(*state, io, watches, governance) {}
    std::shared_ptr<const GatewayState> state;
    GatewayHandler handler;
  };
  static Task<void> runOn(std::shared_ptr<Generation> generation, http::Request& request,
                                            http::ResponseWriter& writer);
  // /readyz and API requests while draining, POST /admin/reload.
  Task<void> serveLifecycle(http::Request& request, http::ResponseWriter& writer);
  Task<void> reloadNow(http::ResponseWriter& writer);
  static Task<void> sendRefusal(http::Response response, http::ResponseWriter& writer);

  boost::asio::io_context& io_;
  Executor control_;
  Reload reload_;
  Governance& governance_;
  WatchRegistry watches_;  // outlives every generation's exchanges
  std::shared_ptr<Generation> current_;
  bool draining_ = false;
};

}  // namespace switchyard::proxy
