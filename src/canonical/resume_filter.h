#pragma once
// Replay and resume: when a target cannot continue a partial answer from a prefill, the original
// request is sent again and its answer is compared with the text the client already has. While the
// answer repeats that text (whitespace normalised) it is discarded; once past it, the rest is passed
// on, so the client's stream reads as one answer. An answer that says something else cannot be
// spliced: in Exact mode it is refused (nothing of it reaches the client); in BestEffort mode (an
// instructed continuation, which may restart or may go on) what was held is passed on as the
// continuation it then is.
#include <cstddef>
#include <string>

#include "canonical/continuation.h"
#include "canonical/stream_codec.h"

namespace switchyard::canonical {

class ResumeFilter final : public EventSink {
 public:
  enum class Mode : std::uint8_t { Exact, BestEffort };
  enum class State : std::uint8_t {
    Matching,  // the answer so far repeats the delivered text
    Passed,    // past the delivered text: events flow to the client
    Diverged,  // Exact: the answer is not the delivered one's; everything after is dropped
  };

  ResumeFilter(const PartialAnswer& partial, EventSink& downstream, Mode mode);
  void onEvent(const StreamEvent& event) override;
  State state() const { return state_; }
  // True when the answer restarted from the beginning (it repeated the whole delivered text).
  bool restarted() const { return restarted_; }

 private:
  void onText(std::string_view text);
  void diverge();
  void pass(std::string_view text);
  void emitText(std::string_view text);

  const PartialAnswer& partial_;
  EventSink& downstream_;
  Mode mode_;
  State state_ = State::Matching;
  bool restarted_ = false;
  std::size_t matched_ = 0;  // bytes of the delivered text accounted for
  std::string held_;         // BestEffort: the answer's text so far, in case it turns out a continuation
  std::string spaces_;       // whitespace after the last matched character, not yet decided
};

}  // namespace switchyard::canonical
