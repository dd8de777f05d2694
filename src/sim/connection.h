#pragma once
// One client connection: reads requests (keep-alive) and routes each to the control API, the
// model list or the chat exchange, until either side closes.
#include "sim/sim_state.h"
#include "sim/socket_io.h"

#include <cstddef>

namespace switchyard::sim {

// Generous on purpose: the gateway's own limits are what tests exercise, not the simulator's.
inline constexpr size_t kMaxBodyBytes = 64 * 1024 * 1024;
inline constexpr uint32_t kMaxHeaderBytes = 1024 * 1024;

asio::awaitable<void> serveConnection(tcp::socket socket, SimState& state);

}  // namespace switchyard::sim
