// ConverseStream: AWS event-stream messages whose ":event-type" header names the event and whose
// payload is its JSON (padded with a "p" field of random length, ignored here like any unknown
// field). Text blocks start with their first delta; tool blocks with contentBlockStart.
#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "canonical/json_writer.h"
#include "providers/bedrock/converse.h"
#include "providers/bedrock/event_stream.h"

namespace switchyard::providers::bedrock {
namespace {

namespace json = boost::json;
using canonical::DecodeState;
using canonical::EventSink;
using canonical::EventType;
using canonical::StreamEvent;

// Event payloads are small; most parse without touching the heap.
constexpr std::size_t kParseBuffer = 4096;
// How much of an exception's non-JSON payload or of a header value an error message quotes.
constexpr std::size_t kMaxQuoted = 512;

std::int64_t blockIndexOf(const json::object& event) {
  const auto* index = event.if_contains("contentBlockIndex");
  if (index == nullptr) return 0;
  if (index->is_int64()) return index->get_int64();
  if (index->is_uint64()) return static_cast<std::int64_t>(index->get_uint64());
  return 0;
}

const json::object* objectAt(const json::object& parent, std::string_view key) {
  const auto* value = parent.if_contains(key);
  return value != nullptr && value->is_object() ? &value->get_object() : nullptr;
}

std::string_view stringAt(const json::object& parent, std::string_view key) {
  const auto* value = parent.if_contains(key);
  return value != nullptr && value->is_string() ? std::string_view(value->get_string()) : std::string_view();
}

class ConverseStreamDecoder final : public canonical::StreamDecoder {
 public:
  explicit ConverseStreamDecoder(std::string model) : model_(std::move(model)) {}

  std::size_t decode(std::string_view buffered, EventSink& sink) override {
    std::size_t consumed = 0;
    while (state_ == DecodeState::More) {
      const FrameRead frame = readFrame(buffered.substr(consumed));
      if (frame.status == FrameStatus::Incomplete) break;
      if (frame.status == FrameStatus::Malformed) {
        fail(DecodeState::Malformed, frame.why);
        break;
      }
      consumed += frame.size;
      onMessage(frame.message, sink);
    }
    return consumed;
  }

  void endOfBody(EventSink&) override {
    if (state_ != DecodeState::More) return;
    // Usage (metadata) is optional; the answer itself ends with messageStop.
    if (stopped_) {
      state_ = DecodeState::Done;
    } else {
      fail(DecodeState::Malformed, "Bedrock stream ended before messageStop");
    }
  }

  DecodeState state() const override { return state_; }
  const canonical::Error& error() const override { return error_; }

 private:
  void onMessage(const EventStreamMessage& message, EventSink& sink) {
    if (message.message_type == "exception") {
      error_text_ = exceptionMessage(message.payload);
      if (error_text_.empty()) error_text_ = canonical::validUtf8Prefix(message.exception_type, kMaxQuoted);
      error_ = errorOfException(message.exception_type, error_text_);
      state_ = DecodeState::Error;
      return;
    }
    if (message.message_type == "error") {  // the event-stream protocol's own error
      error_text_ = canonical::validUtf8Prefix(message.error_code, kMaxQuoted) + ": " +
                    canonical::validUtf8Prefix(message.error_message, kMaxQuoted);
      error_ = errorOfException(message.error_code, error_text_);
      state_ = DecodeState::Error;
      return;
    }
    if (message.message_type != "event") return;
    unsigned char buffer[kParseBuffer];
    json::monotonic_resource memory(buffer, sizeof buffer);
    boost::system::error_code ec;
    const json::value payload =
        json::parse(json::string_view(message.payload.data(), message.payload.size()), ec, &memory);
    if (ec || !payload.is_object()) {
      fail(DecodeState::Malformed, "Bedrock stream event payload is not a JSON object");
      return;
    }
    onEvent(message.event_type, payload.get_object(), sink);
  }

  void onEvent(std::string_view type, const json::object& event, EventSink& sink) {
    if (type == "messageStart") {
      ensureStarted(sink);
    } else if (type == "contentBlockStart") {
      ensureStarted(sink);
      const auto* start = objectAt(event, "start");
      const auto* tool = start != nullptr ? objectAt(*start, "toolUse") : nullptr;
      if (tool == nullptr) return;
      StreamEvent out;
      out.type = EventType::ToolCallStart;
      out.id = stringAt(*tool, "toolUseId");
      out.name = stringAt(*tool, "name");
      out.index = next_call_++;
      tool_blocks_.emplace_back(blockIndexOf(event), out.index);
      sink.onEvent(out);
    } else if (type == "contentBlockDelta") {
      ensureStarted(sink);
      onDelta(event, sink);
    } else if (type == "messageStop") {
      ensureStarted(sink);
      StreamEvent out;
      out.type = EventType::Finish;
      out.finish = finishOfStopReason(stringAt(event, "stopReason"));
      stopped_ = true;
      sink.onEvent(out);
    } else if (type == "metadata") {
      if (!stopped_) {
        fail(DecodeState::Malformed, "Bedrock stream sent metadata before messageStop");
        return;
      }
      if (const auto* usage = objectAt(event, "usage")) {
        StreamEvent out;
        out.type = EventType::Usage;
        out.usage = usageOf(*usage);
        sink.onEvent(out);
      }
      state_ = DecodeState::Done;
    }
    // contentBlockStop, and event types added later: nothing to say.
  }

  void onDelta(const json::object& event, EventSink& sink) {
    const auto* delta = objectAt(event, "delta");
    if (delta == nullptr) return;
    if (const auto* text = delta->if_contains("text"); text != nullptr && text->is_string()) {
      if (text->get_string().empty()) return;
      StreamEvent out;
      out.type = EventType::TextDelta;
      out.text = text->get_string();
      sink.onEvent(out);
      return;
    }
    if (const auto* tool = objectAt(*delta, "toolUse")) {
      const std::int64_t block = blockIndexOf(event);
      for (const auto& [tool_block, call] : tool_blocks_) {
        if (tool_block != block) continue;
        StreamEvent out;
        out.type = EventType::ToolCallDelta;
        out.text = stringAt(*tool, "input");
        out.index = call;
        if (!out.text.empty()) sink.onEvent(out);
        return;
      }
      fail(DecodeState::Malformed, "Bedrock stream sent a toolUse delta for a block it did not start");
    }
    // reasoningContent, citation...: not carried.
  }

  void ensureStarted(EventSink& sink) {
    if (started_) return;
    started_ = true;
    StreamEvent out;
    out.type = EventType::Start;
    out.name = model_;
    sink.onEvent(out);
  }

  // The exception's {"message": ...}, or the payload itself when it is not that.
  static std::string exceptionMessage(std::string_view payload) {
    unsigned char buffer[kParseBuffer];
    json::monotonic_resource memory(buffer, sizeof buffer);
    boost::system::error_code ec;
    const json::value parsed = json::parse(json::string_view(payload.data(), payload.size()), ec, &memory);
    if (ec || !parsed.is_object()) return canonical::validUtf8Prefix(payload, kMaxQuoted);
    for (const std::string_view key : {"message", "Message"}) {
      const std::string_view text = stringAt(parsed.get_object(), key);
      if (!text.empty()) return std::string(text);
    }
    return canonical::validUtf8Prefix(payload, kMaxQuoted);
  }

  void fail(DecodeState state, std::string_view why) {
    state_ = state;
    error_text_.assign(why);
    error_ = canonical::Error{};
    error_.status = 502;
    error_.category = canonical::ErrorCategory::Server;
    error_.message = error_text_;
  }

  std::string model_;
  DecodeState state_ = DecodeState::More;
  canonical::Error error_;
  std::string error_text_;  // what error_.message views
  bool started_ = false;
  bool stopped_ = false;
  int next_call_ = 0;
  std::vector<std::pair<std::int64_t, int>> tool_blocks_;  // contentBlockIndex -> call index
};

}  // namespace

std::unique_ptr<canonical::StreamDecoder> makeConverseStreamDecoder(std::string model) {
  return std::make_unique<ConverseStreamDecoder>(std::move(model));
}

}  // namespace switchyard::providers::bedrock
