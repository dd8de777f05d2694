#pragma once
// Outage drills (issue 14): POST /admin/drills takes a target out of rotation on purpose, as if its
// breaker had opened (TargetHealth::startDrill), for a duration; a timer on the control thread
// restores it, or DELETE /admin/drills/{target} does earlier. Each drill is a drill incident, with
// the same post-mortem as a real one. Thread-safe: workers start and end drills, the control
// thread's timers end them.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/executor.h"
#include "resilience/target_health.h"

namespace switchyard::proxy {

struct GatewayState;

class Drills {
 public:
  explicit Drills(Executor control) : control_(std::move(control)) {}
  Drills(const Drills&) = delete;
  Drills& operator=(const Drills&) = delete;

  struct Active {
    std::string target;
    std::uint64_t incident = 0;
    resilience::WallTime started{};
    resilience::WallTime ends{};
  };
  enum class Start : std::uint8_t { Started, UnknownTarget, Busy };
  // Starts a drill on `target` ("provider/model") of `state`; Busy when one is on already or the
  // target's breaker is not closed.
  Start start(const GatewayState& state, const std::string& target, std::chrono::milliseconds duration, Active& started);
  std::vector<Active> active() const;  // by target
  // Ends the drill on `target` now; false when there is none.
  bool end(const std::string& target, std::string_view cause);

 private:
  struct Entry {
    std::shared_ptr<resilience::TargetHealth> health;
    Active info;
    std::uint64_t generation = 0;
  };
  void expire(const std::string& target, std::uint64_t generation);

  Executor control_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::uint64_t generation_ = 0;
};

}  // namespace switchyard::proxy
