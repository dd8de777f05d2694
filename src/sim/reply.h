#pragma once
// The simulator's deterministic answer to a chat request, the same in every dialect: a tool call
// when tools are offered to a user's text, an echo of a tool's result after one, otherwise
// "Hello from VOICE: " and the user's text; continuations answered as the state's PrefillMode says.
#include <boost/system/result.hpp>

#include "sim/dialect.h"

namespace switchyard::sim {

struct SimState;

// The answer to `chat` (ids drawn from state.random in the dialect's style), or the dialect's 400
// when the model refuses an assistant prefill (PrefillMode::Reject).
boost::system::result<SimReply, SimError> replyFor(const SimChat& chat, const SimDialect& dialect,
                                                   SimState& state);

}  // namespace switchyard::sim
