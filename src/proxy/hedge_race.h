#pragma once
// Hedging, as one small race with an obvious lifecycle: the primary attempt runs alone until the
// hedge delay; if it has shown the client nothing by then, a second attempt (the hedge, picked and
// prepared by the caller into its own buffers) races it, and the first to have something for the
// client (first token, whole answer) wins. The winner closes the loser's connection; a racer that
// fails once the other has won ends as hedge_lost, which says nothing about its target's health.
// The race returns only when both racers have ended, so nothing outlives it.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "base/executor.h"
#include "http/client.h"
#include "http/response_writer.h"
#include "proxy/plan_steps.h"
#include "proxy/upstream_attempt.h"
#include "resilience/circuit_breaker.h"

namespace switchyard::proxy {

// The hedge: its target, its admission, and the request it sends, owned here so that each
// candidate has its own buffers (nothing of another candidate's request can leak into it).
struct HedgeEntrant {
  const routing::TargetRef* target = nullptr;
  resilience::Admission admission = resilience::Admission::Allowed;
  http::ClientPool* pool = nullptr;
  std::string head;   // translated targets: the encoded request
  std::string body;
  std::string extra;  // forwarded targets: per-request header lines
  PreparedAttempt attempt;
  SteadyTime started{};
};

// Called once the delay has passed with the primary still silent: fills the entrant and returns
// true, or returns false when there is no hedge to start (no candidate, a budget spent).
using HedgePicker = std::function<bool(HedgeEntrant&)>;

struct RaceResult {
  AttemptOutcome primary;
  std::optional<AttemptOutcome> hedge;  // set when a hedge ran
  bool hedge_won = false;
};

class HedgeRace {
 public:
  HedgeRace(boost::asio::io_context& io, http::ResponseWriter& writer) : io_(io), writer_(writer) {}

  Task<RaceResult> run(PreparedAttempt& primary, http::ClientPool& primary_pool,
                                         std::chrono::milliseconds delay, HedgeEntrant& hedge,
                                         const HedgePicker& pick);

 private:
  // One racer: its outcome is judged the moment it ends (a failure after the other won is a loss).
  Task<AttemptOutcome> race(PreparedAttempt& attempt, http::ClientPool& pool, int racer);

  boost::asio::io_context& io_;
  http::ResponseWriter& writer_;
  HedgeGate gate_;
};

}  // namespace switchyard::proxy
