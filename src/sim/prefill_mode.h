#pragma once
// What a simulated model does with a request whose last turn is the assistant's (an "assistant
// prefill": the start of the answer, to be continued). Models differ here, and a gateway that
// resumes a broken stream on another provider must cope with each kind (`switchyard sim --prefill`).
#include <optional>
#include <string_view>

namespace switchyard::sim {

enum class PrefillMode {
  Continue,  // answers the rest of its answer when the prefill is its start, else the whole answer
  Reject,    // 400, in the dialect's words (sim/dialect.h prefillRejected)
  Restart,   // ignores continuation turns and answers the question from the start
};

inline std::optional<PrefillMode> parsePrefillMode(std::string_view text) {
  if (text == "continue") return PrefillMode::Continue;
  if (text == "reject") return PrefillMode::Reject;
  if (text == "restart") return PrefillMode::Restart;
  return std::nullopt;
}

}  // namespace switchyard::sim
