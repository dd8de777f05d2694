// A Converse answer: {"output":{"message":{"role","content":[...]}},"stopReason","usage",...}.
#include <algorithm>
#include <boost/json.hpp>

#include "providers/bedrock/converse.h"

namespace switchyard::providers::bedrock {
namespace {

namespace json = boost::json;
using canonical::FinishReason;

// Token counts (and timestamps, indexes) as the provider wrote them, kept within +-2^53: a huge value
// (a provider bug, a hostile upstream) must not make sums of counts (input plus cache tokens,
// input plus output) overflow, nor a double out of int64's range be converted: both are undefined.
std::int64_t intOf(const json::object& object, std::string_view key) {
  constexpr std::int64_t kMaxCount = std::int64_t{1} << 53;
  const auto* value = object.if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_int64()) return std::clamp<std::int64_t>(value->get_int64(), -kMaxCount, kMaxCount);
  if (value->is_uint64()) return kMaxCount;  // above INT64_MAX
  if (value->is_double()) {
    constexpr double kMax = static_cast<double>(kMaxCount);
    return static_cast<std::int64_t>(std::clamp(value->get_double(), -kMax, kMax));
  }
  return 0;
}

std::string_view stringOf(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string_view(value->get_string()) : std::string_view();
}

}  // namespace

FinishReason finishOfStopReason(std::string_view stop_reason) {
  if (stop_reason == "tool_use") return FinishReason::ToolUse;
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") {
    return FinishReason::MaxTokens;
  }
  if (stop_reason == "stop_sequence") return FinishReason::StopSequence;
  if (stop_reason == "guardrail_intervened" || stop_reason == "content_filtered") {
    return FinishReason::ContentFilter;
  }
  // end_turn, and malformed_model_output / malformed_tool_use, which have no canonical match.
  return FinishReason::EndTurn;
}

// Bedrock reports cache tokens apart from inputTokens; canonical input counts them in.
canonical::Usage usageOf(const json::object& usage) {
  canonical::Usage out;
  out.cache_read_tokens = intOf(usage, "cacheReadInputTokens");
  out.cache_write_tokens = intOf(usage, "cacheWriteInputTokens");
  out.input_tokens = intOf(usage, "inputTokens") + out.cache_read_tokens + out.cache_write_tokens;
  out.output_tokens = intOf(usage, "outputTokens");
  return out;
}

bool readConverseResponse(std::string_view body, std::string_view model, canonical::Arena& arena,
                          canonical::ChatResponse& out, std::string& why) {
  boost::system::error_code ec;
  const json::value* parsed = arena.parseJson(body, ec);
  if (parsed == nullptr || !parsed->is_object()) {
    why = "Bedrock answer is not a JSON object";
    return false;
  }
  const auto& root = parsed->get_object();
  const auto* output = root.if_contains("output");
  const json::value* message =
      output != nullptr && output->is_object() ? output->get_object().if_contains("message") : nullptr;
  if (message == nullptr || !message->is_object()) {
    why = "Bedrock answer has no output.message";
    return false;
  }
  const auto* content = message->get_object().if_contains("content");
  if (content == nullptr || !content->is_array()) {
    why = "Bedrock answer has no output.message.content array";
    return false;
  }
  for (const auto& block_value : content->get_array()) {
    if (!block_value.is_object()) continue;
    const auto& block = block_value.get_object();
    if (const auto* text = block.if_contains("text"); text != nullptr && text->is_string()) {
      canonical::Part part;
      part.type = canonical::PartType::Text;
      part.text = text->get_string();
      out.content.push_back(part);
    } else if (const auto* tool = block.if_contains("toolUse"); tool != nullptr && tool->is_object()) {
      const auto& use = tool->get_object();
      canonical::Part part;
      part.type = canonical::PartType::ToolCall;
      part.id = stringOf(use, "toolUseId");
      part.name = stringOf(use, "name");
      const auto* input = use.if_contains("input");
      part.arguments = input != nullptr ? arena.copy(json::serialize(*input)) : std::string_view("{}");
      out.content.push_back(part);
    }
    // reasoningContent, citations, guardContent...: nothing canonical carries them.
  }
  out.model = arena.copy(model);
  out.finish = finishOfStopReason(stringOf(root, "stopReason"));
  if (const auto* usage = root.if_contains("usage"); usage != nullptr && usage->is_object()) {
    out.usage = usageOf(usage->get_object());
  }
  return true;
}

}  // namespace switchyard::providers::bedrock
