// OpenAI's chat.completion.chunk server-sent events read into canonical stream events.
//
// Framing: events end at a blank line (\n or \r\n line ends); their `data:` lines are joined with
// \n; comment lines (": keep-alive") and other fields are ignored. `data: [DONE]` ends the stream,
// and only a stream in which a chunk carried a finish_reason ends well: a body that ends without
// [DONE], or a [DONE] before any finish_reason, was cut (Malformed).
// Usage is held back until [DONE] and emitted once, after Finish: OpenAI sends it in a last chunk
// with no choices, vLLM may send it in every chunk or beside the finish_reason.
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <vector>

#include "providers/openai/codec_wire.h"

namespace switchyard::providers::openai::wire {
namespace {

namespace json = boost::json;
using canonical::DecodeState;
using canonical::EventType;
using canonical::StreamEvent;

// An unterminated last event is kept this long for endOfBody (a trailing `data: [DONE]` without its
// blank line); anything longer that never ends is a broken stream anyway.
constexpr std::size_t kMaxUnterminatedTail = 4096;
// First block of each chunk's parse memory; typical chunks fit in it.
constexpr std::size_t kChunkParseBuffer = 4096;

std::string_view view(const json::string& text) { return {text.data(), text.size()}; }

std::string_view stringAt(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(json::string_view(key.data(), key.size()));
  return value != nullptr && value->is_string() ? view(value->get_string()) : std::string_view();
}

class ChunkDecoder final : public canonical::StreamDecoder {
 public:
  std::size_t decode(std::string_view buffered, canonical::EventSink& sink) override {
    if (state_ != DecodeState::More) return 0;
    const std::size_t consumed = decodeEvents(buffered, false, sink);
    const std::string_view rest = buffered.substr(consumed);
    if (rest.size() <= kMaxUnterminatedTail)
      tail_.assign(rest);
    else
      tail_.clear();
    return consumed;
  }

  void endOfBody(canonical::EventSink& sink) override {
    if (state_ != DecodeState::More) return;
    const std::string tail = std::move(tail_);
    decodeEvents(tail, true, sink);
    if (state_ == DecodeState::More) malformed("the stream ended without data: [DONE]");
  }

  DecodeState state() const override { return state_; }
  const canonical::Error& error() const override { return error_; }

 private:
  // Dispatches every complete event; returns the bytes they took. With `at_end`, the last lines
  // count as a complete event even without their blank line.
  std::size_t decodeEvents(std::string_view buffered, bool at_end, canonical::EventSink& sink) {
    std::size_t consumed = 0;
    std::size_t cursor = 0;
    data_lines_.clear();
    while (state_ == DecodeState::More) {
      const std::size_t line_end = buffered.find('\n', cursor);
      if (line_end == std::string_view::npos) {
        if (!at_end) break;
        if (cursor < buffered.size()) takeLine(buffered.substr(cursor));
        if (!data_lines_.empty()) dispatch(sink);
        break;
      }
      std::string_view line = buffered.substr(cursor, line_end - cursor);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      cursor = line_end + 1;
      if (!line.empty()) {
        takeLine(line);
        continue;
      }
      if (!data_lines_.empty()) dispatch(sink);
      consumed = cursor;
    }
    return state_ == DecodeState::More ? consumed : buffered.size();
  }

  void takeLine(std::string_view line) {
    if (!line.starts_with("data:")) return;  // comments, event:, id:, retry:
    line.remove_prefix(5);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    data_lines_.push_back(line);
  }

  void dispatch(canonical::EventSink& sink) {
    std::string joined;
    std::string_view data = data_lines_.front();
    if (data_lines_.size() > 1) {
      for (const auto line : data_lines_) {
        if (!joined.empty()) joined.push_back('\n');
        joined.append(line);
      }
      data = joined;
    }
    data_lines_.clear();
    if (data == "[DONE]") {
      done(sink);
      return;
    }
    std::array<unsigned char, kChunkParseBuffer> buffer;
    json::monotonic_resource memory(buffer.data(), buffer.size());
    boost::system::error_code ec;
    const json::value chunk = json::parse(json::string_view(data.data(), data.size()), ec, &memory);
    if (ec || !chunk.is_object()) {
      malformed(ec ? "a stream event is not JSON: " + ec.message()
                   : std::string("a stream event is not a JSON object"));
      return;
    }
    readChunk(chunk.get_object(), sink);
  }

  void readChunk(const json::object& chunk, canonical::EventSink& sink) {
    if (const auto* error = chunk.if_contains("error"); error != nullptr && error->is_object()) {
      fail(error->get_object());
      return;
    }
    if (stringAt(chunk, "object") == "error") {  // vLLM's flat error shape
      fail(chunk);
      return;
    }
    if (!started_) {
      started_ = true;
      StreamEvent start;
      start.type = EventType::Start;
      start.id = stringAt(chunk, "id");
      start.name = stringAt(chunk, "model");
      sink.onEvent(start);
    }
    if (const auto* choices = chunk.if_contains("choices"); choices != nullptr && choices->is_array()) {
      for (const auto& choice : choices->get_array()) {
        // Only the first choice is asked for (n is never above 1 on the translated path).
        if (const auto* object = choice.if_object(); object != nullptr && indexOf(*object, 0) == 0) {
          readChoice(*object, sink);
        }
      }
    }
    if (const auto* usage = chunk.if_contains("usage"); usage != nullptr && usage->is_object()) {
      usage_ = usageOf(usage->get_object());
      has_usage_ = true;
    }
  }

  void readChoice(const json::object& choice, canonical::EventSink& sink) {
    if (const auto* delta = choice.if_contains("delta"); delta != nullptr && delta->is_object()) {
      const auto& fields = delta->get_object();
      text(stringAt(fields, "content"), sink);
      if (const auto refusal = stringAt(fields, "refusal"); !refusal.empty()) {
        refused_ = true;
        text(refusal, sink);
      }
      if (const auto* calls = fields.if_contains("tool_calls"); calls != nullptr && calls->is_array()) {
        const auto& list = calls->get_array();
        for (std::size_t i = 0; i < list.size(); ++i) {
          if (const auto* call = list[i].if_object()) toolCall(*call, indexOf(*call, i), sink);
        }
      } else if (const auto* call = fields.if_contains("function_call"); call != nullptr && call->is_object()) {
        toolCall(call->get_object(), 0, sink, true);  // the legacy single call
      }
    }
    const auto reason = stringAt(choice, "finish_reason");
    if (reason.empty() || finished_) return;
    finished_ = true;
    StreamEvent finish;
    finish.type = EventType::Finish;
    finish.finish = refused_ ? canonical::FinishReason::ContentFilter : finishReasonOf(reason);
    // vLLM names the stop string that matched (a number when it was a token id).
    if (const auto stop = stringAt(choice, "stop_reason");
        !stop.empty() && finish.finish == canonical::FinishReason::EndTurn) {
      finish.finish = canonical::FinishReason::StopSequence;
      finish.stop_sequence = stop;
    }
    sink.onEvent(finish);
  }

  void text(std::string_view fragment, canonical::EventSink& sink) {
    if (fragment.empty()) return;
    StreamEvent event;
    event.type = EventType::TextDelta;
    event.text = fragment;
    sink.onEvent(event);
  }

  // `call` is a delta.tool_calls entry ({index, id, type, function{name, arguments}}) or, for the
  // legacy form, a delta.function_call ({name, arguments}).
  void toolCall(const json::object& call, std::int64_t openai_index, canonical::EventSink& sink, bool legacy = false) {
    const json::object* function = &call;
    if (!legacy) {
      const auto* inner = call.if_contains("function");
      function = inner != nullptr ? inner->if_object() : nullptr;
    }
    int index = -1;
    for (const auto& [seen, canonical_index] : calls_) {
      if (seen == openai_index) index = canonical_index;
    }
    if (index < 0) {
      // Calls are numbered from 0 in order of appearance, whatever indices the server uses.
      index = static_cast<int>(calls_.size());
      calls_.emplace_back(openai_index, index);
      StreamEvent start;
      start.type = EventType::ToolCallStart;
      start.index = index;
      start.id = stringAt(call, "id");
      start.name = function != nullptr ? stringAt(*function, "name") : std::string_view();
      sink.onEvent(start);
    }
    const auto arguments = function != nullptr ? stringAt(*function, "arguments") : std::string_view();
    if (arguments.empty()) return;
    StreamEvent delta;
    delta.type = EventType::ToolCallDelta;
    delta.index = index;
    delta.text = arguments;
    sink.onEvent(delta);
  }

  static std::int64_t indexOf(const json::object& object, std::size_t fallback) {
    const auto* index = object.if_contains("index");
    if (index != nullptr && index->is_int64()) return index->get_int64();
    if (index != nullptr && index->is_uint64()) return static_cast<std::int64_t>(index->get_uint64());
    return static_cast<std::int64_t>(fallback);
  }

  // [DONE] ends a whole answer only after a chunk carried its finish_reason: a server that lost
  // its generation midway (a worker crash behind a proxy that still closes the stream politely)
  // sends [DONE] all the same, and passing that off as a normal end would hand the client half an
  // answer as if it were whole.
  void done(canonical::EventSink& sink) {
    if (!finished_) {
      malformed("the stream ended without a finish_reason");
      return;
    }
    if (has_usage_) {
      StreamEvent usage;
      usage.type = EventType::Usage;
      usage.usage = usage_;
      sink.onEvent(usage);
    }
    state_ = DecodeState::Done;
  }

  void fail(const json::object& error) {
    const auto decoded = errorOf(0, error);
    message_ =
        decoded.message.empty() ? "The upstream provider failed during the stream." : std::string(decoded.message);
    param_ = decoded.param;
    code_ = decoded.code;
    error_ = decoded;
    error_.message = message_;
    error_.param = param_;
    error_.code = code_;
    state_ = DecodeState::Error;
  }

  void malformed(std::string why) {
    message_ = "The upstream stream is malformed: " + why + ".";
    error_ = {};
    error_.status = 502;
    error_.category = canonical::ErrorCategory::Server;
    error_.message = message_;
    state_ = DecodeState::Malformed;
  }

  DecodeState state_ = DecodeState::More;
  canonical::Error error_;
  std::string message_, param_, code_;  // what error_ views
  std::string tail_;                    // the unconsumed end of the last buffer, for endOfBody
  std::vector<std::string_view> data_lines_;
  std::vector<std::pair<std::int64_t, int>> calls_;  // OpenAI's tool call index -> canonical index
  bool started_ = false;
  bool finished_ = false;
  bool refused_ = false;
  bool has_usage_ = false;
  canonical::Usage usage_;
};

}  // namespace

std::unique_ptr<canonical::StreamDecoder> makeChunkDecoder() { return std::make_unique<ChunkDecoder>(); }

}  // namespace switchyard::providers::openai::wire
