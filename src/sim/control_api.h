#pragma once
// The simulator's control API under /_sim/: fault queue, request log, stats. Pure request in,
// response out, so that it is unit-tested without sockets.
#include "sim/sim_state.h"

#include <string>
#include <string_view>

namespace switchyard::sim {

inline constexpr std::string_view kControlPrefix = "/_sim/";

struct ControlResponse {
  unsigned status = 200;
  std::string body;  // always JSON
};

// True for targets the control API owns (they are not recorded in the request log).
bool isControlTarget(std::string_view path);

// POST/DELETE /_sim/faults, GET /_sim/faults (what is still queued), GET/DELETE /_sim/requests,
// GET/DELETE /_sim/stats, POST/GET/DELETE /_sim/health ({"status":503} or {"reset":true}: what the
// model-list GETs answer until deleted), POST/GET/DELETE /_sim/usage ({"cached_input_tokens":N,
// "reasoning_tokens":M}: what every answer's usage reports until deleted). Anything else under /_sim/ is a 404; a bad fault list is a 400.
ControlResponse handleControl(std::string_view method, std::string_view path, std::string_view body,
                              SimState& state);

}  // namespace switchyard::sim
