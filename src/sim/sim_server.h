#pragma once
// The upstream simulator behind `switchyard sim`: an OpenAI-compatible chat-completions server
// whose failures are scripted by tests (see the Simulator section of the contract and fault.h).
#include <cstdint>
#include <string>

#include "sim/prefill_mode.h"

namespace switchyard::sim {

struct SimOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;           // 0 picks a free port; the "listening" line tells which
  std::string name = "sim";    // in logs, and in every reply unless a voice is set
  std::string voice;           // in every reply: "Hello from VOICE: ..."; empty: the name
  PrefillMode prefill = PrefillMode::Continue;  // what a request ending with an assistant turn gets
  std::string schedule;        // --schedule SPEC, looped forever as the fault queue; empty: none
  std::string log_format = "json";  // "json" or "text", for the "listening" line
};

// Binds, prints {"level":"info","msg":"listening","addr":"HOST:PORT","name":NAME} on stdout (or
// the text form), then serves on the calling thread until SIGINT/SIGTERM stops it.
// Returns 0 after a stop, 1 when the schedule is invalid or the address cannot be bound (with a
// message on stderr).
int runSimulator(const SimOptions& options);

}  // namespace switchyard::sim
