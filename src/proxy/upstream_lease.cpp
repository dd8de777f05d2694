#include "proxy/upstream_lease.h"

#include "proxy/upstream_attempt.h"

namespace switchyard::proxy {

void UpstreamLease::hold(std::unique_ptr<http::UpstreamConnection> connection) {
  drop();
  connection_ = std::move(connection);
  client_.active[racer_] = connection_.get();
  if (gate_ != nullptr) gate_->active[racer_] = connection_.get();
}

void UpstreamLease::unregister() {
  if (!connection_) return;
  if (client_.active[racer_] == connection_.get()) client_.active[racer_] = nullptr;
  if (gate_ != nullptr && gate_->active[racer_] == connection_.get()) gate_->active[racer_] = nullptr;
}

void UpstreamLease::release() {
  unregister();
  if (connection_) pool_.release(std::move(connection_));
}

void UpstreamLease::drop() {
  unregister();
  connection_.reset();
}

}  // namespace switchyard::proxy
