// Anthropic's server-sent events -> canonical stream events:
//   message_start          -> Start {id, model, usage so far}
//   content_block_start    -> text: TextDelta when it carries text; tool_use: ToolCallStart
//                             (calls numbered from 0 in order)
//   content_block_delta    -> text_delta: TextDelta; input_json_delta: ToolCallDelta;
//                             thinking/signature/citation deltas ignored
//   message_delta          -> Finish (its cumulative usage remembered)
//   message_stop           -> Usage, then Done
//   ping, content_block_stop, unknown event types (the API may add some) -> nothing
//   error                  -> state Error with the category of error.type
// Frames end at a blank line; lines may end in "\n" or "\r\n".
#include <boost/json.hpp>

#include <optional>
#include <vector>

#include "base/utf8.h"
#include "canonical/json_writer.h"
#include "providers/anthropic/codec_parts.h"
#include "providers/anthropic/wire_read.h"

namespace switchyard::providers::anthropic {

namespace json = boost::json;
using canonical::DecodeState;
using canonical::EventSink;
using canonical::EventType;
using canonical::StreamEvent;

namespace {

constexpr std::size_t kParseBufferBytes = 8 * 1024;
// A content block index past this is ignored like a negative one: no message has that many blocks,
// and the index sizes block_calls_ (an upstream's "index": 1e12 would allocate terabytes).
constexpr std::int64_t kMaxBlockIndex = 4096;

// Most of a stream's events are text deltas, which Anthropic sends in one compact form:
//   {"type":"content_block_delta","index":N,"delta":{"type":"text_delta","text":"..."}}
// One in exactly that form, whose text holds no escape, no control character and valid UTF-8, is read
// in place: its text is the bytes between the quotes, as the parser would find it. Anything else
// (spaces, another key order, an escape, a leading zero) returns nothing and goes through the parser.
std::optional<std::string_view> plainTextDelta(std::string_view data) {
  constexpr std::string_view kHead = R"({"type":"content_block_delta","index":)";
  constexpr std::string_view kDelta = R"(,"delta":{"type":"text_delta","text":")";
  constexpr std::string_view kTail = R"("}})";
  if (!data.starts_with(kHead) || !data.ends_with(kTail)) return std::nullopt;
  std::size_t at = kHead.size();
  const std::size_t digits_at = at;
  while (at < data.size() && data[at] >= '0' && data[at] <= '9') ++at;
  const std::size_t digits = at - digits_at;
  if (digits == 0 || digits > 9 || (digits > 1 && data[digits_at] == '0')) return std::nullopt;
  if (data.substr(at, kDelta.size()) != kDelta) return std::nullopt;
  at += kDelta.size();
  if (data.size() < at + kTail.size()) return std::nullopt;
  const std::string_view text = data.substr(at, data.size() - kTail.size() - at);
  for (const char c : text) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return std::nullopt;
  }
  if (!base::isValidUtf8(text)) return std::nullopt;
  return text;
}

class MessagesStreamDecoder final : public canonical::StreamDecoder {
 public:
  std::size_t decode(std::string_view buffered, EventSink& sink) override {
    std::size_t consumed = 0;
    std::size_t cursor = 0;
    std::string_view name;
    std::string_view data;
    bool joined = false;  // data spans several lines and lives in data_lines_
    while (state_ == DecodeState::More) {
      const auto newline = buffered.find('\n', cursor);
      if (newline == std::string_view::npos) break;  // an incomplete frame stays for the next call
      std::string_view line = buffered.substr(cursor, newline - cursor);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      cursor = newline + 1;
      if (line.empty()) {
        if (!data.empty() || joined) dispatch(name, joined ? std::string_view(data_lines_) : data, sink);
        name = {};
        data = {};
        joined = false;
        consumed = cursor;
        continue;
      }
      if (line.front() == ':') continue;  // comment
      const auto colon = line.find(':');
      const std::string_view field = line.substr(0, colon);
      std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (field == "event") {
        name = value;
      } else if (field == "data") {
        if (data.empty() && !joined) {
          data = value;
        } else {
          if (!joined) data_lines_.assign(data);
          data_lines_.append("\n").append(value);
          joined = true;
        }
      }
    }
    return consumed;
  }

  void endOfBody(EventSink&) override {
    if (state_ != DecodeState::More) return;
    malformed("the stream ended before message_stop");
  }

  DecodeState state() const override { return state_; }
  const canonical::Error& error() const override { return error_; }

 private:
  void dispatch(std::string_view name, std::string_view data, EventSink& sink) {
    if (const auto text = plainTextDelta(data)) {
      if (!text->empty()) sink.onEvent(StreamEvent{.type = EventType::TextDelta, .text = *text});
      return;
    }
    unsigned char buffer[kParseBufferBytes];
    json::monotonic_resource memory(buffer, sizeof buffer);
    boost::system::error_code ec;
    const json::value value = json::parse(json::string_view(data.data(), data.size()), ec, &memory);
    if (ec || !value.is_object()) {
      malformed("an event's data is not a JSON object: " + canonical::validUtf8Prefix(data, 200));
      return;
    }
    const json::object& event = value.get_object();
    std::string_view type = stringMember(event, "type");
    if (type.empty()) type = name;
    if (type == "message_start") {
      messageStart(event, sink);
    } else if (type == "content_block_start") {
      blockStart(event, sink);
    } else if (type == "content_block_delta") {
      blockDelta(event, sink);
    } else if (type == "message_delta") {
      messageDelta(event, sink);
    } else if (type == "message_stop") {
      messageStop(sink);
    } else if (type == "error") {
      streamError(event);
    }
  }

  void messageStart(const json::object& event, EventSink& sink) {
    StreamEvent start{.type = EventType::Start};
    if (const auto* message = event.if_contains("message"); message != nullptr && message->is_object()) {
      const auto& object = message->get_object();
      start.id = stringMember(object, "id");
      start.name = stringMember(object, "model");
      if (const auto* usage = object.if_contains("usage"); usage != nullptr && usage->is_object()) {
        readUsage(usage->get_object(), usage_, false);
      }
    }
    start.usage = toCanonical(usage_);
    sink.onEvent(start);
  }

  void blockStart(const json::object& event, EventSink& sink) {
    const auto index = intMember(event, "index");
    const auto* block_value = event.if_contains("content_block");
    if (block_value == nullptr || !block_value->is_object() || index < 0 || index > kMaxBlockIndex) return;
    const auto& block = block_value->get_object();
    const auto type = stringMember(block, "type");
    if (type == "text") {
      const auto text = stringMember(block, "text");
      if (!text.empty()) sink.onEvent(StreamEvent{.type = EventType::TextDelta, .text = text});
    } else if (type == "tool_use") {
      if (block_calls_.size() <= static_cast<std::size_t>(index)) block_calls_.resize(index + 1, -1);
      const int call = next_call_++;
      block_calls_[index] = call;
      sink.onEvent(StreamEvent{.type = EventType::ToolCallStart,
                               .id = stringMember(block, "id"),
                               .name = stringMember(block, "name"),
                               .index = call});
      const auto* input = block.if_contains("input");
      if (input != nullptr && input->is_object() && !input->get_object().empty()) {
        const std::string arguments = json::serialize(*input);
        sink.onEvent(StreamEvent{.type = EventType::ToolCallDelta, .text = arguments, .index = call});
      }
    }
  }

  void blockDelta(const json::object& event, EventSink& sink) {
    const auto index = intMember(event, "index");
    const auto* delta_value = event.if_contains("delta");
    if (delta_value == nullptr || !delta_value->is_object()) return;
    const auto& delta = delta_value->get_object();
    const auto type = stringMember(delta, "type");
    if (type == "text_delta") {
      const auto text = stringMember(delta, "text");
      if (!text.empty()) sink.onEvent(StreamEvent{.type = EventType::TextDelta, .text = text});
    } else if (type == "input_json_delta") {
      const auto fragment = stringMember(delta, "partial_json");
      if (fragment.empty() || index < 0 || static_cast<std::size_t>(index) >= block_calls_.size() ||
          block_calls_[index] < 0) {
        return;
      }
      sink.onEvent(StreamEvent{.type = EventType::ToolCallDelta, .text = fragment, .index = block_calls_[index]});
    }
  }

  void messageDelta(const json::object& event, EventSink& sink) {
    if (const auto* usage = event.if_contains("usage"); usage != nullptr && usage->is_object()) {
      readUsage(usage->get_object(), usage_, true);
    }
    StreamEvent finish{.type = EventType::Finish};
    if (const auto* delta = event.if_contains("delta"); delta != nullptr && delta->is_object()) {
      finish.finish = finishForStopReason(stringMember(delta->get_object(), "stop_reason"));
      finish.stop_sequence = stringMember(delta->get_object(), "stop_sequence");
    }
    finished_ = true;
    sink.onEvent(finish);
  }

  void messageStop(EventSink& sink) {
    if (!finished_) sink.onEvent(StreamEvent{.type = EventType::Finish});
    sink.onEvent(StreamEvent{.type = EventType::Usage, .usage = toCanonical(usage_)});
    state_ = DecodeState::Done;
  }

  void streamError(const json::object& event) {
    std::string_view type;
    std::string_view message;
    if (const auto* error = event.if_contains("error"); error != nullptr && error->is_object()) {
      type = stringMember(error->get_object(), "type");
      message = stringMember(error->get_object(), "message");
    }
    canonical::ErrorCategory category = canonical::ErrorCategory::Server;
    if (!categoryForErrorType(type, message, category)) category = canonical::ErrorCategory::Server;
    error_message_.assign(message.empty() ? std::string_view("the upstream stream reported an error") : message);
    error_code_.assign(type);
    error_ = canonical::Error{statusForCategory(category), category, error_message_, {}, error_code_};
    state_ = DecodeState::Error;
  }

  void malformed(std::string message) {
    error_message_ = std::move(message);
    error_ = canonical::Error{502, canonical::ErrorCategory::Server, error_message_, {}, {}};
    state_ = DecodeState::Malformed;
  }

  DecodeState state_ = DecodeState::More;
  canonical::Error error_;
  std::string error_message_;
  std::string error_code_;
  std::string data_lines_;
  std::vector<int> block_calls_;  // content block index -> call number, -1 for other blocks
  int next_call_ = 0;
  bool finished_ = false;
  canonical::Usage usage_;  // Anthropic's meaning (cache apart) until emitted
};

}  // namespace

std::unique_ptr<canonical::StreamDecoder> makeMessagesStreamDecoder() {
  return std::make_unique<MessagesStreamDecoder>();
}

}  // namespace switchyard::providers::anthropic
