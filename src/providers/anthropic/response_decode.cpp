// Message object -> canonical response. Text and tool_use blocks are kept; thinking, redacted
// thinking and server-tool blocks are dropped (no other dialect can show them). Anthropic counts
// cache tokens apart from input_tokens; canonical input_tokens includes them.
#include <algorithm>
#include <boost/json.hpp>

#include "providers/anthropic/codec_parts.h"
#include "providers/anthropic/wire_read.h"

namespace switchyard::providers::anthropic {

namespace json = boost::json;
using canonical::FinishReason;
using canonical::Part;
using canonical::PartType;

FinishReason finishForStopReason(std::string_view stop_reason) {
  if (stop_reason == "stop_sequence") return FinishReason::StopSequence;
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") return FinishReason::MaxTokens;
  if (stop_reason == "tool_use") return FinishReason::ToolUse;
  if (stop_reason == "refusal") return FinishReason::ContentFilter;
  // end_turn; pause_turn (a server tool loop paused: the turn ended for this client)
  return FinishReason::EndTurn;
}

// Token counts (and timestamps, indexes) as the provider wrote them, kept within +-2^53: a huge value
// (a provider bug, a hostile upstream) must not make sums of counts (input plus cache tokens,
// input plus output) overflow, which is undefined.
std::int64_t intMember(const json::object& object, std::string_view key) {
  constexpr std::int64_t kMaxCount = std::int64_t{1} << 53;
  const auto* value = object.if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_int64()) return std::clamp<std::int64_t>(value->get_int64(), -kMaxCount, kMaxCount);
  if (value->is_uint64()) return kMaxCount;  // above INT64_MAX
  return 0;
}

std::string_view stringMember(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return {value->get_string().data(), value->get_string().size()};
}

void readUsage(const json::object& usage, canonical::Usage& out, bool keep_absent) {
  const auto set = [&](std::string_view key, std::int64_t& field) {
    const auto* value = usage.if_contains(key);
    if (value == nullptr || value->is_null()) {
      if (!keep_absent) field = 0;
      return;
    }
    field = intMember(usage, key);
  };
  set("input_tokens", out.input_tokens);
  set("output_tokens", out.output_tokens);
  set("cache_read_input_tokens", out.cache_read_tokens);
  set("cache_creation_input_tokens", out.cache_write_tokens);
}

canonical::Usage toCanonical(canonical::Usage anthropic) {
  anthropic.input_tokens += anthropic.cache_read_tokens + anthropic.cache_write_tokens;
  return anthropic;
}

bool decodeMessage(std::string_view body, canonical::Arena& arena, canonical::ChatResponse& out,
                   std::string& why) {
  boost::system::error_code ec;
  const json::value* document = arena.parseJson(body, ec);
  if (document == nullptr) {
    why = "the answer is not JSON: " + ec.message();
    return false;
  }
  const auto* message = document->if_object();
  if (message == nullptr || stringMember(*message, "type") != "message") {
    why = "the answer is not a Messages API message object";
    return false;
  }
  const auto* content = message->if_contains("content");
  if (content == nullptr || !content->is_array()) {
    why = "the message has no content array";
    return false;
  }
  out.id = stringMember(*message, "id");
  out.model = stringMember(*message, "model");
  for (const auto& block_value : content->get_array()) {
    const auto* block = block_value.if_object();
    if (block == nullptr) continue;
    const auto type = stringMember(*block, "type");
    if (type == "text") {
      out.content.push_back(Part{.type = PartType::Text, .text = stringMember(*block, "text")});
    } else if (type == "tool_use") {
      Part call{.type = PartType::ToolCall, .id = stringMember(*block, "id"), .name = stringMember(*block, "name")};
      const auto* input = block->if_contains("input");
      call.arguments = input != nullptr && input->is_object() ? arena.copy(json::serialize(*input)) : "{}";
      out.content.push_back(call);
    }
  }
  out.finish = finishForStopReason(stringMember(*message, "stop_reason"));
  out.stop_sequence = stringMember(*message, "stop_sequence");
  if (const auto* usage = message->if_contains("usage"); usage != nullptr && usage->is_object()) {
    canonical::Usage anthropic;
    readUsage(usage->get_object(), anthropic, false);
    out.usage = toCanonical(anthropic);
  }
  return true;
}

}  // namespace switchyard::providers::anthropic
