#include "canonical/continuation.h"

#include <algorithm>

namespace switchyard::canonical {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trimTrailingSpace(std::string_view text) {
  while (!text.empty() && isSpace(text.back())) text.remove_suffix(1);
  return text;
}

bool allSpace(std::string_view text) { return std::all_of(text.begin(), text.end(), isSpace); }

// How many leading bytes of `held` repeat the end of `partial`: the longest k such that `held`
// starts with the last k bytes of `partial`, or 0. A repeat counts when it is at least kMinOverlap
// bytes (or all of `held`, when less arrived before the stream went on to something else), or when
// it is only whitespace: the client already has that separator (the prefix sent to the model had it
// trimmed, so the model often writes it again). Only text the client already has at the end of its
// text is ever dropped, so the client sees the partial's head followed by the whole continuation:
// a space the model wrote is never lost and words cannot glue.
std::size_t repeatedPrefixLength(std::string_view partial, std::string_view held) {
  const std::size_t longest = std::min({partial.size(), held.size(), ContinuationSplicer::kOverlapWindow});
  const std::size_t shortest = std::min(held.size(), ContinuationSplicer::kMinOverlap);
  for (std::size_t k = longest; k > 0; --k) {
    const std::string_view tail = partial.substr(partial.size() - k);
    if (held.substr(0, k) != tail) continue;
    if (k >= shortest || allSpace(tail)) return k;
  }
  return 0;
}

}  // namespace

void PartialAnswer::onEvent(const StreamEvent& event) {
  switch (event.type) {
    case EventType::Start:
      started_ = true;
      id_.assign(event.id);
      model_.assign(event.name);
      break;
    case EventType::TextDelta:
      text_.append(event.text);
      inside_tool_call_ = false;
      break;
    case EventType::ToolCallStart:
      ++tool_calls_;
      inside_tool_call_ = true;
      break;
    case EventType::ToolCallDelta:
      break;
    case EventType::Finish:
      finished_ = true;
      inside_tool_call_ = false;
      break;
    case EventType::Usage:
      usage_seen_ = true;
      usage_ = event.usage;
      break;
  }
}

std::int64_t PartialAnswer::outputTokensEstimate() const {
  if (usage_seen_) return usage_.output_tokens;
  // About four bytes a token for English text; rounded up so that any text costs a token.
  return static_cast<std::int64_t>((text_.size() + 3) / 4);
}

void buildContinuation(const ChatRequest& original, const PartialAnswer& partial, ContinuationStyle style,
                       Arena& arena, ChatRequest& out) {
  // Every view stays a view of the original: it lives on the same arena as `out`.
  out.model = original.model;
  out.system.assign(original.system.begin(), original.system.end());
  out.messages.assign(original.messages.begin(), original.messages.end());
  out.parts.assign(original.parts.begin(), original.parts.end());
  out.temperature = original.temperature;
  out.top_p = original.top_p;
  out.top_k = original.top_k;
  out.stop.assign(original.stop.begin(), original.stop.end());
  out.tools.assign(original.tools.begin(), original.tools.end());
  out.tool_choice = original.tool_choice;
  out.parallel_tool_calls = original.parallel_tool_calls;
  out.response_format = original.response_format;
  out.response_schema = original.response_schema;
  out.response_schema_name = original.response_schema_name;
  out.include_usage = original.include_usage;
  out.user = original.user;
  out.stream = true;
  out.max_tokens.reset();
  if (original.max_tokens) {
    out.max_tokens = std::max<std::int64_t>(*original.max_tokens - partial.outputTokensEstimate(), 1);
  }

  // Anthropic rejects a final assistant turn that ends in whitespace; the splicer drops the
  // whitespace the model may write again. The instruction style sends the text as the client got it.
  std::string_view text = partial.text();
  if (style == ContinuationStyle::AssistantPrefix) text = trimTrailingSpace(text);
  // Nothing to continue from: the continuation is the original request asked again. An empty text
  // part would be rejected, and an instruction to continue nothing would only confuse the model.
  if (text.empty()) return;

  // Tool calls the client already has are not sent back: the gateway continues only streams in
  // which no tool call started (PartialAnswer::toolCallsStarted() == 0), so the partial answer is
  // text alone.
  Part continued;
  continued.type = PartType::Text;
  continued.text = arena.copy(text);
  if (!out.messages.empty() && out.messages.back().role == Role::Assistant) {
    // The client prefilled the answer: the partial text goes on in that same turn (as a new part),
    // so that roles still alternate. Its parts are moved to the end first when they are not there.
    Message& last = out.messages.back();
    if (last.first + last.count != out.parts.size()) {
      const std::size_t moved_to = out.parts.size();
      for (std::uint32_t i = 0; i < last.count; ++i) out.parts.push_back(out.parts[last.first + i]);
      last.first = static_cast<std::uint32_t>(moved_to);
    }
    out.parts.push_back(continued);
    ++last.count;
  } else {
    const std::size_t first = out.parts.size();
    out.parts.push_back(continued);
    out.addMessage(Role::Assistant, first);
  }

  if (style == ContinuationStyle::Instruction) {
    const std::size_t first = out.parts.size();
    Part instruction;
    instruction.type = PartType::Text;
    instruction.text = kContinueInstruction;
    out.parts.push_back(instruction);
    out.addMessage(Role::User, first);
  }
}

ContinuationSplicer::ContinuationSplicer(const PartialAnswer& partial, EventSink& downstream)
    : partial_(partial), downstream_(downstream) {}

void ContinuationSplicer::flush() {
  if (overlap_decided_) return;
  overlap_decided_ = true;
  const std::size_t repeated = repeatedPrefixLength(partial_.text(), pending_);
  if (repeated < pending_.size()) {
    StreamEvent text;
    text.type = EventType::TextDelta;
    text.text = std::string_view(pending_).substr(repeated);
    downstream_.onEvent(text);
  }
  pending_.clear();
  pending_.shrink_to_fit();
}

void ContinuationSplicer::onEvent(const StreamEvent& event) {
  switch (event.type) {
    case EventType::Start:
      return;  // the client's stream already started, with the first target's id and model
    case EventType::TextDelta:
      if (overlap_decided_) {
        downstream_.onEvent(event);
        return;
      }
      pending_.append(event.text);
      if (pending_.size() >= kOverlapWindow) flush();
      return;
    case EventType::ToolCallStart:
    case EventType::ToolCallDelta: {
      flush();
      StreamEvent renumbered = event;
      renumbered.index += partial_.toolCallsStarted();
      downstream_.onEvent(renumbered);
      return;
    }
    case EventType::Finish:
      flush();
      downstream_.onEvent(event);
      return;
    case EventType::Usage: {
      flush();
      // The client pays for both parts' output; the prompt it is billed for is the continuation's
      // (which holds the original prompt and the partial answer).
      StreamEvent combined = event;
      combined.usage.output_tokens += partial_.outputTokensEstimate();
      downstream_.onEvent(combined);
      return;
    }
  }
}

}  // namespace switchyard::canonical
