#pragma once
// One timer per connection that closes it when its deadline passes, re-armed lazily: setting a
// later deadline only records it, and the pending wait, when it ends early, waits again for what
// is recorded then; only an earlier deadline moves the timer. A connection that sets a new
// deadline for each request (a client's idle wait, an upstream exchange's deadline) so touches the
// timer queue about once per deadline's length, not once or twice per request.
//
// The deadline holds whether or not an operation is pending: callers clear it when the phase it
// bounds ends.
#include <chrono>
#include <functional>
#include <memory>

#include "base/executor.h"

namespace switchyard::http {

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  // `expire` closes the connection; it runs on the executor's thread, at most once per expiry.
  Watchdog(const Executor& executor, std::function<void()> expire);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void expiresAt(Clock::time_point deadline);
  void clear() noexcept { deadline_ = Clock::time_point::max(); }
  // Clears the deadline and cancels the pending wait: for a connection that goes idle in a pool,
  // whose io_context must be free to run out of work (an exporter's thread runs it until done).
  void stop();
  // The connection was closed because its deadline passed (what a failed operation then means).
  bool expired() const noexcept { return expired_; }

 private:
  void arm(Clock::time_point at);
  void woke(Clock::time_point armed_at);

  SteadyTimer timer_;
  std::function<void()> expire_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point armed_ = Clock::time_point::max();  // when the pending wait ends; max: none pending
  bool expired_ = false;
  // Shared with the pending wait's handler, which may run after the watchdog is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace switchyard::http
