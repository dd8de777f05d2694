#pragma once
// What the gateway learns about a target from its own answers and keeps for the process's life:
// the context window a "context length exceeded" message stated, and that it refuses an assistant
// prefill. Shared by every worker (atomics, written rarely, read per failover decision).
#include <atomic>
#include <cstdint>

namespace switchyard::proxy {

struct TargetLearning {
  std::atomic<std::int64_t> context_window{0};  // tokens; 0: nothing learnt
  std::atomic<bool> refuses_prefill{false};
};

}  // namespace switchyard::proxy
