#pragma once
// The one owner of an attempt's upstream connection. While it holds the connection, the client
// hang-up watch and (when racing) the hedge gate can reach it to close it; the lease takes it back
// from both before the connection goes away, on every exit path: back to its pool after a complete
// answer (release), or closed and freed when the lease ends. Nothing else keeps a raw pointer to an
// upstream connection, so a late cancellation can never touch freed memory or another request's
// socket.
#include <memory>

#include "http/client.h"
#include "proxy/client_watch.h"

namespace switchyard::proxy {

struct HedgeGate;

class UpstreamLease {
 public:
  // `racer` picks the slot in the client watch and, with `gate`, in the hedge race (0 or 1).
  UpstreamLease(http::ClientPool& pool, ClientWatch& client, HedgeGate* gate = nullptr, int racer = 0)
      : pool_(pool), client_(client), gate_(gate), racer_(racer) {}
  ~UpstreamLease() { drop(); }
  UpstreamLease(const UpstreamLease&) = delete;
  UpstreamLease& operator=(const UpstreamLease&) = delete;

  http::ClientPool& pool() const { return pool_; }
  // Takes the connection and makes it reachable for cancellation.
  void hold(std::unique_ptr<http::UpstreamConnection> connection);
  explicit operator bool() const { return connection_ != nullptr; }
  http::UpstreamConnection& operator*() const { return *connection_; }
  http::UpstreamConnection* operator->() const { return connection_.get(); }

  // The exchange is over: the connection goes back to the pool when its answer was read completely
  // and nothing is left unread (the pool checks), else it is closed.
  void release();
  // The exchange is abandoned: the connection is closed and freed now.
  void drop();

 private:
  void unregister();

  http::ClientPool& pool_;
  ClientWatch& client_;
  HedgeGate* gate_;
  int racer_;
  std::unique_ptr<http::UpstreamConnection> connection_;
};

}  // namespace switchyard::proxy
