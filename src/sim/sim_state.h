#pragma once
// Everything one simulator remembers between requests. The simulator runs on one thread, so the
// state is plain data owned by runSimulator and shared by reference with its connections.
#include "sim/fault_queue.h"
#include "sim/prefill_mode.h"
#include "sim/request_log.h"

#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace switchyard::sim {

struct SimStats {
  uint64_t chat_requests = 0;  // every chat request in any dialect, valid or not
  uint64_t faults_served = 0;  // chat requests that got a fault other than "ok"
};

// What the model-list GETs (a gateway's health probes) answer instead of the list, set through
// /_sim/health. Kept apart from the fault queue so probes never take a chat request's fault.
struct HealthOverride {
  unsigned status = 0;  // answer with this status and an OpenAI error body
  bool reset = false;   // or close with RST
};

// What /_sim/usage sets: every answer's prompt gains `cached_input_tokens` tokens read from the
// provider's prompt cache, and its output `reasoning_tokens` tokens of reasoning (a thinking model's),
// reported in each dialect's usage fields. Zero: the usage has neither.
struct UsageDetails {
  uint64_t cached_input_tokens = 0;
  uint64_t reasoning_tokens = 0;
};

struct SimState {
  explicit SimState(std::string sim_name)
      : name(std::move(sim_name)), voice(name), random(std::random_device{}()) {}

  std::string name;
  // The model the answers come from ("Hello from VOICE: ..."): sims with one voice answer one
  // question alike, as one model served by two providers does.
  std::string voice;
  PrefillMode prefill = PrefillMode::Continue;
  FaultQueue faults;
  RequestLog requests;
  SimStats stats;
  std::optional<HealthOverride> health;  // unset: the model lists answer normally
  UsageDetails usage_details;
  std::mt19937_64 random;
};

}  // namespace switchyard::sim
