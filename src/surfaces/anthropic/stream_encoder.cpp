// Canonical stream events -> Anthropic's server-sent events, in the order the API sends them:
//   message_start, content_block_start, ping (once, after the first block starts),
//   content_block_delta..., content_block_stop, [more blocks], message_delta, message_stop.
// A block is open while events of one kind keep coming: text deltas share a text block; each tool
// call is its own tool_use block. message_delta carries both the stop reason and the usage, so a
// Finish is held until the Usage event (or finish()) arrives.
#include <optional>
#include <vector>

#include "canonical/json_writer.h"
#include "surfaces/anthropic/messages.h"
#include "surfaces/anthropic/usage_writer.h"
#include "surfaces/anthropic/wire.h"

namespace switchyard::surfaces::anthropic {

using canonical::appendInt;
using canonical::appendQuoted;
using canonical::EventType;
using canonical::StreamEvent;

namespace {

void beginEvent(std::string_view name, std::string& out) {
  out.append("event: ").append(name).append("\ndata: ");
}

void endEvent(std::string& out) { out.append("\n\n"); }

class MessagesStreamEncoder final : public canonical::StreamEncoder {
 public:
  void encode(const StreamEvent& event, std::string& out) override {
    switch (event.type) {
      case EventType::Start: start(event, out); break;
      case EventType::TextDelta: text(event.text, out); break;
      case EventType::ToolCallStart: toolCallStart(event, out); break;
      case EventType::ToolCallDelta: toolCallDelta(event, out); break;
      case EventType::Finish:
        closeBlock(out);
        finish_ = event.finish;
        stop_sequence_.assign(event.stop_sequence);
        if (usage_seen_) messageDelta(out);
        break;
      case EventType::Usage:
        usage_ = event.usage;
        usage_seen_ = true;
        if (finish_) messageDelta(out);
        break;
    }
  }

  void finish(std::string& out) override {
    if (ended_) return;
    ensureStarted(out);
    closeBlock(out);
    messageDelta(out);
    beginEvent("message_stop", out);
    out.append(R"({"type":"message_stop"})");
    endEvent(out);
    ended_ = true;
  }

  void fail(const canonical::Error& error, std::string& out) override {
    if (ended_) return;
    beginEvent("error", out);
    out.append(R"({"type":"error","error":{"type":")");
    out.append(errorTypeName(error));
    out.append(R"(","message":)");
    appendQuoted(out, error.message);
    out.append("}");
    if (!error.request_id.empty()) {
      out.append(R"(,"request_id":)");
      appendQuoted(out, error.request_id);
    }
    out.append("}");
    endEvent(out);
    ended_ = true;
  }

 private:
  enum class Block { None, Text, ToolUse };

  void start(const StreamEvent& event, std::string& out) {
    if (started_) return;
    started_ = true;
    // Upstreams that report usage up front (Anthropic, via its decoder) put it on Start; the
    // others give zeros here and the real counts in message_delta.
    usage_ = event.usage;
    beginEvent("message_start", out);
    out.append(R"({"type":"message_start","message":{"id":)");
    appendQuoted(out, event.id.starts_with("msg_") ? event.id : std::string_view(newId("msg_")));
    out.append(R"(,"type":"message","role":"assistant","model":)");
    appendQuoted(out, event.name);
    out.append(R"(,"content":[],"stop_reason":null,"stop_sequence":null,"usage":)");
    appendMessageUsage(event.usage, out);
    out.append("}}");
    endEvent(out);
  }

  void ensureStarted(std::string& out) {
    if (!started_) start(StreamEvent{.type = EventType::Start}, out);
  }

  void text(std::string_view piece, std::string& out) {
    if (piece.empty()) return;  // OpenAI's first chunk carries content ""
    ensureStarted(out);
    if (open_ != Block::Text) {
      closeBlock(out);
      openBlock(Block::Text, R"({"type":"text","text":""})", out);
    }
    beginDelta(index_, out);
    out.append(R"({"type":"text_delta","text":)");
    appendQuoted(out, piece);
    out.append("}}");
    endEvent(out);
  }

  void toolCallStart(const StreamEvent& event, std::string& out) {
    ensureStarted(out);
    closeBlock(out);
    std::string block = R"({"type":"tool_use","id":)";
    appendQuoted(block, event.id.empty() ? std::string_view(newId("toolu_")) : event.id);
    block.append(R"(,"name":)");
    appendQuoted(block, event.name);
    block.append(R"(,"input":{}})");
    openBlock(Block::ToolUse, block, out);
    if (event.index >= 0) {
      if (call_blocks_.size() <= static_cast<std::size_t>(event.index)) call_blocks_.resize(event.index + 1, -1);
      call_blocks_[event.index] = index_;
    }
    // The API opens every tool input with an empty fragment.
    inputDelta(index_, "", out);
  }

  void toolCallDelta(const StreamEvent& event, std::string& out) {
    if (event.text.empty() || event.index < 0 ||
        static_cast<std::size_t>(event.index) >= call_blocks_.size() || call_blocks_[event.index] < 0) {
      return;  // a fragment of a call that never started cannot be placed in any block
    }
    // A fragment for an earlier call (interleaved parallel calls) goes to that call's block index;
    // the SDK accumulates deltas by index.
    inputDelta(call_blocks_[event.index], event.text, out);
  }

  void inputDelta(int block, std::string_view fragment, std::string& out) {
    beginDelta(block, out);
    out.append(R"({"type":"input_json_delta","partial_json":)");
    appendQuoted(out, fragment);
    out.append("}}");
    endEvent(out);
  }

  void beginDelta(int block, std::string& out) {
    beginEvent("content_block_delta", out);
    out.append(R"({"type":"content_block_delta","index":)");
    appendInt(out, block);
    out.append(R"(,"delta":)");
  }

  void openBlock(Block kind, std::string_view content_block, std::string& out) {
    index_ = next_index_++;
    open_ = kind;
    beginEvent("content_block_start", out);
    out.append(R"({"type":"content_block_start","index":)");
    appendInt(out, index_);
    out.append(R"(,"content_block":)");
    out.append(content_block);
    out.push_back('}');
    endEvent(out);
    ping(out);
  }

  void ping(std::string& out) {
    if (pinged_) return;
    pinged_ = true;
    beginEvent("ping", out);
    out.append(R"({"type":"ping"})");
    endEvent(out);
  }

  void closeBlock(std::string& out) {
    if (open_ == Block::None) return;
    beginEvent("content_block_stop", out);
    out.append(R"({"type":"content_block_stop","index":)");
    appendInt(out, index_);
    out.push_back('}');
    endEvent(out);
    open_ = Block::None;
  }

  void messageDelta(std::string& out) {
    if (delta_written_) return;
    delta_written_ = true;
    ping(out);  // an answer with no content block still gets its ping
    const auto finish = finish_.value_or(canonical::FinishReason::EndTurn);
    beginEvent("message_delta", out);
    out.append(R"({"type":"message_delta","delta":{"stop_reason":")");
    out.append(stopReasonName(finish));
    out.append(R"(","stop_sequence":)");
    if (finish == canonical::FinishReason::StopSequence && !stop_sequence_.empty()) {
      appendQuoted(out, stop_sequence_);
    } else {
      out.append("null");
    }
    out.append(R"(},"usage":)");
    appendDeltaUsage(usage_, out);
    out.push_back('}');
    endEvent(out);
  }

  bool started_ = false;
  bool pinged_ = false;
  bool usage_seen_ = false;
  bool delta_written_ = false;
  bool ended_ = false;
  Block open_ = Block::None;
  int index_ = -1;
  int next_index_ = 0;
  std::vector<int> call_blocks_;  // canonical call index -> content block index
  std::optional<canonical::FinishReason> finish_;
  std::string stop_sequence_;  // copied: event views die with the event
  canonical::Usage usage_;
};

}  // namespace

std::unique_ptr<canonical::StreamEncoder> makeStreamEncoder() {
  return std::make_unique<MessagesStreamEncoder>();
}

}  // namespace switchyard::surfaces::anthropic
