#include "canonical/resume_filter.h"

namespace switchyard::canonical {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

ResumeFilter::ResumeFilter(const PartialAnswer& partial, EventSink& downstream, Mode mode)
    : partial_(partial), downstream_(downstream), mode_(mode) {}

void ResumeFilter::emitText(std::string_view text) {
  if (text.empty()) return;
  StreamEvent event;
  event.type = EventType::TextDelta;
  event.text = text;
  downstream_.onEvent(event);
}

void ResumeFilter::diverge() {
  if (mode_ == Mode::Exact) {
    state_ = State::Diverged;
    return;
  }
  // An instructed continuation that did not restart: everything it said is the continuation.
  state_ = State::Passed;
  emitText(held_);
  held_.clear();
  spaces_.clear();
}

// The first byte past the delivered text: the rest of the answer flows. A separator the model
// wrote is kept, unless the delivered text already ends with one (the client has it).
void ResumeFilter::pass(std::string_view text) {
  state_ = State::Passed;
  restarted_ = true;
  const std::string& delivered = partial_.text();
  const bool delivered_ends_in_space = !delivered.empty() && isSpace(delivered.back());
  if (!delivered_ends_in_space) emitText(spaces_);
  held_.clear();
  spaces_.clear();
  emitText(text);
}

void ResumeFilter::onText(std::string_view text) {
  const std::string& delivered = partial_.text();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (state_ != State::Matching) return;
    const char c = text[i];
    if (mode_ == Mode::BestEffort) held_.push_back(c);
    if (isSpace(c)) {
      spaces_.push_back(c);
      continue;
    }
    while (matched_ < delivered.size() && isSpace(delivered[matched_])) ++matched_;
    if (matched_ == delivered.size()) {
      pass(text.substr(i));
      return;
    }
    if (delivered[matched_] != c) {
      diverge();
      if (state_ == State::Passed) emitText(text.substr(i + 1));
      return;
    }
    ++matched_;
    spaces_.clear();
  }
}

void ResumeFilter::onEvent(const StreamEvent& event) {
  if (state_ == State::Diverged) return;
  switch (event.type) {
    case EventType::Start:
      return;  // the client's stream already started, with the first target's id and model
    case EventType::TextDelta:
      if (state_ == State::Passed) {
        downstream_.onEvent(event);
      } else {
        onText(event.text);
      }
      return;
    case EventType::ToolCallStart:
    case EventType::ToolCallDelta:
    case EventType::Finish: {
      if (state_ == State::Matching) {
        // The answer leaves text while the client's text is not all repeated yet: a whole repeat
        // that ends right here is the same answer; anything else is another.
        const std::string& delivered = partial_.text();
        while (matched_ < delivered.size() && isSpace(delivered[matched_])) ++matched_;
        if (matched_ == delivered.size()) {
          state_ = State::Passed;
          restarted_ = true;
          held_.clear();
          spaces_.clear();
        } else {
          diverge();
          if (state_ == State::Diverged) return;
        }
      }
      downstream_.onEvent(event);
      return;
    }
    case EventType::Usage: {
      // A replay wrote the whole answer, so its usage is the answer's; an instructed continuation
      // wrote only the rest, and the client pays for both parts' output.
      if (restarted_) {
        downstream_.onEvent(event);
        return;
      }
      StreamEvent combined = event;
      combined.usage.output_tokens += partial_.outputTokensEstimate();
      downstream_.onEvent(combined);
      return;
    }
  }
}

}  // namespace switchyard::canonical
