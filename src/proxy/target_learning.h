#pragma once
// What the gateway learns about a target from its own answers and keeps for the process's life:
// the context window a "context length exceeded" message stated, that it refuses an assistant
// prefill, and the provider's latest word on its quota (its rate-limit headers). Shared by every
// worker (atomics: written per answer at most, read per plan), carried over a reload.
#include <atomic>
#include <cstdint>

#include "accounting/provider_quota.h"

namespace switchyard::proxy {

struct TargetLearning {
  std::atomic<std::int64_t> context_window{0};  // tokens; 0: nothing learnt
  std::atomic<bool> refuses_prefill{false};
  // Updated from every response head that carries quota headers (provider_quotas.h); a target
  // near its quota is planned after the others.
  accounting::QuotaTracker quota;
};

}  // namespace switchyard::proxy
