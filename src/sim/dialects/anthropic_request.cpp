// Request validation of the simulator's Anthropic dialect, in the Messages API's words
// ("max_tokens: Field required", "messages.0.role: Input should be 'user' or 'assistant'").
#include <boost/json.hpp>

#include <algorithm>
#include <iterator>

#include "sim/conversation_tail.h"
#include "sim/dialects/anthropic_wire.h"

namespace switchyard::sim::anthropic {

namespace json = boost::json;
using boost::system::in_place_error;

namespace {

// The Messages API's top-level fields (and the simulator's own sim_fault); anything else is
// refused as the API refuses it, so a gateway that leaks another dialect's field gets caught.
constexpr std::string_view kKnownFields[] = {
    "model",       "messages",    "max_tokens", "system",       "metadata",    "stop_sequences",
    "stream",      "temperature", "top_p",      "top_k",        "tools",       "tool_choice",
    "thinking",    "service_tier", "container", "mcp_servers",  "context_management", "sim_fault"};

SimError invalid(std::string message) { return SimError{400, std::move(message), std::string(kInvalidRequest), {}, {}}; }

std::uint64_t countWords(std::string_view text) {
  std::uint64_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool blank = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (!blank && !in_word) ++words;
    in_word = !blank;
  }
  return words;
}

// Text blocks of a content value (string, or blocks whose text counts), joined with spaces.
std::string textOf(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string text;
  if (!content.is_array()) return text;
  for (const auto& block : content.get_array()) {
    const auto* object = block.if_object();
    if (object == nullptr) continue;
    const auto* type = object->if_contains("type");
    const auto* block_text = object->if_contains("text");
    if (type == nullptr || !type->is_string() || type->get_string() != "text") continue;
    if (block_text == nullptr || !block_text->is_string()) continue;
    if (!text.empty()) text.push_back(' ');
    text.append(block_text->get_string());
  }
  return text;
}

// The text of the first tool_result block of a user turn, if it has one.
std::optional<std::string> toolResultOf(const json::value& content) {
  if (!content.is_array()) return std::nullopt;
  for (const auto& block : content.get_array()) {
    const auto* object = block.if_object();
    if (object == nullptr) continue;
    const auto* type = object->if_contains("type");
    if (type == nullptr || !type->is_string() || type->get_string() != "tool_result") continue;
    const auto* result = object->if_contains("content");
    return result == nullptr ? std::string() : textOf(*result);
  }
  return std::nullopt;
}

std::optional<SimError> readMessages(const json::value* messages, SimChat& chat) {
  if (messages == nullptr) return invalid("messages: Field required");
  if (!messages->is_array()) return invalid("messages: Input should be a valid list");
  if (messages->get_array().empty()) return invalid("messages: at least one message is required");
  std::size_t index = 0;
  ConversationTail tail;
  std::string last_text;
  bool last_is_user = false;
  for (const auto& message : messages->get_array()) {
    const std::string path = "messages." + std::to_string(index++);
    const auto* object = message.if_object();
    if (object == nullptr) return invalid(path + ": Input should be a valid dictionary");
    const auto* role = object->if_contains("role");
    if (role == nullptr) return invalid(path + ".role: Field required");
    const bool user = role->is_string() && role->get_string() == "user";
    if (!user && !(role->is_string() && role->get_string() == "assistant")) {
      return invalid(path + ".role: Input should be 'user' or 'assistant'");
    }
    const auto* content = object->if_contains("content");
    if (content == nullptr) return invalid(path + ".content: Field required");
    if (!content->is_string() && !content->is_array()) {
      return invalid(path + ".content: Input should be a valid list");
    }
    std::string text = textOf(*content);
    chat.prompt_tokens += countWords(text);
    chat.last_turn_is_tool_result = false;
    last_is_user = user;
    if (!user) {
      tail.assistant(text);
      last_text = std::move(text);
      continue;
    }
    if (auto result = toolResultOf(*content)) {
      chat.last_turn_is_tool_result = true;
      chat.tool_result_text = std::move(*result);
      tail.toolResult(chat.tool_result_text);
    } else {
      chat.last_user_text = text;
      tail.user(text);
    }
  }
  // The Messages API refuses a prefill that ends with a blank (a gateway continuing a partial
  // answer must trim it; the model then writes the blank itself).
  constexpr std::string_view kBlanks = " \t\n\r";
  if (!last_is_user && !last_text.empty() && kBlanks.find(last_text.back()) != std::string_view::npos) {
    return invalid("messages: final assistant content cannot end with trailing whitespace");
  }
  tail.fill(chat);
  return std::nullopt;
}

std::optional<SimError> readOptions(const json::object& body, SimChat& chat) {
  if (const auto* stream = body.if_contains("stream"); stream != nullptr && !stream->is_null()) {
    if (!stream->is_bool()) return invalid("stream: Input should be a valid boolean");
    chat.stream = stream->get_bool();
  }
  if (const auto* temperature = body.if_contains("temperature"); temperature != nullptr && !temperature->is_null()) {
    if (!temperature->is_number()) return invalid("temperature: Input should be a valid number");
    if (temperature->to_number<double>() > 1.0) return invalid("temperature: Input should be less than or equal to 1");
  }
  if (const auto* system = body.if_contains("system"); system != nullptr) {
    chat.prompt_tokens += countWords(textOf(*system));
  }
  if (const auto* tools = body.if_contains("tools"); tools != nullptr && !tools->is_null()) {
    if (!tools->is_array()) return invalid("tools: Input should be a valid list");
    for (const auto& tool : tools->get_array()) {
      const auto* name = tool.is_object() ? tool.get_object().if_contains("name") : nullptr;
      if (name == nullptr || !name->is_string()) return invalid("tools.0.name: Field required");
      if (chat.first_tool_name.empty()) chat.first_tool_name = std::string(name->get_string());
    }
  }
  return std::nullopt;
}

}  // namespace

boost::system::result<SimChat, SimError> parseRequest(const json::value& value) {
  const auto* body = value.if_object();
  if (body == nullptr) return {in_place_error, invalid("Input should be a valid dictionary or object to extract fields from")};
  for (const auto& member : *body) {
    const std::string_view key = member.key();
    if (std::find(std::begin(kKnownFields), std::end(kKnownFields), key) == std::end(kKnownFields)) {
      return {in_place_error, invalid(std::string(key) + ": Extra inputs are not permitted")};
    }
  }
  SimChat chat;
  chat.include_usage = true;  // Anthropic always reports usage
  const auto* model = body->if_contains("model");
  if (model == nullptr) return {in_place_error, invalid("model: Field required")};
  if (!model->is_string()) return {in_place_error, invalid("model: Input should be a valid string")};
  chat.model = std::string(model->get_string());
  const auto* max_tokens = body->if_contains("max_tokens");
  if (max_tokens == nullptr) return {in_place_error, invalid("max_tokens: Field required")};
  if (!max_tokens->is_int64() && !max_tokens->is_uint64()) {
    return {in_place_error, invalid("max_tokens: Input should be a valid integer")};
  }
  if (max_tokens->is_int64() && max_tokens->get_int64() < 1) {
    return {in_place_error, invalid("max_tokens: Input should be greater than or equal to 1")};
  }
  chat.max_tokens = max_tokens->to_number<std::uint64_t>();
  if (auto error = readMessages(body->if_contains("messages"), chat)) return {in_place_error, std::move(*error)};
  if (auto error = readOptions(*body, chat)) return {in_place_error, std::move(*error)};
  return chat;
}

SimError statusError(unsigned status, std::string_view model) {
  const std::string model_name(model.empty() ? "unknown" : model);
  switch (status) {
    case 400: return {status, "Invalid request.", "invalid_request_error", {}, {}};
    case 401: return {status, "invalid x-api-key", "authentication_error", {}, {}};
    case 402:
      return {status, "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to "
                      "upgrade or purchase credits.", "billing_error", {}, {}};
    case 403: return {status, "Your API key does not have permission to use the specified resource.",
                      "permission_error", {}, {}};
    case 404: return {status, "model: " + model_name, "not_found_error", {}, {}};
    case 413: return {status, "Request exceeds the maximum allowed number of bytes.", "request_too_large", {}, {}};
    case 429:
      return {status, "This request would exceed the rate limit for your organization of 50 requests per minute. "
                      "For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response "
                      "headers for current usage. Please reduce the prompt length or the maximum tokens requested, "
                      "or try again later.", "rate_limit_error", {}, {}};
    case 500: return {status, "Internal server error", "api_error", {}, {}};
    case 503:
    case 529: return {status, "Overloaded", "overloaded_error", {}, {}};
    case 504: return {status, "Request timed out", "timeout_error", {}, {}};
    default: break;
  }
  if (status < 500) return {status, "Request failed with status " + std::to_string(status) + ".", "invalid_request_error", {}, {}};
  return {status, "Internal server error", "api_error", {}, {}};
}

}  // namespace switchyard::sim::anthropic
