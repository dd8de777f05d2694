#include "providers/gemini/response.h"

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace switchyard::providers::gemini {
namespace {

namespace json = boost::json;

std::string_view stringAt(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  const auto& text = value->get_string();
  return {text.data(), text.size()};
}

// Token counts (and timestamps, indexes) as the provider wrote them, kept within +-2^53: a huge value
// (a provider bug, a hostile upstream) must not make sums of counts (input plus cache tokens,
// input plus output) overflow, which is undefined.
std::int64_t intAt(const json::object& object, std::string_view key) {
  constexpr std::int64_t kMaxCount = std::int64_t{1} << 53;
  const auto* value = object.if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_int64()) return std::clamp<std::int64_t>(value->get_int64(), -kMaxCount, kMaxCount);
  if (value->is_uint64()) return kMaxCount;  // above INT64_MAX
  return 0;
}

// Reads candidates[0].content.parts into `out.content`. Thought parts (the model's reasoning
// summary) are not part of the answer and are dropped.
void readParts(const json::object& candidate, std::string_view response_id, canonical::Arena& arena,
               canonical::ChatResponse& out, int& calls) {
  const auto* content = candidate.if_contains("content");
  if (content == nullptr || !content->is_object()) return;
  const auto* parts = content->get_object().if_contains("parts");
  if (parts == nullptr || !parts->is_array()) return;
  for (const auto& item : parts->get_array()) {
    const auto* part = item.if_object();
    if (part == nullptr) continue;
    if (const auto* thought = part->if_contains("thought");
        thought && thought->is_bool() && thought->get_bool()) {
      continue;
    }
    if (const auto* call = part->if_contains("functionCall"); call && call->is_object()) {
      const auto& function = call->get_object();
      canonical::Part tool_call;
      tool_call.type = canonical::PartType::ToolCall;
      tool_call.name = stringAt(function, "name");
      tool_call.id = stringAt(function, "id");
      if (tool_call.id.empty()) tool_call.id = arena.copy(generatedCallId(response_id, calls));
      const auto* args = function.if_contains("args");
      tool_call.arguments = args != nullptr && args->is_object() ? arena.copy(json::serialize(*args)) : "{}";
      out.content.push_back(tool_call);
      ++calls;
      continue;
    }
    if (const auto text = stringAt(*part, "text"); !text.empty()) {
      canonical::Part text_part;
      text_part.text = text;
      out.content.push_back(text_part);
    }
  }
}

}  // namespace

canonical::FinishReason finishReasonOf(std::string_view reason, bool called_functions) {
  static constexpr std::array<std::string_view, 9> kFiltered = {"SAFETY",
                                                                "RECITATION",
                                                                "BLOCKLIST",
                                                                "PROHIBITED_CONTENT",
                                                                "SPII",
                                                                "IMAGE_SAFETY",
                                                                "IMAGE_PROHIBITED_CONTENT",
                                                                "IMAGE_RECITATION",
                                                                "LANGUAGE"};
  if (reason == "MAX_TOKENS") return canonical::FinishReason::MaxTokens;
  for (const auto filtered : kFiltered) {
    if (reason == filtered) return canonical::FinishReason::ContentFilter;
  }
  return called_functions ? canonical::FinishReason::ToolUse : canonical::FinishReason::EndTurn;
}

canonical::Usage usageOf(const json::object& usage_metadata) {
  canonical::Usage usage;
  usage.input_tokens =
      intAt(usage_metadata, "promptTokenCount") + intAt(usage_metadata, "toolUsePromptTokenCount");
  usage.reasoning_tokens = intAt(usage_metadata, "thoughtsTokenCount");
  usage.output_tokens = intAt(usage_metadata, "candidatesTokenCount") + usage.reasoning_tokens;
  usage.cache_read_tokens = intAt(usage_metadata, "cachedContentTokenCount");
  return usage;
}

std::string generatedCallId(std::string_view response_id, int index) {
  std::string id = "call_";
  id.append(response_id);
  if (!response_id.empty()) id.push_back('_');
  id.append(std::to_string(index));
  return id;
}

bool decodeGenerateContent(std::string_view body, canonical::Arena& arena, canonical::ChatResponse& out,
                           std::string& why) {
  boost::system::error_code ec;
  const auto* parsed = arena.parseJson(body, ec);
  if (parsed == nullptr) {
    why = "Gemini answer is not JSON: " + ec.message();
    return false;
  }
  const auto* root = parsed->if_object();
  if (root == nullptr) {
    why = "Gemini answer is not a JSON object";
    return false;
  }
  out.id = stringAt(*root, "responseId");
  out.model = stringAt(*root, "modelVersion");
  if (const auto* usage = root->if_contains("usageMetadata"); usage && usage->is_object()) {
    out.usage = usageOf(usage->get_object());
  }
  const auto* candidates = root->if_contains("candidates");
  const json::object* candidate = nullptr;
  if (candidates != nullptr && candidates->is_array() && !candidates->get_array().empty()) {
    candidate = candidates->get_array().front().if_object();
  }
  if (candidate == nullptr) {
    // No candidate: the prompt itself was blocked (promptFeedback.blockReason), or nothing came back.
    const auto* feedback = root->if_contains("promptFeedback");
    const bool blocked = feedback != nullptr && feedback->is_object() &&
                         !stringAt(feedback->get_object(), "blockReason").empty();
    if (!blocked && candidates == nullptr && !root->contains("usageMetadata")) {
      why = "Gemini answer has neither candidates nor promptFeedback";
      return false;
    }
    out.finish = blocked ? canonical::FinishReason::ContentFilter : canonical::FinishReason::EndTurn;
    return true;
  }
  int calls = 0;
  readParts(*candidate, out.id, arena, out, calls);
  out.finish = finishReasonOf(stringAt(*candidate, "finishReason"), calls > 0);
  return true;
}

}  // namespace switchyard::providers::gemini
