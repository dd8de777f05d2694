// OpenAI-shaped answers and errors read into canonical form. Tolerant by design: OpenAI-compatible
// servers (vLLM, llama.cpp, Ollama) omit fields OpenAI always sends (id, created, usage details)
// and shape errors their own way.
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "canonical/context_limit.h"
#include "canonical/json_writer.h"
#include "providers/openai/codec_wire.h"

namespace switchyard::providers::openai::wire {
namespace {

namespace json = boost::json;
using canonical::ErrorCategory;

constexpr std::size_t kMaxPlainErrorBytes = 512;

std::string_view view(const json::string& text) { return {text.data(), text.size()}; }

std::string_view stringAt(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(json::string_view(key.data(), key.size()));
  return value != nullptr && value->is_string() ? view(value->get_string()) : std::string_view();
}

// Token counts (and timestamps, indexes) as the provider wrote them, kept within +-2^53: a huge value
// (a provider bug, a hostile upstream) must not make sums of counts (input plus cache tokens,
// input plus output) overflow, nor a double out of int64's range be converted: both are undefined.
std::int64_t intAt(const json::object& object, std::string_view key) {
  constexpr std::int64_t kMaxCount = std::int64_t{1} << 53;
  const auto* value = object.if_contains(json::string_view(key.data(), key.size()));
  if (value == nullptr) return 0;
  if (value->is_int64()) return std::clamp<std::int64_t>(value->get_int64(), -kMaxCount, kMaxCount);
  if (value->is_uint64()) return kMaxCount;  // above INT64_MAX
  if (value->is_double()) {
    constexpr double kMax = static_cast<double>(kMaxCount);
    return static_cast<std::int64_t>(std::clamp(value->get_double(), -kMax, kMax));
  }
  return 0;
}

const json::object* objectAt(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(json::string_view(key.data(), key.size()));
  return value != nullptr ? value->if_object() : nullptr;
}

ErrorCategory categoryForType(std::string_view type) {
  if (type == "invalid_request_error") return ErrorCategory::InvalidRequest;
  if (type == "authentication_error") return ErrorCategory::Authentication;
  if (type == "permission_error") return ErrorCategory::PermissionDenied;
  if (type == "not_found_error") return ErrorCategory::NotFound;
  if (type == "rate_limit_error" || type == "requests" || type == "tokens") return ErrorCategory::RateLimited;
  if (type == "overloaded_error") return ErrorCategory::Overloaded;
  return ErrorCategory::Server;
}

ErrorCategory categoryOf(int status, std::string_view code, std::string_view type, std::string_view message) {
  const bool client_side = status == 0 || status < 500;
  // OpenAI says it in `code`, llama.cpp in `type`; vLLM, Mistral, DeepSeek, Ollama and the rest
  // only in the message ("This model's maximum context length is...", "... too large for model
  // with 32768 maximum context length", "the request exceeds the available context size").
  const bool overflow = code == "context_length_exceeded" || type == "exceed_context_size_error" ||
                        canonical::saysContextLengthExceeded(message);
  if (client_side && overflow) return ErrorCategory::ContextLengthExceeded;
  if (code == "invalid_api_key") return ErrorCategory::Authentication;
  if (code == "rate_limit_exceeded" || code == "insufficient_quota") return ErrorCategory::RateLimited;
  if (code == "model_not_found") return ErrorCategory::NotFound;
  if (status != 0) return categoryForStatus(status);
  return categoryForType(type);
}

canonical::Part textPart(std::string_view text) {
  canonical::Part part;
  part.text = text;
  return part;
}

void readToolCalls(const json::array& calls, canonical::ChatResponse& out) {
  for (const auto& value : calls) {
    const auto* call = value.if_object();
    if (call == nullptr) continue;
    canonical::Part part;
    part.type = canonical::PartType::ToolCall;
    part.id = stringAt(*call, "id");
    if (const auto* function = objectAt(*call, "function")) {
      part.name = stringAt(*function, "name");
      part.arguments = stringAt(*function, "arguments");
    }
    if (part.arguments.empty()) part.arguments = "{}";
    out.content.push_back(part);
  }
}

}  // namespace

canonical::FinishReason finishReasonOf(std::string_view name) {
  if (name == "length") return canonical::FinishReason::MaxTokens;
  if (name == "tool_calls" || name == "function_call") return canonical::FinishReason::ToolUse;
  if (name == "content_filter") return canonical::FinishReason::ContentFilter;
  return canonical::FinishReason::EndTurn;  // "stop", and whatever a server invents
}

canonical::Usage usageOf(const json::object& usage) {
  canonical::Usage out;
  out.input_tokens = intAt(usage, "prompt_tokens");
  out.output_tokens = intAt(usage, "completion_tokens");
  if (const auto* details = objectAt(usage, "prompt_tokens_details")) {
    out.cache_read_tokens = intAt(*details, "cached_tokens");
  }
  if (const auto* details = objectAt(usage, "completion_tokens_details")) {
    out.reasoning_tokens = intAt(*details, "reasoning_tokens");
  }
  return out;
}

canonical::Error errorOf(int status, const json::object& error) {
  canonical::Error out;
  out.message = stringAt(error, "message");
  out.param = stringAt(error, "param");
  out.code = stringAt(error, "code");  // vLLM sends the status as a number here: not a code
  out.category = categoryOf(status, out.code, stringAt(error, "type"), out.message);
  out.status = canonical::statusForCategory(out.category);
  return out;
}

bool decodeResponse(std::string_view body, canonical::Arena& arena, canonical::ChatResponse& out, std::string& why) {
  boost::system::error_code ec;
  const auto* root = arena.parseJson(body, ec);
  if (root == nullptr || !root->is_object()) {
    why = root == nullptr ? "the body is not JSON: " + ec.message() : "the body is not a JSON object";
    return false;
  }
  const auto& object = root->get_object();
  const auto* choices = object.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->get_array().empty() ||
      !choices->get_array().front().is_object()) {
    why = "the body has no choices";
    return false;
  }
  const auto& choice = choices->get_array().front().get_object();
  const auto* message = objectAt(choice, "message");
  if (message == nullptr) {
    why = "choices[0] has no message";
    return false;
  }
  out.id = stringAt(object, "id");
  out.model = stringAt(object, "model");
  out.created = intAt(object, "created");
  if (const auto content = stringAt(*message, "content"); !content.empty()) out.content.push_back(textPart(content));
  out.finish = finishReasonOf(stringAt(choice, "finish_reason"));
  if (const auto refusal = stringAt(*message, "refusal"); !refusal.empty()) {
    // The refusal is the answer's text; other dialects say a refusal with their content filter stop.
    out.content.push_back(textPart(refusal));
    out.finish = canonical::FinishReason::ContentFilter;
  }
  if (const auto* calls = message->if_contains("tool_calls"); calls != nullptr && calls->is_array()) {
    readToolCalls(calls->get_array(), out);
  } else if (const auto* call = objectAt(*message, "function_call")) {
    // The legacy single call, read as a tool call without an id.
    canonical::Part part;
    part.type = canonical::PartType::ToolCall;
    part.name = stringAt(*call, "name");
    part.arguments = stringAt(*call, "arguments");
    if (part.arguments.empty()) part.arguments = "{}";
    out.content.push_back(part);
  }
  // vLLM names the stop string that matched in stop_reason (a number when it was a token id).
  if (const auto stop = stringAt(choice, "stop_reason");
      !stop.empty() && out.finish == canonical::FinishReason::EndTurn) {
    out.finish = canonical::FinishReason::StopSequence;
    out.stop_sequence = stop;
  }
  if (const auto* usage = objectAt(object, "usage")) out.usage = usageOf(*usage);
  return true;
}

canonical::Error decodeError(int status, std::string_view body, canonical::Arena& arena) {
  boost::system::error_code ec;
  const auto* root = arena.parseJson(body, ec);
  if (root != nullptr && root->is_object()) {
    const auto& object = root->get_object();
    const auto* error = object.if_contains("error");
    if (error != nullptr && error->is_object()) return errorOf(status, error->get_object());  // OpenAI
    if (stringAt(object, "object") == "error") return errorOf(status, object);                // vLLM
    // Ollama: {"error":"..."}; FastAPI-based servers: {"detail":"..."}; Mistral and some gateways:
    // {"message":"...","type":"..."}.
    std::string_view message =
        error != nullptr && error->is_string() ? view(error->get_string()) : stringAt(object, "detail");
    if (message.empty()) message = stringAt(object, "message");
    if (!message.empty()) {
      canonical::Error out;
      out.message = message;
      out.category = categoryOf(status, {}, stringAt(object, "type"), message);
      out.status = canonical::statusForCategory(out.category);
      return out;
    }
  }
  canonical::Error out;
  out.category = categoryOf(status, {}, {}, body);
  out.status = canonical::statusForCategory(out.category);
  const auto start = body.find_first_not_of(" \t\r\n");
  const std::string_view text = start == std::string_view::npos ? std::string_view() : body.substr(start);
  out.message = text.empty()
                    ? arena.copy("The upstream provider answered with HTTP status " + std::to_string(status) + ".")
                    : arena.copy(canonical::validUtf8Prefix(text, kMaxPlainErrorBytes));
  return out;
}

}  // namespace switchyard::providers::openai::wire
