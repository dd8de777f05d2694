#include "proxy/hedge_race.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/asio_fwd.h"
#include "proxy/attempt_support.h"

namespace switchyard::proxy {

using Kind = AttemptOutcome::Kind;

Task<AttemptOutcome> HedgeRace::race(PreparedAttempt& attempt, http::ClientPool& pool, int racer) {
  AttemptOutcome outcome = co_await runPrepared(attempt, pool, writer_);
  // Cancelled by the winner (its connection closed under it), or failed after the race was decided:
  // either way the target did nothing wrong that this attempt could show.
  if (outcome.kind == Kind::Failed && gate_.winner >= 0 && gate_.winner != racer) outcome = hedgeLost();
  co_return outcome;
}

Task<RaceResult> HedgeRace::run(PreparedAttempt& primary, http::ClientPool& primary_pool,
                                                  std::chrono::milliseconds delay, HedgeEntrant& hedge,
                                                  const HedgePicker& pick) {
  RaceResult result;
  SteadyTimer wake(io_);
  bool primary_done = false;
  bool hedge_running = false;
  bool hedge_done = false;
  primary.race(HedgeRacer{&gate_, 0});
  // The completion handlers touch this frame's locals: run() returns only after both have run.
  boost::asio::co_spawn(io_, race(primary, primary_pool, 0), [&](std::exception_ptr, AttemptOutcome outcome) {
    result.primary = std::move(outcome);
    primary_done = true;
    wake.cancel();
  });
  wake.expires_after(delay);
  co_await wake.async_wait(http::kAwaitTuple);
  if (!primary_done && gate_.winner < 0 && pick(hedge)) {
    hedge.attempt.race(HedgeRacer{&gate_, 1});
    hedge.started = std::chrono::steady_clock::now();
    hedge_running = true;
    boost::asio::co_spawn(io_, race(hedge.attempt, *hedge.pool, 1),
                          [&](std::exception_ptr, AttemptOutcome outcome) {
                            result.hedge = std::move(outcome);
                            hedge_done = true;
                            wake.cancel();
                          });
  }
  while (!primary_done || (hedge_running && !hedge_done)) {
    wake.expires_after(std::chrono::hours(24));
    co_await wake.async_wait(http::kAwaitTuple);
  }
  result.hedge_won = hedge_running && (gate_.winner == 1 || (result.primary.kind == Kind::Failed &&
                                                             result.hedge->kind != Kind::Failed));
  co_return result;
}

}  // namespace switchyard::proxy
