#pragma once
// Everything one simulator remembers between requests. The simulator runs on one thread, so the
// state is plain data owned by runSimulator and shared by reference with its connections.
#include "sim/fault_queue.h"
#include "sim/request_log.h"

#include <cstdint>
#include <random>
#include <string>

namespace switchyard::sim {

struct SimStats {
  uint64_t chat_requests = 0;  // every chat request in any dialect, valid or not
  uint64_t faults_served = 0;  // chat requests that got a fault other than "ok"
};

struct SimState {
  explicit SimState(std::string sim_name)
      : name(std::move(sim_name)), random(std::random_device{}()) {}

  std::string name;
  FaultQueue faults;
  RequestLog requests;
  SimStats stats;
  std::mt19937_64 random;
};

}  // namespace switchyard::sim
