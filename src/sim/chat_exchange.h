#pragma once
// Answers one chat request in `dialect`'s wire format: picks the request's fault (x-sim-fault
// header, then the body's "sim_fault", then the queue) and answers as that provider would, with
// the fault applied.
#include "sim/dialect.h"
#include "sim/sim_state.h"
#include "sim/socket_io.h"

namespace switchyard::sim {

asio::awaitable<After> answerChat(tcp::socket& socket, const StringRequest& request,
                                  SimState& state, const SimDialect& dialect);

}  // namespace switchyard::sim
