#pragma once
// Active health checks (issue 4, item 2): for every provider with health_check enabled, one cheap
// GET of its model list every `interval`, whose verdict goes to every health target of that
// provider (TargetHealth::healthCheckPassed / healthCheckFailed). A pass only re-admits: an open
// breaker turns half-open at once and its real requests decide (a model list that answers 200 says
// the provider is up, not that every model behind it answers); failures open it before user
// requests pile up on a provider that went down.
//
// Envoy un-ejects a host outright on a passing check (successful_active_health_check_uneject_host);
// that would let a failing model back in every interval and defeat the growing open interval.
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/failure.h"
#include "config/config.h"

namespace switchyard::proxy {

struct GatewayState;

// The probe a provider gets: a whole HTTP/1.1 GET (head only), or why it gets none.
struct HealthProbe {
  std::string request;  // empty when skipped
  std::string path;     // "/v1/models": for logs and failure details (never holds a key)
  std::string skipped;  // non-empty: no probe for this provider, and why
};
HealthProbe makeHealthProbe(const config::Provider& provider);

// The verdict on a probe that got an answer with `status` (2xx passes, anything else fails).
struct ProbeVerdict {
  bool passed = false;
  base::FailureKind failure = base::FailureKind::None;
  std::string detail;  // "health check: HTTP 401 on GET /v1/models (...)"
};
ProbeVerdict judgeProbeStatus(unsigned status, const std::string& path);

// Runs the probe loops on one io_context (the first worker's). Not thread-safe itself: construct
// and start() before that io_context runs (or on its thread); stop() may be called from any thread.
// The loops own everything they touch except the GatewayState (which must outlive the io_context),
// so they end cleanly either through stop() or by the io_context being stopped and destroyed,
// whether this object is destroyed before or after it.
class HealthChecker {
 public:
  HealthChecker(boost::asio::io_context& io, const GatewayState& state);
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Spawns one loop per provider whose health_check is enabled (and logs the ones skipped).
  void start();
  // Cancels the loops: each ends at its next wake-up, an in-flight probe's connection is closed.
  void stop();

  struct Loop;  // one provider's probe loop (health_checker.cpp)

 private:
  boost::asio::io_context& io_;
  const GatewayState& state_;
  std::vector<std::weak_ptr<Loop>> loops_;
};

}  // namespace switchyard::proxy
