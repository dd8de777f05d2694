#pragma once
// Failover in the middle of a stream. When a stream breaks after the client already has part of the
// answer (the connection drops, no event for timeouts.inter_token, a malformed chunk, an upstream
// error event), the attempt leaves the client's stream open and hands over a BrokenStream; the next
// target is asked to continue from the partial answer and its stream is spliced into the same client
// stream, so the client sees one stream with one id, one finish reason and the combined usage.
//
// What is guaranteed: text answers continue on the next targets of the plan (up to the request's
// attempts and total deadline); a stream that broke after its finish event is simply ended properly.
// Not continued: a stream that has started a tool call (its arguments may be half-sent), and a
// continuation that itself breaks after sending text; those end with the dialect's error event.
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "canonical/continuation.h"
#include "canonical/stream_codec.h"
#include "http/client.h"
#include "http/response_writer.h"
#include "proxy/client_watch.h"
#include "proxy/gateway_state.h"
#include "proxy/upstream_attempt.h"
#include "resilience/retry_state.h"

namespace switchyard::proxy {

struct BrokenStream {
  bool open = false;  // a stream broke after the client got part of it, and was left open
  // Forwarded path: the upstream events the client got, as bytes, and the codec that reads them.
  std::string relayed;
  const providers::TargetCodec* relayed_codec = nullptr;
  // Translated path: the client's encoder, mid-stream, and what it has sent.
  std::unique_ptr<canonical::StreamEncoder> encoder;
  std::unique_ptr<canonical::PartialAnswer> partial;
  base::FailureKind failure = base::FailureKind::None;
  std::string detail;  // what broke
};

struct ContinuationInput {
  const GatewayState& state;
  const routing::RouteSpec& route;
  canonical::Dialect surface;
  bool include_usage = false;
  const canonical::ChatRequest& request;  // the client's request, canonical
  canonical::Arena& arena;
  const std::vector<std::size_t>& candidates;  // route target indexes to try, in order
  std::vector<std::unique_ptr<http::ClientPool>>& pools;  // by provider
  SteadyTime deadline;
  ClientWatch& client;
};

struct ContinuationOutcome {
  AttemptOutcome outcome;                        // Delivered (the client's stream is closed either way)
  const routing::TargetRef* continued_by = nullptr;  // the target whose continuation completed the answer
  int attempts = 0;                              // continuation attempts made
};

// Completes a broken stream: continues it on the candidates, or ends it with the dialect's error
// event when none can.
boost::asio::awaitable<ContinuationOutcome> continueStream(const ContinuationInput& input, BrokenStream& broken,
                                                           http::ResponseWriter& writer);

// The client's stream encoder for its API.
std::unique_ptr<canonical::StreamEncoder> makeClientEncoder(canonical::Dialect surface, bool include_usage);

// Ends a broken stream that will not be continued: the dialect's error event, then the end of the
// response. Used by the attempts themselves when mid-stream failover is off.
std::string streamErrorEvent(canonical::Dialect dialect, std::string_view message, std::string_view code);

}  // namespace switchyard::proxy
