// The conversation of a chat-completions request, read into canonical turns.
//
// How OpenAI's roles map:
// - system and developer messages, wherever they stand (even mid-conversation), become
//   request.system blocks in order, one block per text part: every other provider keeps system text
//   apart from the turns, so a mid-conversation instruction moves to the front.
// - user messages become User turns (text and image parts).
// - assistant messages become Assistant turns: their text, then one ToolCall part per tool call.
//   Refusal text and parts are dropped (they record an earlier refusal, not an instruction). An
//   assistant message with neither text nor tool calls adds no turn.
// - tool messages become ToolResult parts of a User turn; consecutive tool messages share one turn.
//   The result's name comes from the earlier assistant call with the same id (Gemini needs it).
// - function messages and function_call (the API's pre-tools form) are refused with a 400.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "surfaces/openai/translate_parse.h"

namespace switchyard::surfaces::openai::parse {
namespace {

namespace json = boost::json;
using canonical::Error;
using canonical::Part;
using canonical::PartType;
using canonical::Role;

std::string indexed(std::string_view base, std::size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

class MessageReader {
 public:
  MessageReader(canonical::Arena& arena, canonical::ChatRequest& out) : arena_(arena), out_(out) {}

  std::optional<Error> read(const json::array& messages) {
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const std::string param = indexed("messages", i);
      const auto* message = messages[i].if_object();
      if (message == nullptr) return invalidType(arena_, param, "an object", messages[i]);
      const auto* role = message->if_contains("role");
      if (role == nullptr) return missing(arena_, param + ".role");
      if (!role->is_string()) return invalidType(arena_, param + ".role", "a string", *role);
      const std::string_view name = view(role->get_string());
      std::optional<Error> error;
      const bool was_tool = last_was_tool_;
      last_was_tool_ = false;
      if (name == "system" || name == "developer")
        error = readSystem(*message, param);
      else if (name == "user")
        error = readUser(*message, param);
      else if (name == "assistant")
        error = readAssistant(*message, param);
      else if (name == "tool")
        error = readTool(*message, param, was_tool);
      else if (name == "function") {
        return unsupported(arena_, param + ".role",
                           "'function' messages are deprecated; send tool calls and 'tool' messages");
      } else {
        return invalidValue(arena_, param + ".role", name,
                            "'system', 'assistant', 'user', 'function', 'tool', and 'developer'");
      }
      if (error) return error;
    }
    return std::nullopt;
  }

 private:
  const json::value* content(const json::object& message, const std::string& param, bool required,
                             std::optional<Error>& error) {
    const auto* value = message.if_contains("content");
    if ((value == nullptr || value->is_null()) && required) error = missing(arena_, param + ".content");
    return value;
  }

  // Text of a string or of text parts (each part's text appended to `texts`). Other part types are
  // refused: system and tool content is text only.
  std::optional<Error> readTextOnly(const json::value& value, const std::string& param,
                                    canonical::Vec<std::string_view>& texts) {
    if (value.is_string()) {
      texts.push_back(view(value.get_string()));
      return std::nullopt;
    }
    const auto* parts = value.if_array();
    if (parts == nullptr) return invalidType(arena_, param, "one of a string or array of objects", value);
    for (std::size_t j = 0; j < parts->size(); ++j) {
      const std::string part_param = indexed(param, j);
      const json::object* part = nullptr;
      std::string_view type;
      if (auto error = partType((*parts)[j], part_param, part, type)) return error;
      if (type != "text") return invalidValue(arena_, part_param + ".type", type, "'text'");
      std::string_view text;
      if (auto error = partText(*part, part_param, text)) return error;
      texts.push_back(text);
    }
    return std::nullopt;
  }

  std::optional<Error> partType(const json::value& value, const std::string& param, const json::object*& part,
                                std::string_view& type) {
    part = value.if_object();
    if (part == nullptr) return invalidType(arena_, param, "an object", value);
    const auto* field = part->if_contains("type");
    if (field == nullptr) return missing(arena_, param + ".type");
    if (!field->is_string()) return invalidType(arena_, param + ".type", "a string", *field);
    type = view(field->get_string());
    return std::nullopt;
  }

  std::optional<Error> partText(const json::object& part, const std::string& param, std::string_view& text) {
    const auto* field = part.if_contains("text");
    if (field == nullptr) return missing(arena_, param + ".text");
    if (!field->is_string()) return invalidType(arena_, param + ".text", "a string", *field);
    text = view(field->get_string());
    return std::nullopt;
  }

  std::optional<Error> readSystem(const json::object& message, const std::string& param) {
    std::optional<Error> error;
    const auto* value = content(message, param, true, error);
    if (error) return error;
    return readTextOnly(*value, param + ".content", out_.system);
  }

  std::optional<Error> readUser(const json::object& message, const std::string& param) {
    std::optional<Error> error;
    const auto* value = content(message, param, true, error);
    if (error) return error;
    const std::size_t first = out_.parts.size();
    const std::string content_param = param + ".content";
    if (value->is_string()) {
      out_.parts.push_back(textPart(view(value->get_string())));
    } else if (const auto* parts = value->if_array()) {
      for (std::size_t j = 0; j < parts->size(); ++j) {
        if (auto part_error = readUserPart((*parts)[j], indexed(content_param, j))) return part_error;
      }
    } else {
      return invalidType(arena_, content_param, "one of a string or array of objects", *value);
    }
    out_.addMessage(Role::User, first);
    return std::nullopt;
  }

  std::optional<Error> readUserPart(const json::value& value, const std::string& param) {
    const json::object* part = nullptr;
    std::string_view type;
    if (auto error = partType(value, param, part, type)) return error;
    if (type == "text") {
      std::string_view text;
      if (auto error = partText(*part, param, text)) return error;
      out_.parts.push_back(textPart(text));
      return std::nullopt;
    }
    if (type == "image_url") return readImage(*part, param);
    if (type == "input_audio" || type == "file") {
      return unsupported(arena_, param + ".type",
                         "'" + std::string(type) + "' content parts cannot be carried to this route's provider");
    }
    return invalidValue(arena_, param + ".type", type, "'text', 'image_url', 'input_audio', and 'file'");
  }

  // image_url.detail has no equivalent elsewhere and is dropped.
  std::optional<Error> readImage(const json::object& part, const std::string& param) {
    const std::string image_param = param + ".image_url";
    const auto* image = part.if_contains("image_url");
    if (image == nullptr) return missing(arena_, image_param);
    if (!image->is_object()) return invalidType(arena_, image_param, "an object", *image);
    const auto* url_value = image->get_object().if_contains("url");
    if (url_value == nullptr) return missing(arena_, image_param + ".url");
    if (!url_value->is_string()) return invalidType(arena_, image_param + ".url", "a string", *url_value);
    const std::string_view url = view(url_value->get_string());
    Part out;
    out.type = PartType::Image;
    if (url.starts_with("data:")) {
      // data:<media type>;base64,<data>: the only inline form OpenAI accepts.
      constexpr std::string_view kMarker = ";base64,";
      const auto marker = url.find(kMarker);
      if (marker == std::string_view::npos || marker == 5) {
        return invalid(arena_, image_param + ".url",
                       "Invalid image URL: a data URL must have the form 'data:<media type>;base64,<data>'.",
                       "invalid_image_url");
      }
      out.image.media_type = url.substr(5, marker - 5);
      out.image.data = url.substr(marker + kMarker.size());
    } else {
      out.image.url = url;
    }
    out_.parts.push_back(out);
    return std::nullopt;
  }

  std::optional<Error> readAssistant(const json::object& message, const std::string& param) {
    if (const auto* call = message.if_contains("function_call"); call != nullptr && !call->is_null()) {
      return unsupported(arena_, param + ".function_call", "'function_call' is deprecated; send 'tool_calls' instead");
    }
    const std::size_t first = out_.parts.size();
    std::optional<Error> error;
    const auto* value = content(message, param, false, error);
    const std::string content_param = param + ".content";
    if (value == nullptr || value->is_null()) {
      // Only tool calls.
    } else if (value->is_string()) {
      if (!value->get_string().empty()) out_.parts.push_back(textPart(view(value->get_string())));
    } else if (const auto* parts = value->if_array()) {
      for (std::size_t j = 0; j < parts->size(); ++j) {
        const std::string part_param = indexed(content_param, j);
        const json::object* part = nullptr;
        std::string_view type;
        if (auto part_error = partType((*parts)[j], part_param, part, type)) return part_error;
        if (type == "refusal") continue;
        if (type != "text") return invalidValue(arena_, part_param + ".type", type, "'text' and 'refusal'");
        std::string_view text;
        if (auto text_error = partText(*part, part_param, text)) return text_error;
        out_.parts.push_back(textPart(text));
      }
    } else {
      return invalidType(arena_, content_param, "one of a string or array of objects", *value);
    }
    if (const auto* calls = message.if_contains("tool_calls"); calls != nullptr && !calls->is_null()) {
      if (!calls->is_array()) return invalidType(arena_, param + ".tool_calls", "an array", *calls);
      const auto& list = calls->get_array();
      for (std::size_t j = 0; j < list.size(); ++j) {
        if (auto call_error = readToolCall(list[j], indexed(param + ".tool_calls", j))) return call_error;
      }
    }
    if (out_.parts.size() > first) out_.addMessage(Role::Assistant, first);
    return std::nullopt;
  }

  std::optional<Error> readToolCall(const json::value& value, const std::string& param) {
    const auto* call = value.if_object();
    if (call == nullptr) return invalidType(arena_, param, "an object", value);
    Part part;
    part.type = PartType::ToolCall;
    const auto* id = call->if_contains("id");
    if (id == nullptr) return missing(arena_, param + ".id");
    if (!id->is_string()) return invalidType(arena_, param + ".id", "a string", *id);
    part.id = view(id->get_string());
    if (const auto* type = call->if_contains("type"); type != nullptr) {
      if (!type->is_string()) return invalidType(arena_, param + ".type", "a string", *type);
      if (type->get_string() != "function") {
        return invalidValue(arena_, param + ".type", view(type->get_string()), "'function'");
      }
    }
    const auto* function = call->if_contains("function");
    if (function == nullptr) return missing(arena_, param + ".function");
    if (!function->is_object()) return invalidType(arena_, param + ".function", "an object", *function);
    const auto& fields = function->get_object();
    const auto* name = fields.if_contains("name");
    if (name == nullptr) return missing(arena_, param + ".function.name");
    if (!name->is_string()) return invalidType(arena_, param + ".function.name", "a string", *name);
    part.name = view(name->get_string());
    const auto* arguments = fields.if_contains("arguments");
    if (arguments == nullptr) return missing(arena_, param + ".function.arguments");
    if (!arguments->is_string()) {
      return invalidType(arena_, param + ".function.arguments", "a string", *arguments);
    }
    part.arguments = view(arguments->get_string());
    if (part.arguments.empty()) part.arguments = "{}";
    out_.parts.push_back(part);
    return std::nullopt;
  }

  std::optional<Error> readTool(const json::object& message, const std::string& param, bool was_tool) {
    const auto* id = message.if_contains("tool_call_id");
    if (id == nullptr) return missing(arena_, param + ".tool_call_id");
    if (!id->is_string()) return invalidType(arena_, param + ".tool_call_id", "a string", *id);
    std::optional<Error> error;
    const auto* value = content(message, param, true, error);
    if (error) return error;
    auto texts = arena_.vec<std::string_view>();
    if (auto text_error = readTextOnly(*value, param + ".content", texts)) return text_error;
    Part part;
    part.type = PartType::ToolResult;
    part.id = view(id->get_string());
    part.text = joined(texts);
    part.name = callName(part.id);
    const std::size_t first = out_.parts.size();
    out_.parts.push_back(part);
    if (was_tool && !out_.messages.empty())
      ++out_.messages.back().count;
    else
      out_.addMessage(Role::User, first);
    last_was_tool_ = true;
    return std::nullopt;
  }

  // A tool message's text parts, concatenated as OpenAI concatenates them.
  std::string_view joined(const canonical::Vec<std::string_view>& texts) {
    if (texts.size() == 1) return texts.front();
    std::string all;
    for (const auto text : texts) all.append(text);
    return arena_.copy(all);
  }

  std::string_view callName(std::string_view id) const {
    for (auto part = out_.parts.rbegin(); part != out_.parts.rend(); ++part) {
      if (part->type == PartType::ToolCall && part->id == id) return part->name;
    }
    return {};
  }

  static Part textPart(std::string_view text) {
    Part part;
    part.text = text;
    return part;
  }

  canonical::Arena& arena_;
  canonical::ChatRequest& out_;
  bool last_was_tool_ = false;
};

}  // namespace

std::optional<Error> readMessages(const json::array& messages, canonical::Arena& arena, canonical::ChatRequest& out) {
  return MessageReader(arena, out).read(messages);
}

}  // namespace switchyard::surfaces::openai::parse
