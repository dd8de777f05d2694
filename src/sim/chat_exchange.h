#pragma once
// Answers one POST /v1/chat/completions: picks the request's fault (x-sim-fault header, then the
// body's "sim_fault", then the queue) and answers as OpenAI would, with that fault applied.
#include "sim/sim_state.h"
#include "sim/socket_io.h"

namespace switchyard::sim {

asio::awaitable<After> answerChat(tcp::socket& socket, const StringRequest& request,
                                  SimState& state);

}  // namespace switchyard::sim
