#pragma once
// Failover in the middle of a stream: when a stream breaks after the client already has part of the
// answer, another target is asked to continue from that part, and its stream is spliced into the
// client's so that the client sees one stream (one id, one finish reason, combined usage).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "canonical/chat.h"
#include "canonical/stream_codec.h"

namespace switchyard::canonical {

// What the client has received of a streamed answer: fed the same canonical events as the client's
// encoder (a sink placed in front of it).
class PartialAnswer final : public EventSink {
 public:
  void onEvent(const StreamEvent& event) override;

  bool started() const { return started_; }
  const std::string& id() const { return id_; }
  const std::string& model() const { return model_; }
  const std::string& text() const { return text_; }         // every text delta, concatenated
  int toolCallsStarted() const { return tool_calls_; }
  // A tool call has started whose arguments may be incomplete: continuing inside it is not
  // guaranteed, so the gateway does not try.
  bool insideToolCall() const { return inside_tool_call_; }
  bool finished() const { return finished_; }                // a Finish event arrived
  const Usage& usage() const { return usage_; }
  std::int64_t outputTokensEstimate() const;                 // usage when known, else ~chars/4

 private:
  bool started_ = false;
  std::string id_;
  std::string model_;
  std::string text_;
  int tool_calls_ = 0;
  bool inside_tool_call_ = false;
  bool finished_ = false;
  bool usage_seen_ = false;
  Usage usage_;
};

// How a target can be asked to continue.
enum class ContinuationStyle : std::uint8_t {
  AssistantPrefix,  // the partial text as the last (assistant) turn: the model goes on from it
                    // (Anthropic; Bedrock for anthropic.* models)
  Instruction,      // the partial text as an assistant turn, then a user turn asking to continue
                    // exactly where it stopped without repeating (OpenAI, Gemini, others)
};

inline constexpr std::string_view kContinueInstruction =
    "Your previous answer was cut off. Continue it exactly where it stopped, without repeating any of "
    "it and without any preamble.";

// Builds into `out` (empty, on `arena`) the request that asks for the rest of `partial`'s answer to
// `original`: the same system text, turns, tools and parameters; max_tokens reduced by the tokens
// already produced (never below 1); stream on.
void buildContinuation(const ChatRequest& original, const PartialAnswer& partial, ContinuationStyle style,
                       Arena& arena, ChatRequest& out);

// Sits between the continuation's decoder and the client's encoder: drops the continuation's Start
// (the client's stream already started), numbers its tool calls after the ones the client already
// has, removes a repeated prefix (a continuation that starts by repeating the partial text's last
// words), and adds the first part's output tokens to the Usage it passes on.
class ContinuationSplicer final : public EventSink {
 public:
  ContinuationSplicer(const PartialAnswer& partial, EventSink& downstream);
  void onEvent(const StreamEvent& event) override;
  // The continuation's stream ended without a Finish (it broke too): passes on the text still held
  // for the overlap check, so the client has everything that arrived. Call before reporting the
  // failure; harmless when nothing is held.
  void flush();

  // How much leading continuation text is held before the overlap is decided, and the shortest
  // repeat (of non-whitespace text) that counts as one: shorter matches are too likely to be
  // chance ("the", ". ").
  static constexpr std::size_t kOverlapWindow = 64;
  static constexpr std::size_t kMinOverlap = 8;

 private:
  const PartialAnswer& partial_;
  EventSink& downstream_;
  std::string pending_;        // leading continuation text held until the overlap check is decided
  bool overlap_decided_ = false;
};

}  // namespace switchyard::canonical
