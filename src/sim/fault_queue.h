#pragma once
// The queue of faults that chat requests without a fault of their own take in turn.
#include "sim/fault.h"

#include <cstddef>
#include <optional>
#include <vector>

namespace switchyard::sim {

class FaultQueue final {
 public:
  // Replaces the queue. With loop, the faults cycle forever; without, each is used once.
  void set(std::vector<Fault> faults, bool loop);
  void clear();
  // The fault for the next chat request, or nullopt when the queue is used up (answer normally).
  std::optional<Fault> next();

  // What is still to come, in order (for a loop: one full cycle starting at the cursor).
  std::vector<Fault> pending() const;
  bool loop() const { return loop_; }

 private:
  std::vector<Fault> faults_;
  size_t cursor_ = 0;
  bool loop_ = false;
};

}  // namespace switchyard::sim
