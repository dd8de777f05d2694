#pragma once
// One upstream exchange whose target speaks another dialect than the client: the request was
// encoded for the target by its codec; the answer (whole or streamed) is decoded into canonical form
// and rendered in the client's dialect event by event. As on the forwarded path, nothing reaches
// the client until the answer is known good (whole body decoded; first token of a stream), so
// failing over stays invisible.
#include <string>

#include <boost/asio/awaitable.hpp>

#include "base/executor.h"
#include "canonical/arena.h"
#include "canonical/chat.h"
#include "canonical/price.h"
#include "http/client.h"
#include "http/response_writer.h"
#include "policy/pii_restorer.h"
#include "providers/target_codec.h"
#include "proxy/client_watch.h"
#include "proxy/upstream_attempt.h"
#include "routing/route_table.h"

namespace switchyard::proxy {

struct TranslatedInput {
  const routing::RouteSpec& route;
  const routing::TargetRef& target;
  const providers::TargetCodec& codec;
  const std::string& served_by;    // pre-rendered x-switchyard-route/-target lines
  canonical::Dialect surface;      // what the client speaks
  bool stream = false;
  bool include_usage = false;      // OpenAI clients' stream_options.include_usage
  const std::string& head;         // the encoded upstream request
  const std::string& body;
  int attempt_number = 1;
  SteadyTime deadline;
  ClientWatch& client;
  canonical::Arena& arena;
  bool context_fallback = false;  // see AttemptInput::context_fallback
  BrokenStream* broken = nullptr;  // see AttemptInput::broken
  HedgeRacer race{};
  // A redacted request (PII action redact): the values the provider never saw go back into the
  // answer here, whole or streamed.
  const policy::PiiRestorer* restorer = nullptr;
  // The target's price: see AttemptInput::price (x-switchyard-cost-usd on whole answers).
  const canonical::TokenPrice* price = nullptr;
  accounting::QuotaTracker* quota = nullptr;  // see AttemptInput::quota
  TargetMetrics* metrics = nullptr;           // see AttemptInput::metrics
  AttemptJournal* journal = nullptr;          // see AttemptInput::journal
  std::string_view trace_lines;               // see AttemptInput::trace_lines
};

Task<AttemptOutcome> runTranslatedAttempt(const TranslatedInput& input, http::ClientPool& pool,
                                                            http::ResponseWriter& writer);

}  // namespace switchyard::proxy
