#include "sim/openai_responses.h"

#include <boost/json.hpp>

#include <cstdio>

namespace switchyard::sim {
namespace {

namespace json = boost::json;

constexpr std::string_view kAlphanumeric =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr size_t kCompletionIdLength = 29;
constexpr size_t kRequestIdHexDigits = 32;
// OpenAI pads stream chunks with a few random characters; ours are deterministic but vary in
// length the same way.
constexpr size_t kMaxObfuscationLength = 12;
constexpr std::string_view kServiceTier = "default";
constexpr std::string_view kModelOwner = "system";

json::value nullable(const std::optional<std::string>& text) {
  return text ? json::value(*text) : json::value(nullptr);
}

json::object usageObject(const Usage& usage) {
  return json::object{
      {"prompt_tokens", usage.prompt_tokens},
      {"completion_tokens", usage.completion_tokens},
      {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
      {"prompt_tokens_details", json::object{{"cached_tokens", usage.cached_tokens}, {"audio_tokens", 0}}},
      {"completion_tokens_details", json::object{{"reasoning_tokens", usage.reasoning_tokens},
                                                 {"audio_tokens", 0},
                                                 {"accepted_prediction_tokens", 0},
                                                 {"rejected_prediction_tokens", 0}}},
  };
}

std::string randomFrom(std::mt19937_64& random, std::string_view alphabet, size_t length) {
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string out;
  out.reserve(length);
  for (size_t i = 0; i < length; ++i) out.push_back(alphabet[pick(random)]);
  return out;
}

std::string obfuscationFor(unsigned chunk_index) {
  const size_t length = 1 + (chunk_index * 5) % kMaxObfuscationLength;
  std::string out;
  for (size_t i = 0; i < length; ++i) {
    out.push_back(kAlphanumeric[(chunk_index * 7 + i * 3) % kAlphanumeric.size()]);
  }
  return out;
}

json::object toolCallObject(const SimToolCall& call, std::string_view arguments) {
  return json::object{{"id", call.id},
                      {"type", "function"},
                      {"function", json::object{{"name", call.name}, {"arguments", arguments}}}};
}

}  // namespace

std::string completionJson(const CompletionMeta& meta, std::string_view content,
                           std::string_view finish_reason, const Usage& usage,
                           const SimToolCall* tool_call) {
  json::object message{{"role", "assistant"},
                       {"content", tool_call != nullptr ? json::value(nullptr) : json::value(content)},
                       {"refusal", nullptr},
                       {"annotations", json::array{}}};
  if (tool_call != nullptr) {
    message["tool_calls"] = json::array{toolCallObject(*tool_call, tool_call->arguments)};
  }
  json::object choice{{"index", 0},
                      {"message", std::move(message)},
                      {"logprobs", nullptr},
                      {"finish_reason", finish_reason}};
  json::object completion{
      {"id", meta.id},
      {"object", "chat.completion"},
      {"created", meta.created},
      {"model", meta.model},
      {"choices", json::array{std::move(choice)}},
      {"usage", usageObject(usage)},
      {"service_tier", kServiceTier},
      {"system_fingerprint", meta.system_fingerprint},
  };
  return json::serialize(completion);
}

StreamChunks::StreamChunks(CompletionMeta meta, bool include_usage, bool include_obfuscation)
    : meta_(std::move(meta)), include_usage_(include_usage), include_obfuscation_(include_obfuscation) {}

std::string StreamChunks::role() {
  return render(json::object{{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}, std::nullopt, nullptr, true);
}

std::string StreamChunks::content(std::string_view text) {
  return render(json::object{{"content", text}}, std::nullopt, nullptr, true);
}

std::string StreamChunks::toolCall(const SimToolCall& call) {
  json::object start{{"index", 0},
                     {"id", call.id},
                     {"type", "function"},
                     {"function", json::object{{"name", call.name}, {"arguments", ""}}}};
  json::object arguments{{"index", 0}, {"function", json::object{{"arguments", call.arguments}}}};
  json::object first{{"tool_calls", json::array{std::move(start)}}};
  json::object second{{"tool_calls", json::array{std::move(arguments)}}};
  return sseEvent(render(std::move(first), std::nullopt, nullptr, true)) +
         sseEvent(render(std::move(second), std::nullopt, nullptr, true));
}

std::string StreamChunks::finish(std::string_view finish_reason) {
  return render(json::object{}, finish_reason, nullptr, true);
}

std::string StreamChunks::usage(const Usage& usage) { return render(nullptr, std::nullopt, &usage, false); }

std::string StreamChunks::render(json::value delta,
                                 std::optional<std::string_view> finish_reason, const Usage* usage,
                                 bool with_choice) {
  json::array choices;
  if (with_choice) {
    choices.push_back(json::object{
        {"index", 0},
        {"delta", std::move(delta)},
        {"logprobs", nullptr},
        {"finish_reason", finish_reason ? json::value(*finish_reason) : json::value(nullptr)},
    });
  }
  json::object chunk{
      {"id", meta_.id},
      {"object", "chat.completion.chunk"},
      {"created", meta_.created},
      {"model", meta_.model},
      {"service_tier", kServiceTier},
      {"system_fingerprint", meta_.system_fingerprint},
      {"choices", std::move(choices)},
  };
  if (usage != nullptr) {
    chunk["usage"] = usageObject(*usage);
  } else if (include_usage_) {
    chunk["usage"] = nullptr;
  }
  if (include_obfuscation_) chunk["obfuscation"] = obfuscationFor(chunks_rendered_);
  ++chunks_rendered_;
  return json::serialize(chunk);
}

std::string sseEvent(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 8);
  out.append("data: ").append(payload).append("\n\n");
  return out;
}

std::string errorJson(const ErrorInfo& error) {
  json::object body{{"error", json::object{{"message", error.message},
                                           {"type", error.type},
                                           {"param", nullable(error.param)},
                                           {"code", nullable(error.code)}}}};
  return json::serialize(body);
}

ErrorInfo errorForStatus(unsigned status, std::string_view model) {
  const std::string model_name(model.empty() ? "unknown" : model);
  switch (status) {
    case 400:
      return {"Invalid request.", "invalid_request_error", std::nullopt, std::nullopt};
    case 401:
      return {"Incorrect API key provided: sk-sim***. You can find your API key at "
              "https://platform.openai.com/account/api-keys.",
              "invalid_request_error", std::nullopt, "invalid_api_key"};
    case 403:
      return {"Country, region, or territory not supported", "request_forbidden", std::nullopt,
              "unsupported_country_region_territory"};
    case 404:
      return {"The model `" + model_name + "` does not exist or you do not have access to it.",
              "invalid_request_error", std::nullopt, "model_not_found"};
    case 408:
      return {"Request timed out.", "server_error", std::nullopt, std::nullopt};
    case 409:
      return {"The request conflicted with another request in progress.", "invalid_request_error",
              std::nullopt, std::nullopt};
    case 422:
      return {"The request could not be processed.", "invalid_request_error", std::nullopt,
              std::nullopt};
    case 429:
      return {"Rate limit reached for " + model_name +
                  " in organization org-sim on requests per min (RPM): Limit 3, Used 3, Requested "
                  "1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits "
                  "to learn more.",
              "requests", std::nullopt, "rate_limit_exceeded"};
    case 500:
      return {"The server had an error while processing your request. Sorry about that!",
              "server_error", std::nullopt, std::nullopt};
    case 502:
      return {"Bad gateway.", "server_error", std::nullopt, std::nullopt};
    case 503:
      return {"The server is overloaded or not ready yet.", "server_error", std::nullopt,
              std::nullopt};
    case 504:
      return {"Gateway timeout.", "server_error", std::nullopt, std::nullopt};
    case 529:
      return {"That model is currently overloaded with other requests. You can retry your request.",
              "server_error", std::nullopt, "overloaded"};
    default:
      break;
  }
  const bool client_error = status < 500;
  return {"Request failed with status " + std::to_string(status) + ".",
          client_error ? "invalid_request_error" : "server_error", std::nullopt, std::nullopt};
}

ErrorInfo invalidUrlError(std::string_view method, std::string_view path) {
  return {"Invalid URL (" + std::string(method) + " " + std::string(path) + ")",
          "invalid_request_error", std::nullopt, std::nullopt};
}

std::string modelsJson(const std::vector<std::string>& model_ids, int64_t created) {
  json::array data;
  for (const auto& id : model_ids) {
    data.push_back(json::object{
        {"id", id}, {"object", "model"}, {"created", created}, {"owned_by", kModelOwner}});
  }
  return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

std::string newCompletionId(std::mt19937_64& random) {
  return "chatcmpl-" + randomFrom(random, kAlphanumeric, kCompletionIdLength);
}

std::string newRequestId(std::mt19937_64& random) {
  return "req_" + randomFrom(random, "0123456789abcdef", kRequestIdHexDigits);
}

std::string fingerprintFor(std::string_view name) {
  // FNV-1a: stable across runs and platforms, unlike std::hash.
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : name) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char digits[17];
  std::snprintf(digits, sizeof(digits), "%016llx", static_cast<unsigned long long>(hash));
  return "fp_" + std::string(digits, 10);
}

}  // namespace switchyard::sim
