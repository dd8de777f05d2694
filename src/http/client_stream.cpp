#include "http/client_stream.h"

#include <boost/system/error_code.hpp>

namespace switchyard::http {

ClientStream::ClientStream(TcpSocket socket) : socket_(std::move(socket)), watchdog_(socket_.get_executor()) {}

ClientStream::~ClientStream() { *alive_ = false; }  // the timer's own destructor cancels the wait

void ClientStream::expires_at(Clock::time_point deadline) {
  deadline_ = deadline;
  // A wait that ends before the new deadline wakes up and waits again for it; only an earlier
  // deadline (a draining gateway's, a write's shorter than the idle timeout) moves the timer.
  if (deadline < armed_) arm(deadline);
}

void ClientStream::arm(Clock::time_point at) {
  armed_ = at;
  watchdog_.expires_at(at);  // a wait already pending ends with operation_aborted
  watchdog_.async_wait([this, alive = alive_, at](const boost::system::error_code& ec) {
    if (ec || !*alive || at != armed_) return;  // cancelled, the stream is gone, or re-armed since
    expired(at);
  });
}

void ClientStream::expired(Clock::time_point armed_at) {
  armed_ = Clock::time_point::max();
  if (deadline_ == Clock::time_point::max()) return;  // cleared since: nothing to watch
  if (deadline_ > armed_at && deadline_ > Clock::now()) {
    arm(deadline_);  // moved later since the wait began
    return;
  }
  boost::system::error_code ignored;
  socket_.close(ignored);  // whatever is pending fails (operation_aborted)
}

}  // namespace switchyard::http
