#include "sim/dialects/bedrock_request.h"

#include "sim/conversation_tail.h"

#include <boost/json.hpp>

namespace switchyard::sim::bedrock {
namespace {

namespace json = boost::json;
using Result = boost::system::result<SimChat, SimError>;

// Bedrock's own wordings for these validation failures.
constexpr std::string_view kStartWithUser =
    "A conversation must start with a user message. Try again with a conversation that starts with a "
    "user message.";
constexpr std::string_view kAlternate =
    "A conversation must alternate between user and assistant roles. Make sure the conversation "
    "alternates between user and assistant roles and try again.";
constexpr std::string_view kToolConfigRequired =
    "The toolConfig field must be defined when using toolUse and toolResult content blocks.";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 && hexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::uint64_t countWords(std::string_view text) {
  std::uint64_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool blank = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!blank && !in_word) ++words;
    in_word = !blank;
  }
  return words;
}

std::string_view stringAt(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string_view(value->get_string()) : std::string_view();
}

const json::object* objectAt(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_object() ? &value->get_object() : nullptr;
}

std::string where(std::size_t message, std::size_t block) {
  return "messages." + std::to_string(message) + ".content." + std::to_string(block);
}

// What one message's content says, for SimChat.
struct Blocks {
  std::string text;  // text blocks joined
  bool has_tool_result = false;
  bool has_tool_use = false;
  std::string tool_result;  // text (or JSON) of the first toolResult
};

boost::system::result<Blocks, SimError> readBlocks(const json::array& content, std::size_t message) {
  Blocks blocks;
  for (std::size_t b = 0; b < content.size(); ++b) {
    if (!content[b].is_object())
      return validationError("The content block at " + where(message, b) + " is malformed.");
    const auto& block = content[b].get_object();
    if (const auto* text = block.if_contains("text")) {
      if (!text->is_string() || countWords(text->get_string()) == 0) {
        return validationError("The text field in the ContentBlock object at " + where(message, b) +
                               " is blank. Add text to the text field, and try again.");
      }
      if (!blocks.text.empty()) blocks.text.push_back(' ');
      blocks.text.append(text->get_string());
    } else if (objectAt(block, "toolUse") != nullptr) {
      blocks.has_tool_use = true;
    } else if (const auto* result = objectAt(block, "toolResult")) {
      if (!blocks.has_tool_result) {
        const auto* parts = result->if_contains("content");
        if (parts != nullptr && parts->is_array()) {
          for (const auto& part : parts->get_array()) {
            if (!part.is_object()) continue;
            if (const auto* t = part.get_object().if_contains("text"); t != nullptr && t->is_string()) {
              blocks.tool_result.append(t->get_string());
            } else if (const auto* j = part.get_object().if_contains("json")) {
              blocks.tool_result.append(json::serialize(*j));
            }
          }
        }
      }
      blocks.has_tool_result = true;
    }
  }
  return blocks;
}

}  // namespace

SimError validationError(std::string message) {
  SimError error;
  error.status = 400;
  error.message = std::move(message);
  error.type = "ValidationException";
  return error;
}

Result parseConverseRequest(const json::value& body, std::string_view path) {
  SimChat chat;
  constexpr std::string_view kModel = "/model/";
  const auto model_at = path.find(kModel);
  if (model_at == std::string_view::npos) return validationError("Unknown operation " + std::string(path));
  const auto rest = path.substr(model_at + kModel.size());
  const auto slash = rest.find('/');
  const auto operation = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (operation != "/converse" && operation != "/converse-stream") {
    return validationError("Unknown operation " + std::string(path));
  }
  chat.model = percentDecode(rest.substr(0, slash));
  chat.stream = operation == "/converse-stream";
  chat.include_usage = true;  // Bedrock always ends a stream with its metadata event

  if (!body.is_object()) return validationError("The request body must be a JSON object.");
  const auto& root = body.get_object();
  const auto* messages = root.if_contains("messages");
  if (messages == nullptr || messages->is_null()) {
    return validationError(
        "1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must "
        "not be null");
  }
  if (!messages->is_array()) return validationError("The messages field must be an array.");
  const auto& list = messages->get_array();
  if (list.empty()) return validationError(std::string(kStartWithUser));

  bool tool_blocks = false;
  ConversationTail tail;
  std::string_view previous_role;
  for (std::size_t m = 0; m < list.size(); ++m) {
    if (!list[m].is_object())
      return validationError("The message at messages." + std::to_string(m) + " is malformed.");
    const auto& message = list[m].get_object();
    const std::string_view role = stringAt(message, "role");
    if (role != "user" && role != "assistant") {
      return validationError(
          "1 validation error detected: Value '" + std::string(role) + "' at 'messages." +
          std::to_string(m + 1) +
          ".member.role' failed to satisfy constraint: Member must satisfy enum value set: "
          "[user, assistant]");
    }
    if (m == 0 && role != "user") return validationError(std::string(kStartWithUser));
    if (role == previous_role) return validationError(std::string(kAlternate));
    previous_role = role;
    const auto* content = message.if_contains("content");
    if (content == nullptr || !content->is_array() || content->get_array().empty()) {
      return validationError("The content field in the Message object at messages." + std::to_string(m) +
                             " is empty. Add a ContentBlock object to the content field and try again.");
    }
    auto blocks = readBlocks(content->get_array(), m);
    if (!blocks) return blocks.error();
    tool_blocks = tool_blocks || blocks->has_tool_use || blocks->has_tool_result;
    chat.prompt_tokens += countWords(blocks->text);
    if (role == "user") {
      chat.last_user_text = blocks->text;
      chat.last_turn_is_tool_result = blocks->has_tool_result;
      chat.tool_result_text = blocks->tool_result;
    }
    if (role != "user") {
      tail.assistant(blocks->text);
    } else if (blocks->has_tool_result) {
      tail.toolResult(blocks->tool_result);
    } else {
      tail.user(blocks->text);
    }
  }
  if (previous_role != "user") chat.last_turn_is_tool_result = false;
  tail.fill(chat);

  if (const auto* system = root.if_contains("system"); system != nullptr && system->is_array()) {
    for (const auto& block : system->get_array()) {
      if (block.is_object()) chat.prompt_tokens += countWords(stringAt(block.get_object(), "text"));
    }
  }
  if (const auto* config = objectAt(root, "inferenceConfig")) {
    if (const auto* max = config->if_contains("maxTokens")) {
      const auto value = max->is_int64()    ? max->get_int64()
                         : max->is_uint64() ? static_cast<std::int64_t>(max->get_uint64())
                                            : 0;
      if (value < 1) {
        return validationError(
            "1 validation error detected: Value '" + json::serialize(*max) +
            "' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have "
            "value greater than or equal to 1");
      }
      chat.max_tokens = static_cast<std::uint64_t>(value);
    }
  }
  const auto* tool_config = objectAt(root, "toolConfig");
  if (tool_blocks && tool_config == nullptr) return validationError(std::string(kToolConfigRequired));
  if (tool_config != nullptr) {
    if (const auto* tools = tool_config->if_contains("tools"); tools != nullptr && tools->is_array()) {
      for (const auto& tool : tools->get_array()) {
        if (!tool.is_object()) continue;
        if (const auto* spec = objectAt(tool.get_object(), "toolSpec")) {
          chat.first_tool_name = std::string(stringAt(*spec, "name"));
          break;
        }
      }
    }
  }
  return chat;
}

}  // namespace switchyard::sim::bedrock
