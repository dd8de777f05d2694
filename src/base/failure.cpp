#include "base/failure.h"

namespace switchyard::base {

std::string_view toToken(FailureKind kind) {
  switch (kind) {
    case FailureKind::None: return "none";
    case FailureKind::ConnectRefused: return "connect_failed";
    case FailureKind::ConnectionReset: return "connection_reset";
    case FailureKind::Dns: return "dns";
    case FailureKind::Tls: return "tls";
    case FailureKind::AttemptTimeout: return "attempt_timeout";
    case FailureKind::FirstTokenTimeout: return "first_token_timeout";
    case FailureKind::DeadlineExceeded: return "deadline_exceeded";
    case FailureKind::UpstreamStatus: return "upstream_status";
    case FailureKind::MalformedResponse: return "malformed_response";
    case FailureKind::ResponseTooLarge: return "response_too_large";
    case FailureKind::EventTooLarge: return "event_too_large";
    case FailureKind::StreamCut: return "stream_cut";
    case FailureKind::UpstreamError: return "upstream_error_event";
    case FailureKind::Unsupported: return "unsupported";
    case FailureKind::ContextLength: return "context_length_exceeded";
    case FailureKind::BreakerOpen: return "breaker_open";
    case FailureKind::BudgetExhausted: return "retry_budget_exhausted";
    case FailureKind::HedgeLost: return "hedge_lost";
  }
  return "unknown";
}

}  // namespace switchyard::base
