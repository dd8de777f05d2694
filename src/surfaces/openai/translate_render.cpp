// Canonical answers and errors rendered as api.openai.com renders chat completions: the same
// members, in the same order, with the same constant fields (refusal, annotations, logprobs,
// service_tier, system_fingerprint) a client or SDK may read.
#include <chrono>
#include <random>

#include "canonical/json_writer.h"
#include "surfaces/openai/errors.h"
#include "surfaces/openai/translate.h"
#include "surfaces/openai/translate_wire.h"

namespace switchyard::surfaces::openai {

using canonical::appendInt;
using canonical::appendQuoted;

namespace wire {

std::string_view finishReasonName(canonical::FinishReason finish) {
  switch (finish) {
    case canonical::FinishReason::EndTurn:
    case canonical::FinishReason::StopSequence:
      return "stop";
    case canonical::FinishReason::MaxTokens:
      return "length";
    case canonical::FinishReason::ToolUse:
      return "tool_calls";
    case canonical::FinishReason::ContentFilter:
      return "content_filter";
  }
  return "stop";
}

void appendUsage(std::string& out, const canonical::Usage& usage) {
  out.append(R"({"prompt_tokens":)");
  appendInt(out, usage.input_tokens);
  out.append(R"(,"completion_tokens":)");
  appendInt(out, usage.output_tokens);
  out.append(R"(,"total_tokens":)");
  appendInt(out, usage.input_tokens + usage.output_tokens);
  out.append(R"(,"prompt_tokens_details":{"cached_tokens":)");
  appendInt(out, usage.cache_read_tokens);
  out.append(R"(,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":)");
  appendInt(out, usage.reasoning_tokens);
  out.append(R"(,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}})");
}

std::string randomId(std::string_view prefix, std::size_t length) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  // One generator per thread: workers never share it, and ids need to be unique, not secret.
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string id(prefix);
  for (std::size_t i = 0; i < length; ++i) id.push_back(kAlphabet[pick(random)]);
  return id;
}

std::int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace wire

namespace {

void appendToolCall(std::string& out, const canonical::Part& call) {
  out.append(R"({"id":)");
  appendQuoted(out, call.id.empty() ? wire::randomId("call_", wire::kToolCallIdLength) : std::string(call.id));
  out.append(R"(,"type":"function","function":{"name":)");
  appendQuoted(out, call.name);
  out.append(R"(,"arguments":)");
  appendQuoted(out, call.arguments.empty() ? std::string_view("{}") : call.arguments);
  out.append("}}");
}

void appendMessage(std::string& out, const canonical::ChatResponse& response) {
  // OpenAI answers with one content string: text parts are concatenated.
  std::string text;
  bool has_text = false;
  bool has_calls = false;
  for (const auto& part : response.content) {
    if (part.type == canonical::PartType::Text) {
      text.append(part.text);
      has_text = true;
    } else if (part.type == canonical::PartType::ToolCall) {
      has_calls = true;
    }
  }
  out.append(R"({"role":"assistant","content":)");
  if (has_text || !has_calls)
    appendQuoted(out, text);
  else
    out.append("null");
  out.append(R"(,"refusal":null)");
  if (has_calls) {
    out.append(R"(,"tool_calls":[)");
    bool first = true;
    for (const auto& part : response.content) {
      if (part.type != canonical::PartType::ToolCall) continue;
      if (!first) out.push_back(',');
      first = false;
      appendToolCall(out, part);
    }
    out.push_back(']');
  }
  out.append(R"(,"annotations":[]})");
}

}  // namespace

void renderChatCompletion(const canonical::ChatResponse& response, std::string& out) {
  out.append(R"({"id":)");
  appendQuoted(out,
               response.id.empty() ? wire::randomId("chatcmpl-", wire::kCompletionIdLength) : std::string(response.id));
  out.append(R"(,"object":"chat.completion","created":)");
  appendInt(out, response.created != 0 ? response.created : wire::nowSeconds());
  out.append(R"(,"model":)");
  appendQuoted(out, response.model);
  out.append(R"(,"choices":[{"index":0,"message":)");
  appendMessage(out, response);
  out.append(R"(,"logprobs":null,"finish_reason":)");
  appendQuoted(out, wire::finishReasonName(response.finish));
  out.append(R"(}],"usage":)");
  wire::appendUsage(out, response.usage);
  out.append(R"(,"service_tier":"default","system_fingerprint":null})");
}

int clientStatus(const canonical::Error& error) { return canonical::statusForCategory(error.category); }

// Types and codes as api.openai.com sends them: a bad key is an invalid_request_error with code
// invalid_api_key, a context overflow an invalid_request_error with code context_length_exceeded.
// The other categories take the type the gateway uses for its own errors (errorTypeForStatus),
// so that a client sees one vocabulary whether the gateway or an upstream failed.
std::string renderErrorBody(const canonical::Error& error) {
  using canonical::ErrorCategory;
  const int status = clientStatus(error);
  std::string_view type = errorTypeForStatus(status);
  std::string_view code = error.code;
  std::string_view param = error.param;
  std::string_view message = error.message;
  switch (error.category) {
    case ErrorCategory::Authentication:
      type = "invalid_request_error";
      if (code.empty()) code = "invalid_api_key";
      break;
    case ErrorCategory::ContextLengthExceeded:
      type = "invalid_request_error";
      code = "context_length_exceeded";
      if (param.empty()) param = "messages";
      break;
    case ErrorCategory::RateLimited:
      if (code.empty()) code = "rate_limit_exceeded";
      break;
    default:
      break;
  }
  if (message.empty()) message = "The upstream provider failed without saying why.";
  std::string out;
  out.reserve(message.size() + 128);
  out.append(R"({"error":{"message":)");
  appendQuoted(out, message);
  out.append(R"(,"type":)");
  appendQuoted(out, type);
  out.append(R"(,"param":)");
  if (param.empty())
    out.append("null");
  else
    appendQuoted(out, param);
  out.append(R"(,"code":)");
  if (code.empty())
    out.append("null");
  else
    appendQuoted(out, code);
  if (!error.request_id.empty()) {
    out.append(R"(,"request_id":)");
    appendQuoted(out, error.request_id);
  }
  out.append("}}");
  return out;
}

}  // namespace switchyard::surfaces::openai
