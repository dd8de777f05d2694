#include "proxy/drills.h"

#include <boost/asio/steady_timer.hpp>

#include "base/duration.h"
#include "base/executor.h"
#include "proxy/gateway_state.h"

namespace switchyard::proxy {

Drills::Start Drills::start(const GatewayState& state, const std::string& target, std::chrono::milliseconds duration,
                            Active& started) {
  std::shared_ptr<resilience::TargetHealth> health;
  for (const auto& candidate : state.health) {
    if (candidate->target() == target) health = candidate;
  }
  if (!health) return Start::UnknownTarget;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    if (entries_.contains(target)) return Start::Busy;
    const auto until = std::chrono::steady_clock::now() + duration;
    if (!health->startDrill(until, "for " + base::formatDuration(duration))) return Start::Busy;
    generation = ++generation_;
    Entry entry;
    entry.health = health;
    entry.info.target = target;
    entry.info.incident = health->snapshot(std::chrono::steady_clock::now()).open_incident.value_or(0);
    entry.info.started = std::chrono::system_clock::now();
    entry.info.ends = entry.info.started + duration;
    entry.generation = generation;
    started = entry.info;
    entries_.emplace(target, std::move(entry));
  }
  auto timer = std::make_shared<SteadyTimer>(control_, duration);
  timer->async_wait([this, timer, target, generation](const boost::system::error_code& ec) {
    if (!ec) expire(target, generation);
  });
  return Start::Started;
}

void Drills::expire(const std::string& target, std::uint64_t generation) {
  std::shared_ptr<resilience::TargetHealth> health;
  {
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(target);
    if (found == entries_.end() || found->second.generation != generation) return;  // ended early
    health = std::move(found->second.health);
    entries_.erase(found);
  }
  health->endDrill("duration over");
}

bool Drills::end(const std::string& target, std::string_view cause) {
  std::shared_ptr<resilience::TargetHealth> health;
  {
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(target);
    if (found == entries_.end()) return false;
    health = std::move(found->second.health);
    entries_.erase(found);
  }
  health->endDrill(cause);
  return true;
}

std::vector<Drills::Active> Drills::active() const {
  std::lock_guard lock(mutex_);
  std::vector<Active> out;
  for (const auto& [target, entry] : entries_) out.push_back(entry.info);
  return out;
}

}  // namespace switchyard::proxy
