// POST /v1/messages body -> canonical request, validated the way the Messages API validates it and
// failing in its words ("messages.1.content.0.type: ...").
//
// Top-level fields, besides those read below:
//  - dropped harmlessly: `service_tier` (a priority hint), `container` (only used by server code
//    execution tools, which are refused), top-level `cache_control` (automatic prompt caching: an
//    optimisation), `thinking` (extended thinking is a reasoning-effort knob: the answer without
//    thinking blocks is still a complete, valid Message, and thinking blocks sent back in the
//    history are dropped too, so clients such as coding agents that always enable it keep working
//    through any target).
//  - 400 naming the field: `mcp_servers` and `context_management` (they change what the model sees
//    or does, which no other target can reproduce), and every field the API does not know, as the
//    API itself answers ("foo: Extra inputs are not permitted").
// Inside blocks, extra keys (cache_control, citations...) are ignored.
#include <algorithm>
#include <array>
#include <cstdint>
#include <boost/json.hpp>

#include "surfaces/anthropic/messages.h"

namespace switchyard::surfaces::anthropic {

namespace json = boost::json;
using canonical::Arena;
using canonical::ChatRequest;
using canonical::Error;
using canonical::Part;
using canonical::PartType;
using canonical::Role;

namespace {

bool isInteger(const json::value& value) { return value.is_int64() || value.is_uint64(); }

constexpr std::array<std::string_view, 4> kDroppedFields{"service_tier", "container", "cache_control",
                                                         "thinking"};
constexpr std::array<std::string_view, 14> kKnownFields{
    "model",       "max_tokens",  "system", "messages", "tools",    "tool_choice", "stop_sequences",
    "temperature", "top_p",       "top_k",  "stream",   "metadata", "mcp_servers", "context_management"};
constexpr std::string_view kContentTags =
    "'text', 'image', 'document', 'search_result', 'thinking', 'redacted_thinking', 'tool_use', "
    "'tool_result', 'server_tool_use', 'web_search_tool_result'";

// Builds dotted paths ("messages.1.content.0") on the arena.
class Path {
 public:
  explicit Path(std::string_view root) : text_(root) {}
  Path key(std::string_view name) const { return Path(text_ + "." + std::string(name)); }
  Path at(std::size_t index) const { return Path(text_ + "." + std::to_string(index)); }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

class Parser {
 public:
  Parser(Arena& arena, ChatRequest& out, bool needs_max_tokens = true)
      : arena_(arena), out_(out), needs_max_tokens_(needs_max_tokens) {}

  std::optional<Error> parse(const json::object& body);

 private:
  Error invalid(const Path& path, std::string_view what) const {
    const std::string message = path.str() + ": " + std::string(what);
    return Error{400, canonical::ErrorCategory::InvalidRequest, arena_.copy(message), arena_.copy(path.str()), {}};
  }
  Error required(const Path& path) const { return invalid(path, "Field required"); }

  std::optional<Error> readMaxTokens(const json::value& max_tokens) {
    if (!isInteger(max_tokens)) return invalid(Path("max_tokens"), "Input should be a valid integer");
    if (max_tokens.is_int64() && max_tokens.get_int64() < 1) {
      return invalid(Path("max_tokens"), "Input should be greater than or equal to 1");
    }
    out_.max_tokens = max_tokens.is_int64() ? max_tokens.get_int64()
                                            : INT64_MAX;  // beyond int64: no model gets near it
    return std::nullopt;
  }
  std::optional<Error> readTopLevelScalars(const json::object& body);
  std::optional<Error> readSystem(const json::value& system);
  std::optional<Error> readMessages(const json::value& messages);
  std::optional<Error> readBlock(const json::value& block, Role role, const Path& path);
  std::optional<Error> readImage(const json::object& block, const Path& path);
  std::optional<Error> readToolUse(const json::object& block, Role role, const Path& path);
  std::optional<Error> readToolResult(const json::object& block, Role role, const Path& path);
  std::optional<Error> readTools(const json::value& tools);
  std::optional<Error> readToolChoice(const json::value& choice);
  std::optional<Error> readString(const json::object& object, std::string_view key, const Path& path,
                                  std::string_view& out, bool needed);
  std::string_view nameOfCall(std::string_view id) const;

  Arena& arena_;
  ChatRequest& out_;
  bool needs_max_tokens_;
};


std::optional<double> numberOf(const json::value& value) {
  if (value.is_double()) return value.get_double();
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  return std::nullopt;
}

std::string_view view(const json::string& text) { return {text.data(), text.size()}; }

std::optional<Error> Parser::readString(const json::object& object, std::string_view key, const Path& path,
                                        std::string_view& out, bool needed) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) {
    if (needed) return required(path.key(key));
    return std::nullopt;
  }
  if (!value->is_string()) return invalid(path.key(key), "Input should be a valid string");
  out = view(value->get_string());
  return std::nullopt;
}

std::optional<Error> Parser::parse(const json::object& body) {
  for (const auto& member : body) {
    const std::string_view key = member.key();
    const bool known = std::find(kKnownFields.begin(), kKnownFields.end(), key) != kKnownFields.end();
    const bool dropped = std::find(kDroppedFields.begin(), kDroppedFields.end(), key) != kDroppedFields.end();
    if (!known && !dropped) return invalid(Path(key), "Extra inputs are not permitted");
  }
  for (std::string_view refused : {"mcp_servers", "context_management"}) {
    if (const auto* value = body.if_contains(refused); value != nullptr && !value->is_null()) {
      return invalid(Path(refused), "this gateway cannot carry this field to its targets");
    }
  }
  const auto* model = body.if_contains("model");
  if (model == nullptr) return required(Path("model"));
  if (!model->is_string()) return invalid(Path("model"), "Input should be a valid string");
  out_.model = view(model->get_string());

  const auto* max_tokens = body.if_contains("max_tokens");
  if (max_tokens == nullptr && !needs_max_tokens_) {
    // count_tokens: no answer is generated, so no limit is needed.
  } else if (max_tokens == nullptr) {
    return required(Path("max_tokens"));
  } else if (auto error = readMaxTokens(*max_tokens)) {
    return error;
  }

  const auto* messages = body.if_contains("messages");
  if (messages == nullptr) return required(Path("messages"));
  if (auto error = readMessages(*messages)) return error;
  if (const auto* system = body.if_contains("system"); system != nullptr && !system->is_null()) {
    if (auto error = readSystem(*system)) return error;
  }
  if (const auto* tools = body.if_contains("tools"); tools != nullptr && !tools->is_null()) {
    if (auto error = readTools(*tools)) return error;
  }
  if (const auto* choice = body.if_contains("tool_choice"); choice != nullptr && !choice->is_null()) {
    if (auto error = readToolChoice(*choice)) return error;
  }
  return readTopLevelScalars(body);
}

std::optional<Error> Parser::readTopLevelScalars(const json::object& body) {
  for (std::string_view key : {"temperature", "top_p"}) {
    const auto* value = body.if_contains(key);
    if (value == nullptr || value->is_null()) continue;
    const auto number = numberOf(*value);
    if (!number) return invalid(Path(key), "Input should be a valid number");
    if (*number < 0) return invalid(Path(key), "Input should be greater than or equal to 0");
    if (*number > 1) return invalid(Path(key), "Input should be less than or equal to 1");
    (key == "temperature" ? out_.temperature : out_.top_p) = *number;
  }
  if (const auto* top_k = body.if_contains("top_k"); top_k != nullptr && !top_k->is_null()) {
    if (!isInteger(*top_k)) return invalid(Path("top_k"), "Input should be a valid integer");
    if (top_k->is_int64() && top_k->get_int64() < 0) {
      return invalid(Path("top_k"), "Input should be greater than or equal to 0");
    }
    out_.top_k = top_k->is_int64() ? top_k->get_int64() : INT64_MAX;
  }
  if (const auto* stops = body.if_contains("stop_sequences"); stops != nullptr && !stops->is_null()) {
    if (!stops->is_array()) return invalid(Path("stop_sequences"), "Input should be a valid list");
    std::size_t index = 0;
    for (const auto& stop : stops->get_array()) {
      if (!stop.is_string()) return invalid(Path("stop_sequences").at(index), "Input should be a valid string");
      out_.stop.push_back(view(stop.get_string()));
      ++index;
    }
  }
  if (const auto* stream = body.if_contains("stream"); stream != nullptr && !stream->is_null()) {
    if (!stream->is_bool()) return invalid(Path("stream"), "Input should be a valid boolean");
    out_.stream = stream->get_bool();
  }
  if (const auto* metadata = body.if_contains("metadata"); metadata != nullptr && !metadata->is_null()) {
    if (!metadata->is_object()) return invalid(Path("metadata"), "Input should be a valid dictionary");
    const auto* user = metadata->get_object().if_contains("user_id");
    if (user != nullptr && !user->is_null()) {
      if (!user->is_string()) return invalid(Path("metadata.user_id"), "Input should be a valid string");
      out_.user = view(user->get_string());
    }
  }
  return std::nullopt;
}

std::optional<Error> Parser::readSystem(const json::value& system) {
  const Path path("system");
  if (system.is_string()) {
    if (!system.get_string().empty()) out_.system.push_back(view(system.get_string()));
    return std::nullopt;
  }
  if (!system.is_array()) return invalid(path, "Input should be a valid string or a list of text blocks");
  std::size_t index = 0;
  for (const auto& block : system.get_array()) {
    const Path at = path.at(index++);
    const auto* object = block.if_object();
    if (object == nullptr) return invalid(at, "Input should be a valid dictionary");
    const auto* type = object->if_contains("type");
    if (type == nullptr) return required(at.key("type"));
    if (!type->is_string() || type->get_string() != "text") {
      return invalid(at.key("type"), "Input should be 'text'");
    }
    std::string_view text;
    if (auto error = readString(*object, "text", at, text, true)) return error;
    out_.system.push_back(text);
  }
  return std::nullopt;
}

std::optional<Error> Parser::readMessages(const json::value& messages) {
  const Path path("messages");
  if (!messages.is_array()) return invalid(path, "Input should be a valid list");
  if (messages.get_array().empty()) return invalid(path, "at least one message is required");
  std::size_t index = 0;
  for (const auto& message : messages.get_array()) {
    const Path at = path.at(index++);
    const auto* object = message.if_object();
    if (object == nullptr) return invalid(at, "Input should be a valid dictionary");
    const auto* role_value = object->if_contains("role");
    if (role_value == nullptr) return required(at.key("role"));
    Role role = Role::User;
    if (role_value->is_string() && role_value->get_string() == "assistant") {
      role = Role::Assistant;
    } else if (!role_value->is_string() || role_value->get_string() != "user") {
      return invalid(at.key("role"), "Input should be 'user' or 'assistant'");
    }
    const auto* content = object->if_contains("content");
    if (content == nullptr) return required(at.key("content"));
    const std::size_t first_part = out_.parts.size();
    if (content->is_string()) {
      out_.parts.push_back(Part{.type = PartType::Text, .text = view(content->get_string())});
    } else if (content->is_array()) {
      std::size_t block_index = 0;
      for (const auto& block : content->get_array()) {
        if (auto error = readBlock(block, role, at.key("content").at(block_index++))) return error;
      }
    } else {
      return invalid(at.key("content"), "Input should be a valid string or a list of content blocks");
    }
    out_.addMessage(role, first_part);
  }
  return std::nullopt;
}

std::optional<Error> Parser::readBlock(const json::value& block, Role role, const Path& path) {
  const auto* object = block.if_object();
  if (object == nullptr) return invalid(path, "Input should be a valid dictionary");
  const auto* type_value = object->if_contains("type");
  if (type_value == nullptr || !type_value->is_string()) {
    return invalid(path, "Unable to extract tag using discriminator 'type'");
  }
  const std::string_view type = view(type_value->get_string());
  if (type == "text") {
    std::string_view text;
    if (auto error = readString(*object, "text", path, text, true)) return error;
    out_.parts.push_back(Part{.type = PartType::Text, .text = text});
    return std::nullopt;
  }
  if (type == "image") return readImage(*object, path);
  if (type == "tool_use") return readToolUse(*object, role, path);
  if (type == "tool_result") return readToolResult(*object, role, path);
  // Thinking blocks are the model's own scratchpad from an earlier turn: signed for Anthropic
  // only, meaningless to other targets, and optional to send back.
  if (type == "thinking" || type == "redacted_thinking") return std::nullopt;
  if (type == "document" || type == "search_result" || type == "server_tool_use" ||
      type == "web_search_tool_result" || type == "web_fetch_tool_result" ||
      type == "code_execution_tool_result" || type == "container_upload" || type == "mcp_tool_use" ||
      type == "mcp_tool_result") {
    return invalid(path.key("type"), "'" + std::string(type) +
                                         "' blocks cannot be translated by this gateway; send text, "
                                         "image, tool_use or tool_result blocks");
  }
  return invalid(path.key("type"), "Input tag '" + std::string(type) +
                                       "' found using 'type' does not match any of the expected tags: " +
                                       std::string(kContentTags));
}

std::optional<Error> Parser::readImage(const json::object& block, const Path& path) {
  const Path source_path = path.key("source");
  const auto* source = block.if_contains("source");
  if (source == nullptr) return required(source_path);
  if (!source->is_object()) return invalid(source_path, "Input should be a valid dictionary");
  const auto& object = source->get_object();
  std::string_view kind;
  if (auto error = readString(object, "type", source_path, kind, true)) return error;
  canonical::Image image;
  if (kind == "base64") {
    if (auto error = readString(object, "media_type", source_path, image.media_type, true)) return error;
    if (auto error = readString(object, "data", source_path, image.data, true)) return error;
  } else if (kind == "url") {
    if (auto error = readString(object, "url", source_path, image.url, true)) return error;
  } else if (kind == "file") {
    return invalid(source_path.key("type"),
                   "file sources cannot be translated by this gateway; send the image as base64 or url");
  } else {
    return invalid(source_path.key("type"), "Input tag '" + std::string(kind) +
                                                 "' found using 'type' does not match any of the "
                                                 "expected tags: 'base64', 'url', 'file'");
  }
  out_.parts.push_back(Part{.type = PartType::Image, .image = image});
  return std::nullopt;
}

std::optional<Error> Parser::readToolUse(const json::object& block, Role role, const Path& path) {
  if (role != Role::Assistant) return invalid(path, "tool_use blocks are only allowed in assistant messages");
  Part part{.type = PartType::ToolCall};
  if (auto error = readString(block, "id", path, part.id, true)) return error;
  if (auto error = readString(block, "name", path, part.name, true)) return error;
  const auto* input = block.if_contains("input");
  if (input == nullptr) return required(path.key("input"));
  if (!input->is_object()) return invalid(path.key("input"), "Input should be a valid dictionary");
  part.arguments = arena_.copy(json::serialize(*input));
  if (part.arguments.empty()) part.arguments = "{}";
  out_.parts.push_back(part);
  return std::nullopt;
}

std::string_view Parser::nameOfCall(std::string_view id) const {
  for (auto it = out_.parts.rbegin(); it != out_.parts.rend(); ++it) {
    if (it->type == PartType::ToolCall && it->id == id) return it->name;
  }
  return {};
}

std::optional<Error> Parser::readToolResult(const json::object& block, Role role, const Path& path) {
  if (role != Role::User) return invalid(path, "tool_result blocks are only allowed in user messages");
  Part part{.type = PartType::ToolResult};
  if (auto error = readString(block, "tool_use_id", path, part.id, true)) return error;
  part.name = nameOfCall(part.id);
  if (part.name.empty()) {
    return invalid(path, "unexpected `tool_use_id` found in `tool_result` blocks: " + std::string(part.id) +
                             ". Each `tool_result` block must have a corresponding `tool_use` block in "
                             "the previous message.");
  }
  if (const auto* is_error = block.if_contains("is_error"); is_error != nullptr && !is_error->is_null()) {
    if (!is_error->is_bool()) return invalid(path.key("is_error"), "Input should be a valid boolean");
    part.is_error = is_error->get_bool();
  }
  const auto* content = block.if_contains("content");
  if (content == nullptr || content->is_null()) {
    // no content: an empty result
  } else if (content->is_string()) {
    part.text = view(content->get_string());
  } else if (content->is_array()) {
    // Text blocks join with newlines; one block is used in place.
    std::pmr::string joined = arena_.string();
    std::size_t index = 0;
    std::size_t texts = 0;
    for (const auto& item : content->get_array()) {
      const Path at = path.key("content").at(index++);
      const auto* object = item.if_object();
      if (object == nullptr) return invalid(at, "Input should be a valid dictionary");
      const auto* type = object->if_contains("type");
      if (type == nullptr || !type->is_string() || type->get_string() != "text") {
        return invalid(at.key("type"),
                       "only text blocks can be translated inside a tool_result by this gateway");
      }
      std::string_view text;
      if (auto error = readString(*object, "text", at, text, true)) return error;
      if (texts++ > 0) joined.push_back('\n');
      joined.append(text);
      part.text = text;
    }
    if (texts > 1) part.text = arena_.copy(joined);
  } else {
    return invalid(path.key("content"), "Input should be a valid string or a list of content blocks");
  }
  out_.parts.push_back(part);
  return std::nullopt;
}

std::optional<Error> Parser::readTools(const json::value& tools) {
  const Path path("tools");
  if (!tools.is_array()) return invalid(path, "Input should be a valid list");
  std::size_t index = 0;
  for (const auto& tool : tools.get_array()) {
    const Path at = path.at(index++);
    const auto* object = tool.if_object();
    if (object == nullptr) return invalid(at, "Input should be a valid dictionary");
    if (const auto* type = object->if_contains("type"); type != nullptr && !type->is_null()) {
      if (!type->is_string() || type->get_string() != "custom") {
        const std::string name = type->is_string() ? std::string(view(type->get_string())) : "?";
        return invalid(at.key("type"), "server tool '" + name +
                                           "' cannot be translated by this gateway; only custom tools "
                                           "(name, description, input_schema) are supported");
      }
    }
    canonical::Tool out;
    if (auto error = readString(*object, "name", at, out.name, true)) return error;
    if (auto error = readString(*object, "description", at, out.description, false)) return error;
    const auto* schema = object->if_contains("input_schema");
    if (schema == nullptr) return required(at.key("input_schema"));
    if (!schema->is_object()) return invalid(at.key("input_schema"), "Input should be a valid dictionary");
    out.parameters = arena_.copy(json::serialize(*schema));
    out_.tools.push_back(out);
  }
  return std::nullopt;
}

std::optional<Error> Parser::readToolChoice(const json::value& choice) {
  const Path path("tool_choice");
  const auto* object = choice.if_object();
  if (object == nullptr) return invalid(path, "Input should be a valid dictionary");
  std::string_view type;
  if (auto error = readString(*object, "type", path, type, true)) return error;
  using canonical::ToolChoiceMode;
  if (type == "auto") {
    out_.tool_choice.mode = ToolChoiceMode::Auto;
  } else if (type == "any") {
    out_.tool_choice.mode = ToolChoiceMode::Required;
  } else if (type == "none") {
    out_.tool_choice.mode = ToolChoiceMode::None;
  } else if (type == "tool") {
    out_.tool_choice.mode = ToolChoiceMode::Named;
    if (auto error = readString(*object, "name", path, out_.tool_choice.name, true)) return error;
  } else {
    return invalid(path.key("type"), "Input tag '" + std::string(type) +
                                         "' found using 'type' does not match any of the expected tags: "
                                         "'auto', 'any', 'tool', 'none'");
  }
  const auto* disable = object->if_contains("disable_parallel_tool_use");
  if (disable != nullptr && !disable->is_null()) {
    if (!disable->is_bool()) return invalid(path.key("disable_parallel_tool_use"), "Input should be a valid boolean");
    if (disable->get_bool()) out_.parallel_tool_calls = false;
  }
  return std::nullopt;
}

}  // namespace

namespace {

std::optional<Error> parseRequest(std::string_view body, Arena& arena, ChatRequest& out, bool needs_max_tokens) {
  boost::system::error_code ec;
  const json::value* document = arena.parseJson(body, ec);
  if (document == nullptr) {
    const std::string message = "There was an issue with the body of your request: it is not valid JSON (" +
                                ec.message() + ")";
    return Error{400, canonical::ErrorCategory::InvalidRequest, arena.copy(message), {}, {}};
  }
  if (!document->is_object()) {
    return Error{400, canonical::ErrorCategory::InvalidRequest,
                 "Input should be a valid dictionary or object to extract fields from", {}, {}};
  }
  return Parser(arena, out, needs_max_tokens).parse(document->get_object());
}

}  // namespace

std::optional<Error> parseMessagesRequest(std::string_view body, Arena& arena, ChatRequest& out) {
  return parseRequest(body, arena, out, true);
}

std::optional<Error> parseCountTokensRequest(std::string_view body, Arena& arena, ChatRequest& out) {
  return parseRequest(body, arena, out, false);
}

}  // namespace switchyard::surfaces::anthropic
