#include "sim/fault_queue.h"

namespace switchyard::sim {

void FaultQueue::set(std::vector<Fault> faults, bool loop) {
  faults_ = std::move(faults);
  cursor_ = 0;
  loop_ = loop;
}

void FaultQueue::clear() { set({}, false); }

std::optional<Fault> FaultQueue::next() {
  if (cursor_ >= faults_.size()) return std::nullopt;
  Fault fault = faults_[cursor_++];
  if (loop_ && cursor_ == faults_.size()) cursor_ = 0;
  return fault;
}

std::vector<Fault> FaultQueue::pending() const {
  std::vector<Fault> out(faults_.begin() + static_cast<std::ptrdiff_t>(cursor_), faults_.end());
  if (loop_) out.insert(out.end(), faults_.begin(), faults_.begin() + static_cast<std::ptrdiff_t>(cursor_));
  return out;
}

}  // namespace switchyard::sim
