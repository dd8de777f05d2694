#include "http/watchdog.h"

#include <boost/system/error_code.hpp>

namespace switchyard::http {

Watchdog::Watchdog(const Executor& executor, std::function<void()> expire)
    : timer_(executor), expire_(std::move(expire)) {}

Watchdog::~Watchdog() { *alive_ = false; }  // the timer's own destructor cancels the wait

void Watchdog::expiresAt(Clock::time_point deadline) {
  deadline_ = deadline;
  if (deadline < armed_) arm(deadline);  // earlier than the pending wait, or none pending
}

void Watchdog::stop() {
  clear();
  if (armed_ == Clock::time_point::max()) return;
  armed_ = Clock::time_point::max();
  timer_.cancel();  // the pending wait ends with operation_aborted
}

void Watchdog::arm(Clock::time_point at) {
  armed_ = at;
  timer_.expires_at(at);  // a wait already pending ends with operation_aborted
  timer_.async_wait([this, alive = alive_, at](const boost::system::error_code& ec) {
    if (ec || !*alive || at != armed_) return;  // cancelled, the watchdog is gone, or re-armed since
    woke(at);
  });
}

void Watchdog::woke(Clock::time_point armed_at) {
  armed_ = Clock::time_point::max();
  if (deadline_ == Clock::time_point::max()) return;  // cleared since: nothing to watch
  if (deadline_ > armed_at && deadline_ > Clock::now()) {
    arm(deadline_);  // moved later since the wait began
    return;
  }
  expired_ = true;
  expire_();
}

}  // namespace switchyard::http
