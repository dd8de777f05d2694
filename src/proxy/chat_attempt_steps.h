#pragma once
// The two steps of a chat request's attempt loop that run only sometimes, each a coroutine of its
// own so that its state (the hedge's request and race, the continuation's candidates) is allocated
// while it runs rather than held in every request's frame: racing the primary attempt against a
// hedge, and continuing a stream that broke after the client saw part of it.
#include <cstddef>

#include <boost/asio/awaitable.hpp>

#include "base/executor.h"
#include "proxy/chat_exchange.h"

namespace switchyard::proxy {

// The attempt a hedge races, as the loop prepared and admitted it.
struct PrimaryAttempt {
  const routing::TargetRef& target;
  std::size_t position;  // in the plan's order
  resilience::TargetHealth& health;
  resilience::Admission admission;
  PreparedAttempt& prepared;
  SteadyTime started;
  accounting::Reservation& hold;
  AttemptJournal& journal;
  resilience::RetryBudget& hedge_budget;  // the route's
};

// Runs `primary`; once the route's hedge delay passes with nothing shown to the client, races it
// against the plan's next target that can carry the request and is admitted, within the hedge and
// retry budgets. Sets `outcome` to the primary's; when the hedge won, settles and records the
// primary as the loser, sets `outcome` to the hedge's and `served_by` to its target, and returns
// true (the request is served). A hedge that ran and lost is settled and recorded here too.
Task<bool> raceWithHedge(ChatExchange& exchange, const PrimaryAttempt& primary,
                                           AttemptOutcome& outcome, const routing::TargetRef*& served_by);

// The stream of the attempt at plan position `position` broke after the client got part of it:
// continues it on the plan's other targets (or ends it with the dialect's error event when the
// request has no canonical form). Updates `outcome`; sets `continued_by` to the target that
// completed the answer, if one did.
Task<void> continueBrokenStream(ChatExchange& exchange, std::size_t position,
                                                  resilience::TargetHealth& health, AttemptOutcome& outcome,
                                                  const routing::TargetRef*& continued_by);

}  // namespace switchyard::proxy
