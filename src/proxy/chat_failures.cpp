#include "proxy/chat_failures.h"

#include <algorithm>

#include <boost/beast/http/field.hpp>

#include "proxy/client_errors.h"
#include "proxy/response_headers.h"

namespace switchyard::proxy {

namespace beast_http = boost::beast::http;
using canonical::Dialect;
using Clock = std::chrono::steady_clock;

namespace {

std::string describeFailures(std::string_view route, const std::vector<AttemptRecord>& attempts,
                             std::string_view why, int attempt_count) {
  std::string message = "Route '" + std::string(route) + "': " + std::string(why) + " after " +
                        std::to_string(attempt_count) + " attempt" + (attempt_count == 1 ? "" : "s");
  message += attempts.empty() ? "." : ":";
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    message += (i == 0 ? " " : "; ");
    message += "#" + std::to_string(i + 1) + " " + attempts[i].target + ": " +
               std::string(base::toToken(attempts[i].failure));
    if (!attempts[i].detail.empty()) message += " " + attempts[i].detail;
  }
  return message;
}

// 503 when every attempt failed, 504 when the total deadline ran out, 429 when every target that
// answered said "rate limited"; the message lists them all. The gateway already retried, so the
// client's SDK is told not to (`x-should-retry: false`, which the official SDKs honour); and
// when a provider said when to come back, the soonest is passed on as Retry-After.
http::Response allTargetsFailed(Dialect surface, std::string_view request_id, std::string_view route,
                                const std::vector<AttemptRecord>& failures, int attempts, bool timed_out) {
  std::optional<std::chrono::milliseconds> soonest;
  bool answered = false;
  bool all_rate_limited = true;
  for (const auto& failure : failures) {
    if (failure.failure == base::FailureKind::BreakerOpen || failure.failure == base::FailureKind::Unsupported ||
        failure.failure == base::FailureKind::BudgetExhausted) {
      continue;  // not tried
    }
    answered = true;
    if (failure.status != 429) all_rate_limited = false;
    if (failure.retry_after && (!soonest || *failure.retry_after < *soonest)) soonest = failure.retry_after;
  }
  const bool rate_limited = !timed_out && answered && all_rate_limited;
  auto status = http::Status::service_unavailable;
  const char* why = "every target failed";
  const char* code = "all_targets_failed";
  if (timed_out) {
    status = http::Status::gateway_timeout;
    why = "total deadline exceeded";
    code = "deadline_exceeded";
  } else if (rate_limited) {
    status = http::Status::too_many_requests;
    why = "every target is rate limited";
    code = "rate_limit_exceeded";
  }
  auto response = clientError(surface, request_id, status, describeFailures(route, failures, why, attempts), code);
  setSwitchyardHeaders(response, route, {}, attempts);
  response.set("x-should-retry", "false");
  if (soonest) {
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(*soonest).count();
    response.set(beast_http::field::retry_after, std::to_string(std::max<std::int64_t>(seconds, 1)));
  }
  return response;
}

// The gateway's shutdown grace ran out before an answer: nothing was sent, so the client may retry
// (on another instance, behind a load balancer), and the SDK is told it may.
http::Response shuttingDown(Dialect surface, std::string_view request_id) {
  auto response = clientError(surface, request_id, http::Status::service_unavailable,
                              "The gateway is shutting down and its grace period (shutdown_grace) ran out before an "
                              "answer; the request was not completed.",
                              "shutting_down");
  response.set("x-should-retry", "true");
  return response;
}

}  // namespace

// The request's data classes left no target, or only targets that failed: the error says so, with
// the class and how many targets the policy kept out, never "every target failed" when the policy
// made it so. 403 when no target may take it (the client cannot fix that by retrying), 503 when
// the allowed ones failed.
http::Response policyRefusal(const GatewayState& state, Dialect surface, std::string_view request_id,
                             const routing::RouteSpec& route, const RequestPlan& plan, const RequestPolicy& policy,
                             const std::vector<AttemptRecord>& failures, int attempts) {
  const std::string classes = state.classes.names(policy.classes);
  const std::string excluded = std::to_string(plan.excluded.size()) + " of " + std::to_string(route.targets.size()) +
                               " target" + (route.targets.size() == 1 ? "" : "s");
  http::Response response{};
  if (plan.order.empty()) {
    std::string message = "Route '" + route.name + "': no target may receive data class '" + classes + "' (" +
                          excluded + " excluded by policy";
    for (std::size_t i = 0; i < plan.excluded.size() && i < 4; ++i) {
      const auto& target = route.targets[plan.excluded[i]];
      const std::string reason = exclusionReason(state, target, policy);  // "phi: lacks compliance hipaa_baa"
      message += (i == 0 ? ": " : "; ") + target.id + " " + reason.substr(reason.find(": ") + 2);
    }
    message += ").";
    response = clientError(surface, request_id, http::Status::forbidden, message, "data_class_unroutable");
  } else {
    const std::string message =
        describeFailures(route.name, failures,
                         "every target allowed for data class '" + classes + "' failed (" + excluded +
                             " excluded by policy, not contacted)",
                         attempts);
    response = clientError(surface, request_id, http::Status::service_unavailable, message, "allowed_targets_failed");
    response.set("x-should-retry", "false");
  }
  setSwitchyardHeaders(response, route.name, {}, attempts);
  response.set("x-switchyard-policy-excluded", std::to_string(plan.excluded.size()));
  return response;
}

http::Response noAnswer(ChatExchange& x) {
  const routing::RouteSpec& route = x.route;
  const int attempts = x.retry.attempts();
  // The client's to fix only when no target of the route could carry the request at all, not
  // because the ones that could happened to be down.
  const auto carriable = [&x](const routing::TargetRef& target) {
    std::string head;
    std::string body;
    return targetAllowed(x.state, target, x.policy.classes) && (x.sameApi(target) || !x.encodeFor(target, head, body));
  };
  const bool timed_out = x.deadline_hit && Clock::now() >= x.deadline;
  if (attempts == 0 && x.unsupported && std::none_of(route.targets.begin(), route.targets.end(), carriable)) {
    auto response = providerError(x.surface, x.request_id, *x.unsupported);
    setSwitchyardHeaders(response, route.name, {}, 0);
    return response;
  }
  if (!x.failures.empty() && x.failures.back().failure == base::FailureKind::ContextLength) {
    // The prompt is too long for every target that could have taken it: the client's to shorten.
    const std::string message =
        describeFailures(route.name, x.failures, "the prompt is too long for every target", attempts);
    const canonical::Error error{400, canonical::ErrorCategory::ContextLengthExceeded, message, "messages",
                                 "context_length_exceeded"};
    auto response = providerError(x.surface, x.request_id, error);
    setSwitchyardHeaders(response, route.name, {}, attempts);
    return response;
  }
  if (x.watch.shutdown) return shuttingDown(x.surface, x.request_id);
  if (attempts == 0 && x.budget_refusal) {
    auto response = budgetExceeded(x.surface, x.request_id, *x.budget_refusal);
    setSwitchyardHeaders(response, route.name, {}, 0);
    return response;
  }
  if (attempts == 0 && x.target_limited) {
    const auto seconds =
        std::max<std::int64_t>(std::chrono::ceil<std::chrono::seconds>(x.target_limited->retry_after).count(), 1);
    auto response = clientError(x.surface, x.request_id, http::Status::too_many_requests,
                                "Route '" + route.name + "': every target is over its rate limit (" +
                                    accounting::rateKindName(x.target_limited->limited_by) + "); retry in " +
                                    std::to_string(seconds) + " s.",
                                "rate_limit_exceeded");
    setSwitchyardHeaders(response, route.name, {}, 0);
    response.set(beast_http::field::retry_after, std::to_string(seconds));
    return response;
  }
  if (!x.plan.excluded.empty() && !timed_out) {
    return policyRefusal(x.state, x.surface, x.request_id, route, x.plan, x.policy, x.failures, attempts);
  }
  return allTargetsFailed(x.surface, x.request_id, route.name, x.failures, attempts, timed_out);
}

}  // namespace switchyard::proxy
