#include "proxy/decision_log.h"

#include <string>

#include "observability/log.h"

namespace switchyard::proxy {

using observability::LogLevel;

DecisionLog::DecisionLog(std::string_view request_id, const routing::RouteSpec& route)
    : request_id_(request_id), route_(route), on_(observability::enabled(LogLevel::Debug)) {}

void DecisionLog::plan(const RequestPlan& plan) {
  if (!on_) return;
  logged_.assign(plan.order.size(), false);
  std::string order;
  for (const std::size_t index : plan.order) {
    if (!order.empty()) order += ',';
    order += route_.targets[index].id;
  }
  observability::log(LogLevel::Debug, "plan",
                     {{"request_id", request_id_}, {"route", route_.name}, {"order", order}, {"forced", plan.forced}});
  for (const std::size_t index : plan.skipped) {
    const bool open = plan.views[index].breaker == resilience::BreakerState::Open;
    skipped(route_.targets[index], open ? "breaker_open" : "domain_down",
            open ? "left out of the plan" : "its failure domain is down");
  }
  for (const std::size_t index : plan.order) {
    if (!quotaDemoted(plan, index)) continue;
    observability::log(LogLevel::Debug, "target demoted",
                       {{"request_id", request_id_},
                        {"route", route_.name},
                        {"target", route_.targets[index].id},
                        {"reason", "near_quota"},
                        {"detail", "its provider's rate-limit headers say it is nearly out of quota"}});
  }
}

void DecisionLog::attempt(const routing::TargetRef& target, int number, const resilience::RetryState::Next& next,
                          bool forwarded) {
  if (!on_) return;
  const std::string_view why = number == 1 ? "first" : next.same_target ? "same_target" : "next_target";
  observability::log(LogLevel::Debug, "attempt",
                     {{"request_id", request_id_},
                      {"route", route_.name},
                      {"target", target.id},
                      {"attempt", number},
                      {"reason", why},
                      {"wait_ms", static_cast<long long>(next.wait.count())},
                      {"path", forwarded ? "forwarded" : "translated"}});
}

void DecisionLog::skipped(const routing::TargetRef& target, std::string_view reason, std::string_view detail,
                          bool hedge) {
  if (!on_) return;
  observability::log(LogLevel::Debug, "target skipped",
                     {{"request_id", request_id_},
                      {"route", route_.name},
                      {"target", target.id},
                      {"reason", reason},
                      {"detail", detail},
                      {"hedge", hedge}});
}

void DecisionLog::skippedAt(const RequestPlan& plan, std::size_t position, std::string_view reason,
                            std::string_view detail) {
  if (!on_) return;
  if (position < logged_.size()) logged_[position] = true;
  skipped(route_.targets[plan.order[position]], reason, detail);
}

void DecisionLog::newlyExcluded(const RequestPlan& plan, const resilience::RetryState& retry,
                                std::string_view reason) {
  if (!on_) return;
  for (std::size_t p = 0; p < plan.order.size() && p < logged_.size(); ++p) {
    if (logged_[p] || !retry.excluded(p)) continue;
    skippedAt(plan, p, reason);
  }
}

void DecisionLog::hedgeStarted(const routing::TargetRef& target, const routing::TargetRef& primary) {
  if (!on_) return;
  observability::log(LogLevel::Debug, "hedge started",
                     {{"request_id", request_id_}, {"route", route_.name}, {"target", target.id},
                      {"primary", primary.id}});
}

void DecisionLog::gaveUp(std::string_view reason, int attempts) {
  if (!on_) return;
  observability::log(LogLevel::Debug, "no further attempt",
                     {{"request_id", request_id_}, {"route", route_.name}, {"reason", reason}, {"attempts", attempts}});
}

}  // namespace switchyard::proxy
