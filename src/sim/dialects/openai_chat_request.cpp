#include "sim/chat_request.h"

#include "sim/conversation_tail.h"

#include <boost/json.hpp>

namespace switchyard::sim {
namespace {

namespace json = boost::json;

constexpr std::string_view kInvalidRequest = "invalid_request_error";

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// OpenAI's wording for a JSON type in "expected X, but got Y instead".
std::string_view typeName(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64: return "an integer";
    case json::kind::double_: return "a decimal";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

ErrorInfo invalidType(std::string_view param, std::string_view expected, const json::value& got) {
  return {"Invalid type for '" + std::string(param) + "': expected " + std::string(expected) +
              ", but got " + std::string(typeName(got)) + " instead.",
          std::string(kInvalidRequest), std::string(param), "invalid_type"};
}

// A message's content is a string or an array of parts, of which the text parts count.
std::string contentText(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string text;
  if (!content.is_array()) return text;
  for (const auto& part : content.get_array()) {
    const auto* object = part.if_object();
    if (object == nullptr) continue;
    const auto* part_text = object->if_contains("text");
    if (part_text == nullptr || !part_text->is_string()) continue;
    if (!text.empty()) text.push_back(' ');
    text.append(part_text->get_string());
  }
  return text;
}

// Reads max_completion_tokens (or the older max_tokens); an error when it is below 1.
std::optional<ErrorInfo> readMaxTokens(const json::object& body, ChatRequest& request) {
  for (std::string_view key : {"max_completion_tokens", "max_tokens"}) {
    const auto* value = body.if_contains(key);
    if (value == nullptr || value->is_null()) continue;
    if (!value->is_int64() && !value->is_uint64()) return invalidType(key, "an integer", *value);
    if (value->is_int64() && value->get_int64() < 1) {
      return ErrorInfo{"Invalid '" + std::string(key) +
                           "': integer below minimum value. Expected a value >= 1, but got " +
                           std::to_string(value->get_int64()) + " instead.",
                       std::string(kInvalidRequest), std::string(key), "integer_below_min_value"};
    }
    request.max_tokens = value->is_uint64() ? value->get_uint64()
                                            : static_cast<uint64_t>(value->get_int64());
    return std::nullopt;
  }
  return std::nullopt;
}

ErrorInfo invalidRequest(std::string message, std::optional<std::string> param = std::nullopt) {
  return {std::move(message), std::string(kInvalidRequest), std::move(param), std::nullopt};
}

bool isTrue(const json::value* value) { return value != nullptr && value->is_bool() && value->get_bool(); }

// OpenAI-compatible servers' prefill switches, checked as those servers check them; what the answer
// is stays --prefill's decision. DeepSeek's (and Mistral's) "prefix": true marks the last message,
// which must be the assistant's (the wording is the simulator's own).
std::optional<ErrorInfo> checkPrefix(const json::object& message, std::size_t index, std::size_t count,
                                     std::string_view role) {
  if (!isTrue(message.if_contains("prefix")) || (index + 1 == count && role == "assistant")) return std::nullopt;
  const std::string param = "messages[" + std::to_string(index) + "].prefix";
  return invalidRequest("Invalid '" + param + "': only the last message may set prefix, and it must be an "
                        "assistant message.", param);
}

// vLLM's "continue_final_message": true wants "add_generation_prompt": false, which defaults to
// true (vLLM's request validator, or the chat template after it, refuses the pair), and a final
// assistant message to continue.
std::optional<ErrorInfo> checkContinueFinalMessage(const json::object& body, std::string_view last_role) {
  if (!isTrue(body.if_contains("continue_final_message"))) return std::nullopt;
  const auto* generation_prompt = body.if_contains("add_generation_prompt");
  if (generation_prompt == nullptr || generation_prompt->is_null() || isTrue(generation_prompt)) {
    return invalidRequest("Cannot set both `continue_final_message` and `add_generation_prompt` to True.");
  }
  if (last_role != "assistant") {
    return invalidRequest("continue_final_message is set but the final message is not an assistant message.");
  }
  return std::nullopt;
}

std::optional<ErrorInfo> readStreamFlags(const json::object& body, ChatRequest& request) {
  if (const auto* stream = body.if_contains("stream"); stream != nullptr && !stream->is_null()) {
    if (!stream->is_bool()) return invalidType("stream", "a boolean", *stream);
    request.stream = stream->get_bool();
  }
  const auto* options = body.if_contains("stream_options");
  if (options == nullptr || !options->is_object()) return std::nullopt;
  if (const auto* usage = options->get_object().if_contains("include_usage")) {
    request.include_usage = usage->is_bool() && usage->get_bool();
  }
  if (const auto* obfuscation = options->get_object().if_contains("include_obfuscation")) {
    request.include_obfuscation = !(obfuscation->is_bool() && !obfuscation->get_bool());
  }
  return std::nullopt;
}

}  // namespace

ErrorInfo invalidJsonError() {
  return {"We could not parse the JSON body of your request. (HINT: This likely means you aren't "
          "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
          "sent was not valid JSON. If you have trouble figuring out how to fix this, please "
          "contact us through our help center at help.openai.com.)",
          std::string(kInvalidRequest), std::nullopt, std::nullopt};
}

ChatRequestResult parseChatRequest(const json::value& value) {
  using boost::system::in_place_error;
  if (!value.is_object()) return {in_place_error, invalidType("body", "an object", value)};
  const json::object& body = value.get_object();
  ChatRequest request;

  const auto* model = body.if_contains("model");
  if (model == nullptr || model->is_null()) {
    return {in_place_error, ErrorInfo{"you must provide a model parameter",
                                      std::string(kInvalidRequest), std::nullopt, std::nullopt}};
  }
  if (!model->is_string()) return {in_place_error, invalidType("model", "a string", *model)};
  request.model = std::string(model->get_string());

  const auto* messages = body.if_contains("messages");
  if (messages == nullptr || messages->is_null()) {
    return {in_place_error,
            ErrorInfo{"Missing required parameter: 'messages'.", std::string(kInvalidRequest),
                      "messages", "missing_required_parameter"}};
  }
  if (!messages->is_array()) {
    return {in_place_error, invalidType("messages", "an array of objects", *messages)};
  }
  if (messages->get_array().empty()) {
    return {in_place_error,
            ErrorInfo{"Invalid 'messages': empty array. Expected an array with minimum length 1, "
                      "but got an empty array instead.",
                      std::string(kInvalidRequest), "messages", "empty_array"}};
  }
  const json::array& list = messages->get_array();
  ConversationTail tail;
  std::string_view role_name;
  for (std::size_t index = 0; index < list.size(); ++index) {
    const auto* object = list[index].if_object();
    if (object == nullptr) return {in_place_error, invalidType("messages", "an array of objects", list[index])};
    const auto* role = object->if_contains("role");
    role_name = role != nullptr && role->is_string() ? std::string_view(role->get_string()) : "";
    if (auto error = checkPrefix(*object, index, list.size(), role_name)) return {in_place_error, std::move(*error)};
    request.last_turn_is_tool_result = role_name == "tool";
    const auto* content = object->if_contains("content");
    const std::string text = content != nullptr ? contentText(*content) : std::string();
    if (content != nullptr) {
      request.prompt_tokens += countWords(text);
      if (role_name == "user") request.last_user_text = text;
      if (role_name == "tool") request.tool_result_text = text;
    }
    if (role_name == "user") {
      tail.user(request.last_user_text);
    } else if (role_name == "tool") {
      tail.toolResult(text);
    } else if (role_name == "assistant") {
      tail.assistant(text);
    } else {
      tail.other();
    }
  }
  if (auto error = checkContinueFinalMessage(body, role_name)) return {in_place_error, std::move(*error)};
  tail.fill(request);
  if (const auto* tools = body.if_contains("tools"); tools != nullptr && tools->is_array() &&
                                                     !tools->get_array().empty()) {
    const auto* function = tools->get_array()[0].is_object()
                               ? tools->get_array()[0].get_object().if_contains("function")
                               : nullptr;
    const auto* name = function != nullptr && function->is_object() ? function->get_object().if_contains("name")
                                                                     : nullptr;
    if (name != nullptr && name->is_string()) request.first_tool_name = std::string(name->get_string());
  }

  if (auto error = readStreamFlags(body, request)) return {in_place_error, std::move(*error)};
  if (auto error = readMaxTokens(body, request)) return {in_place_error, std::move(*error)};
  return request;
}

std::string replyText(std::string_view name, std::string_view last_user_text) {
  std::string text = "Hello from ";
  text.append(name).append(": ").append(last_user_text);
  return text;
}

std::vector<std::string> splitWords(std::string_view text) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = start;
    while (end < text.size() && isBlank(text[end])) ++end;  // leading blanks join the first word
    while (end < text.size() && !isBlank(text[end])) ++end;
    while (end < text.size() && isBlank(text[end])) ++end;
    words.emplace_back(text.substr(start, end - start));
    start = end;
  }
  return words;
}

uint64_t countWords(std::string_view text) {
  uint64_t count = 0;
  bool in_word = false;
  for (char c : text) {
    if (isBlank(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++count;
    }
  }
  return count;
}

}  // namespace switchyard::sim
