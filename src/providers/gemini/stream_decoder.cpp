#include "providers/gemini/stream_decoder.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "providers/gemini/error.h"
#include "providers/gemini/response.h"

namespace switchyard::providers::gemini {
namespace {

namespace json = boost::json;
using canonical::DecodeState;
using canonical::EventType;
using canonical::StreamEvent;

constexpr std::size_t kEventScratchBytes = 4096;
constexpr std::size_t kErrorArenaBytes = 1024;

std::string_view stringAt(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return {value->get_string().data(), value->get_string().size()};
}

// The end of the first complete SSE event in `bytes` (separator included), or npos. Google
// separates events with CRLF CRLF; plain LF LF is accepted too.
std::pair<std::size_t, std::size_t> nextEvent(std::string_view bytes) {
  const auto crlf = bytes.find("\r\n\r\n");
  const auto lf = bytes.find("\n\n");
  if (crlf == std::string_view::npos && lf == std::string_view::npos) return {std::string_view::npos, 0};
  if (lf == std::string_view::npos || (crlf != std::string_view::npos && crlf < lf)) return {crlf, 4};
  return {lf, 2};
}

// The data of one event: its data: lines joined by "\n" (other fields and comments ignored).
std::string dataOf(std::string_view event) {
  std::string data;
  bool first = true;
  while (!event.empty()) {
    const auto end = event.find('\n');
    std::string_view line = event.substr(0, end);
    event = end == std::string_view::npos ? std::string_view() : event.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.starts_with("data:")) continue;
    line.remove_prefix(5);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (!first) data.push_back('\n');
    data.append(line);
    first = false;
  }
  return data;
}

class GeminiStreamDecoder final : public canonical::StreamDecoder {
 public:
  std::size_t decode(std::string_view buffered, canonical::EventSink& sink) override {
    std::size_t consumed = 0;
    while (state_ == DecodeState::More) {
      const auto [end, separator] = nextEvent(buffered.substr(consumed));
      if (end == std::string_view::npos) break;
      const std::string data = dataOf(buffered.substr(consumed, end));
      consumed += end + separator;
      if (!data.empty()) onData(data, sink);
    }
    return consumed;
  }

  void endOfBody(canonical::EventSink& sink) override {
    if (state_ != DecodeState::More) return;
    if (!started_) {
      fail(DecodeState::Malformed, "Gemini stream ended before its first event");
      return;
    }
    // The body is Gemini's only end marker, and a connection cut between events ends it just as
    // cleanly: only a finish reason (or a blocked prompt, which gets no candidates) says the
    // answer is whole.
    if (!finish_seen_ && !blocked_) {
      fail(DecodeState::Malformed, "Gemini stream ended without finishReason");
      return;
    }
    StreamEvent finish;
    finish.type = EventType::Finish;
    finish.finish = finishReasonOf(finish_reason_, calls_ > 0);
    if (blocked_) finish.finish = canonical::FinishReason::ContentFilter;
    sink.onEvent(finish);
    if (usage_) {
      StreamEvent usage;
      usage.type = EventType::Usage;
      usage.usage = *usage_;
      sink.onEvent(usage);
    }
    state_ = DecodeState::Done;
  }

  DecodeState state() const override { return state_; }
  const canonical::Error& error() const override { return error_; }

 private:
  void onData(std::string_view data, canonical::EventSink& sink) {
    unsigned char scratch[kEventScratchBytes];
    json::monotonic_resource memory(scratch, sizeof scratch);
    json::error_code ec;
    const json::value parsed = json::parse(json::string_view(data.data(), data.size()), ec, &memory);
    const auto* root = ec ? nullptr : parsed.if_object();
    if (root == nullptr) {
      fail(DecodeState::Malformed, "Gemini stream event is not a JSON object");
      return;
    }
    if (root->contains("error")) {
      error_ = decodeGeminiError(500, data, error_arena_);
      state_ = DecodeState::Error;
      return;
    }
    if (!started_) {
      started_ = true;
      response_id_ = stringAt(*root, "responseId");
      StreamEvent start;
      start.type = EventType::Start;
      start.id = response_id_;
      start.name = stringAt(*root, "modelVersion");
      sink.onEvent(start);
    }
    if (const auto* usage = root->if_contains("usageMetadata"); usage && usage->is_object()) {
      usage_ = usageOf(usage->get_object());
    }
    if (const auto* feedback = root->if_contains("promptFeedback"); feedback && feedback->is_object()) {
      if (!stringAt(feedback->get_object(), "blockReason").empty()) blocked_ = true;
    }
    const auto* candidates = root->if_contains("candidates");
    if (candidates == nullptr || !candidates->is_array() || candidates->get_array().empty()) return;
    for (const auto& other : candidates->get_array()) {
      if (const auto* object = other.if_object(); object != nullptr && !stringAt(*object, "finishReason").empty()) {
        finish_seen_ = true;
      }
    }
    const auto* candidate = candidates->get_array().front().if_object();
    if (candidate == nullptr) return;
    if (const auto reason = stringAt(*candidate, "finishReason"); !reason.empty()) finish_reason_ = reason;
    const auto* content = candidate->if_contains("content");
    const auto* parts =
        content != nullptr && content->is_object() ? content->get_object().if_contains("parts") : nullptr;
    if (parts == nullptr || !parts->is_array()) return;
    for (const auto& item : parts->get_array()) {
      if (const auto* part = item.if_object()) onPart(*part, sink);
    }
  }

  void onPart(const json::object& part, canonical::EventSink& sink) {
    if (const auto* thought = part.if_contains("thought");
        thought && thought->is_bool() && thought->get_bool()) {
      return;  // the model's reasoning summary is not part of the answer
    }
    if (const auto* call = part.if_contains("functionCall"); call && call->is_object()) {
      // Gemini sends each call whole: one start and one delta carrying all of its arguments.
      const auto& function = call->get_object();
      std::string id(stringAt(function, "id"));
      if (id.empty()) id = generatedCallId(response_id_, calls_);
      StreamEvent start;
      start.type = EventType::ToolCallStart;
      start.index = calls_;
      start.id = id;
      start.name = stringAt(function, "name");
      sink.onEvent(start);
      const auto* args = function.if_contains("args");
      const std::string arguments = args != nullptr && args->is_object() ? json::serialize(*args) : "{}";
      StreamEvent delta;
      delta.type = EventType::ToolCallDelta;
      delta.index = calls_;
      delta.text = arguments;
      sink.onEvent(delta);
      ++calls_;
      return;
    }
    if (const auto text = stringAt(part, "text"); !text.empty()) {
      StreamEvent delta;
      delta.type = EventType::TextDelta;
      delta.text = text;
      sink.onEvent(delta);
    }
  }

  void fail(DecodeState state, std::string_view message) {
    state_ = state;
    error_ = canonical::Error{};
    error_.status = 502;
    error_.category = canonical::ErrorCategory::Server;
    error_.message = error_arena_.copy(message);
  }

  DecodeState state_ = DecodeState::More;
  bool started_ = false;
  bool blocked_ = false;
  bool finish_seen_ = false;  // some candidate sent a finishReason: the answer is complete
  int calls_ = 0;
  std::string response_id_;
  std::string finish_reason_;
  std::optional<canonical::Usage> usage_;
  canonical::Arena error_arena_{kErrorArenaBytes};
  canonical::Error error_;
};

}  // namespace

std::unique_ptr<canonical::StreamDecoder> makeStreamDecoder() {
  return std::make_unique<GeminiStreamDecoder>();
}

}  // namespace switchyard::providers::gemini
