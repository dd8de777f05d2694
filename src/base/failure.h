#pragma once
// The closed set of reasons an upstream attempt can fail. Each prints as a short stable token
// used in logs, error messages and x-switchyard-* headers.
#include <string_view>

namespace switchyard::base {

enum class FailureKind {
  None,
  ConnectRefused,     // TCP connect refused or unreachable (local origin)
  ConnectionReset,    // the upstream closed or reset the connection mid-exchange
  Dns,                // the provider's host name did not resolve
  Tls,                // handshake or certificate verification failed
  AttemptTimeout,     // no complete answer (or no headers, for streams) within timeouts.attempt
  FirstTokenTimeout,  // a stream produced no first event within timeouts.first_token
  DeadlineExceeded,   // the request's total deadline ran out
  UpstreamStatus,     // the provider answered with a failing HTTP status
  MalformedResponse,  // the answer was not what the protocol promises (bad JSON, bad framing, bad UTF-8)
  ResponseTooLarge,   // a whole answer larger than limits.max_response_bytes
  EventTooLarge,      // a stream event larger than limits.max_event_bytes
  StreamCut,          // a stream ended without its terminator after bytes reached the client
  UpstreamError,      // the provider sent an error event inside a 200 stream
  Unsupported,        // the target's wire format cannot carry this request (not tried)
  ContextLength,      // the prompt does not fit the target's context window (a larger one is tried)
  BreakerOpen,        // the target's circuit breaker is open (not tried)
  BudgetExhausted,    // the gateway's retry budget is spent (no retry)
  HedgeLost,          // a hedged attempt that another attempt beat to the first token (cancelled)
};

std::string_view toToken(FailureKind kind);

}  // namespace switchyard::base
