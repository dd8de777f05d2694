#pragma once
// What a chat request's attempt loop decided, at --log-level debug: the plan, each attempt's target
// and why it was chosen, and every target passed over with the reason (breaker_open, domain_down,
// cannot_carry, context_window, retry_budget, hedge_budget) or demoted (near_quota). Each line
// carries the request id. When debug is off each call is one branch.
#include <string_view>
#include <vector>

#include "proxy/target_plan.h"
#include "resilience/retry_state.h"
#include "routing/route_table.h"

namespace switchyard::proxy {

class DecisionLog {
 public:
  DecisionLog(std::string_view request_id, const routing::RouteSpec& route);

  bool on() const { return on_; }
  // The plan: its order, the targets it left out and why, the ones it demoted for their provider's
  // quota (near_quota), whether it is forced (every target open).
  void plan(const RequestPlan& plan);
  // An attempt about to start (`number` counts from 1): the target, whether it is a same-target
  // retry or a move to the next target, the wait before it, forwarded or translated.
  void attempt(const routing::TargetRef& target, int number, const resilience::RetryState::Next& next,
               bool forwarded);
  // A target passed over (at plan position `position`, when it has one).
  void skipped(const routing::TargetRef& target, std::string_view reason, std::string_view detail = {},
               bool hedge = false);
  void skippedAt(const RequestPlan& plan, std::size_t position, std::string_view reason, std::string_view detail = {});
  // Positions `retry` has excluded since the last call, each logged with `reason`.
  void newlyExcluded(const RequestPlan& plan, const resilience::RetryState& retry, std::string_view reason);
  void hedgeStarted(const routing::TargetRef& target, const routing::TargetRef& primary);
  // The loop stopped looking for another attempt.
  void gaveUp(std::string_view reason, int attempts);

 private:
  std::string_view request_id_;
  const routing::RouteSpec& route_;
  bool on_;
  std::vector<bool> logged_;  // plan positions already reported as excluded (only when on)
};

}  // namespace switchyard::proxy
