// A chat-completions request read whole into canonical form (the translated path).
//
// Parameters with no equivalent at other providers are handled in one of two ways:
// - dropped harmlessly (they tune, bill or log, but do not change what a correct answer is):
//   seed, frequency_penalty, presence_penalty, logit_bias, service_tier, store, metadata,
//   prediction, reasoning_effort, web_search_options, verbosity, n (when 1), top_logprobs (when
//   logprobs is false), prompt_cache_key, safety_identifier, stream_options.include_obfuscation,
//   and any parameter this reader does not know (newer API fields should not break old routes);
// - refused with a 400 naming the parameter, because the client would silently get less than it
//   asked for: n > 1, logprobs: true, audio, modalities containing "audio", functions and
//   function_call (the deprecated pre-tools form), tools of a type other than "function".
#include <cmath>

#include "surfaces/openai/translate_parse.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "surfaces/openai/translate.h"

namespace switchyard::surfaces::openai {
namespace parse {
namespace {

namespace json = boost::json;

std::string_view typeName(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      return "a decimal";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

canonical::Error make(canonical::Arena& arena, std::string_view param, std::string_view message,
                      std::string_view code) {
  canonical::Error error;
  error.status = 400;
  error.category = canonical::ErrorCategory::InvalidRequest;
  error.message = arena.copy(message);
  error.param = arena.copy(param);
  error.code = code;
  return error;
}

}  // namespace

canonical::Error invalidType(canonical::Arena& arena, std::string_view param, std::string_view expected,
                             const json::value& got) {
  const std::string message = "Invalid type for '" + std::string(param) + "': expected " + std::string(expected) +
                              ", but got " + std::string(typeName(got)) + " instead.";
  return make(arena, param, message, "invalid_type");
}

canonical::Error invalidValue(canonical::Arena& arena, std::string_view param, std::string_view value,
                              std::string_view supported) {
  const std::string message =
      "Invalid value: '" + std::string(value) + "'. Supported values are: " + std::string(supported) + ".";
  return make(arena, param, message, "invalid_value");
}

canonical::Error missing(canonical::Arena& arena, std::string_view param) {
  return make(arena, param, "Missing required parameter: '" + std::string(param) + "'.", "missing_required_parameter");
}

canonical::Error unsupported(canonical::Arena& arena, std::string_view param, std::string_view why) {
  const std::string message = "Unsupported parameter: '" + std::string(param) + "': " + std::string(why) +
                              " (this route's provider does not speak OpenAI's API).";
  return make(arena, param, message, "unsupported_parameter");
}

canonical::Error invalid(canonical::Arena& arena, std::string_view param, std::string message, std::string_view code) {
  return make(arena, param, message, code);
}

}  // namespace parse

namespace {

namespace json = boost::json;
using canonical::Error;
using parse::view;

class ParamReader {
 public:
  ParamReader(const json::object& root, canonical::Arena& arena) : root_(root), arena_(arena) {}

  // The member, or null when absent or JSON null (OpenAI treats both alike).
  const json::value* get(std::string_view key) const {
    const auto* value = root_.if_contains(json::string_view(key.data(), key.size()));
    return value == nullptr || value->is_null() ? nullptr : value;
  }

  std::optional<Error> integer(std::string_view key, std::optional<std::int64_t>& out) const {
    const auto* value = get(key);
    if (value == nullptr) return std::nullopt;
    if (value->is_int64())
      out = value->get_int64();
    else if (value->is_uint64())
      out = static_cast<std::int64_t>(value->get_uint64());
    else
      return parse::invalidType(arena_, key, "an integer", *value);
    return std::nullopt;
  }

  std::optional<Error> number(std::string_view key, std::optional<double>& out) const {
    const auto* value = get(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number()) return parse::invalidType(arena_, key, "a number", *value);
    // 1e999999 parses as infinity, which no provider's JSON can carry: the client's to fix.
    const double number = value->to_number<double>();
    if (!std::isfinite(number)) return parse::invalidType(arena_, key, "a number within a double's range", *value);
    out = number;
    return std::nullopt;
  }

  std::optional<Error> boolean(std::string_view key, std::optional<bool>& out) const {
    const auto* value = get(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_bool()) return parse::invalidType(arena_, key, "a boolean", *value);
    out = value->get_bool();
    return std::nullopt;
  }

  std::optional<Error> string(std::string_view key, std::string_view& out) const {
    const auto* value = get(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) return parse::invalidType(arena_, key, "a string", *value);
    out = view(value->get_string());
    return std::nullopt;
  }

 private:
  const json::object& root_;
  canonical::Arena& arena_;
};

class RequestReader {
 public:
  RequestReader(const json::object& root, canonical::Arena& arena, canonical::ChatRequest& out)
      : root_(root), params_(root, arena), arena_(arena), out_(out) {}

  std::optional<Error> read() {
    const auto* model = root_.if_contains("model");
    if (model == nullptr || model->is_null()) return parse::missing(arena_, "model");
    if (!model->is_string()) return parse::invalidType(arena_, "model", "a string", *model);
    out_.model = view(model->get_string());
    const auto* messages = root_.if_contains("messages");
    if (messages == nullptr || messages->is_null()) return parse::missing(arena_, "messages");
    if (!messages->is_array()) return parse::invalidType(arena_, "messages", "an array", *messages);
    if (messages->get_array().empty()) {
      return parse::invalid(arena_, "messages",
                            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got "
                            "an empty array instead.",
                            "empty_array");
    }
    if (auto error = refuseUncarriable()) return error;
    if (auto error = parse::readMessages(messages->get_array(), arena_, out_)) return error;
    if (auto error = readSampling()) return error;
    if (auto error = readTools()) return error;
    if (auto error = readResponseFormat()) return error;
    return readStreaming();
  }

 private:
  std::optional<Error> refuseUncarriable() const {
    std::optional<std::int64_t> n;
    if (auto error = params_.integer("n", n)) return error;
    if (n && *n > 1) return parse::unsupported(arena_, "n", "only one choice (n: 1) can be generated");
    std::optional<bool> logprobs;
    if (auto error = params_.boolean("logprobs", logprobs)) return error;
    if (logprobs.value_or(false)) return parse::unsupported(arena_, "logprobs", "log probabilities are not available");
    if (params_.get("audio") != nullptr) return parse::unsupported(arena_, "audio", "audio output is not available");
    if (const auto* modalities = params_.get("modalities")) {
      if (!modalities->is_array()) return parse::invalidType(arena_, "modalities", "an array", *modalities);
      for (const auto& modality : modalities->get_array()) {
        if (modality.is_string() && modality.get_string() == "audio") {
          return parse::unsupported(arena_, "modalities", "audio output is not available");
        }
      }
    }
    if (params_.get("functions") != nullptr) {
      return parse::unsupported(arena_, "functions", "'functions' is deprecated; send 'tools' instead");
    }
    if (params_.get("function_call") != nullptr) {
      return parse::unsupported(arena_, "function_call", "'function_call' is deprecated; send 'tool_choice' instead");
    }
    return std::nullopt;
  }

  std::optional<Error> readSampling() {
    // max_completion_tokens replaced max_tokens; when both are sent the newer one wins.
    if (auto error = params_.integer("max_completion_tokens", out_.max_tokens)) return error;
    if (!out_.max_tokens) {
      if (auto error = params_.integer("max_tokens", out_.max_tokens)) return error;
    }
    if (auto error = params_.number("temperature", out_.temperature)) return error;
    if (auto error = params_.number("top_p", out_.top_p)) return error;
    if (auto error = params_.string("user", out_.user)) return error;
    const auto* stop = params_.get("stop");
    if (stop == nullptr) return std::nullopt;
    if (stop->is_string()) {
      out_.stop.push_back(view(stop->get_string()));
      return std::nullopt;
    }
    if (!stop->is_array()) return parse::invalidType(arena_, "stop", "one of a string or array of strings", *stop);
    const auto& list = stop->get_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string()) {
        return parse::invalidType(arena_, "stop[" + std::to_string(i) + "]", "a string", list[i]);
      }
      out_.stop.push_back(view(list[i].get_string()));
    }
    return std::nullopt;
  }

  std::optional<Error> readTools() {
    if (const auto* tools = params_.get("tools")) {
      if (!tools->is_array()) return parse::invalidType(arena_, "tools", "an array", *tools);
      const auto& list = tools->get_array();
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (auto error = readTool(list[i], "tools[" + std::to_string(i) + "]")) return error;
      }
    }
    if (auto error = params_.boolean("parallel_tool_calls", out_.parallel_tool_calls)) return error;
    const auto* choice = params_.get("tool_choice");
    if (choice == nullptr) return std::nullopt;
    if (choice->is_string()) {
      const auto mode = view(choice->get_string());
      if (mode == "none")
        out_.tool_choice.mode = canonical::ToolChoiceMode::None;
      else if (mode == "auto")
        out_.tool_choice.mode = canonical::ToolChoiceMode::Auto;
      else if (mode == "required")
        out_.tool_choice.mode = canonical::ToolChoiceMode::Required;
      else
        return parse::invalidValue(arena_, "tool_choice", mode, "'none', 'auto', and 'required'");
      return std::nullopt;
    }
    if (!choice->is_object()) return parse::invalidType(arena_, "tool_choice", "one of a string or object", *choice);
    const auto& named = choice->get_object();
    const auto* type = named.if_contains("type");
    if (type == nullptr) return parse::missing(arena_, "tool_choice.type");
    if (!type->is_string() || type->get_string() != "function") {
      // allowed_tools and custom choices select among tool kinds no other provider has.
      return type->is_string() ? parse::invalidValue(arena_, "tool_choice.type", view(type->get_string()), "'function'")
                               : parse::invalidType(arena_, "tool_choice.type", "a string", *type);
    }
    const auto* function = named.if_contains("function");
    if (function == nullptr) return parse::missing(arena_, "tool_choice.function");
    if (!function->is_object()) return parse::invalidType(arena_, "tool_choice.function", "an object", *function);
    const auto* name = function->get_object().if_contains("name");
    if (name == nullptr) return parse::missing(arena_, "tool_choice.function.name");
    if (!name->is_string()) return parse::invalidType(arena_, "tool_choice.function.name", "a string", *name);
    out_.tool_choice.mode = canonical::ToolChoiceMode::Named;
    out_.tool_choice.name = view(name->get_string());
    return std::nullopt;
  }

  // function.strict is dropped: no other provider enforces a schema on arguments.
  std::optional<Error> readTool(const json::value& value, const std::string& param) {
    const auto* tool = value.if_object();
    if (tool == nullptr) return parse::invalidType(arena_, param, "an object", value);
    const auto* type = tool->if_contains("type");
    if (type == nullptr) return parse::missing(arena_, param + ".type");
    if (!type->is_string()) return parse::invalidType(arena_, param + ".type", "a string", *type);
    if (type->get_string() != "function") {
      return parse::unsupported(arena_, param + ".type", "only 'function' tools can be carried");
    }
    const auto* function = tool->if_contains("function");
    if (function == nullptr) return parse::missing(arena_, param + ".function");
    if (!function->is_object()) return parse::invalidType(arena_, param + ".function", "an object", *function);
    const auto& fields = function->get_object();
    canonical::Tool out;
    const auto* name = fields.if_contains("name");
    if (name == nullptr) return parse::missing(arena_, param + ".function.name");
    if (!name->is_string()) return parse::invalidType(arena_, param + ".function.name", "a string", *name);
    out.name = view(name->get_string());
    if (const auto* description = fields.if_contains("description"); description && !description->is_null()) {
      if (!description->is_string()) {
        return parse::invalidType(arena_, param + ".function.description", "a string", *description);
      }
      out.description = view(description->get_string());
    }
    const auto* parameters = fields.if_contains("parameters");
    if (parameters == nullptr || parameters->is_null()) {
      out.parameters = R"({"type":"object","properties":{}})";  // what OpenAI assumes
    } else if (!parameters->is_object()) {
      return parse::invalidType(arena_, param + ".function.parameters", "an object", *parameters);
    } else {
      out.parameters = arena_.copy(json::serialize(*parameters));
    }
    out_.tools.push_back(out);
    return std::nullopt;
  }

  std::optional<Error> readResponseFormat() {
    const auto* format = params_.get("response_format");
    if (format == nullptr) return std::nullopt;
    if (!format->is_object()) return parse::invalidType(arena_, "response_format", "an object", *format);
    const auto& fields = format->get_object();
    const auto* type = fields.if_contains("type");
    if (type == nullptr) return parse::missing(arena_, "response_format.type");
    if (!type->is_string()) return parse::invalidType(arena_, "response_format.type", "a string", *type);
    const auto name = view(type->get_string());
    if (name == "text") return std::nullopt;
    if (name == "json_object") {
      out_.response_format = canonical::ResponseFormat::JsonObject;
      return std::nullopt;
    }
    if (name != "json_schema") {
      return parse::invalidValue(arena_, "response_format.type", name, "'text', 'json_object', and 'json_schema'");
    }
    // json_schema.strict and .description are dropped: the schema itself is carried.
    const auto* schema = fields.if_contains("json_schema");
    if (schema == nullptr) return parse::missing(arena_, "response_format.json_schema");
    if (!schema->is_object()) return parse::invalidType(arena_, "response_format.json_schema", "an object", *schema);
    const auto& inner = schema->get_object();
    const auto* schema_name = inner.if_contains("name");
    if (schema_name == nullptr) return parse::missing(arena_, "response_format.json_schema.name");
    if (!schema_name->is_string()) {
      return parse::invalidType(arena_, "response_format.json_schema.name", "a string", *schema_name);
    }
    out_.response_format = canonical::ResponseFormat::JsonSchema;
    out_.response_schema_name = view(schema_name->get_string());
    const auto* body = inner.if_contains("schema");
    if (body == nullptr || body->is_null()) {
      out_.response_schema = R"({"type":"object"})";
    } else if (!body->is_object()) {
      return parse::invalidType(arena_, "response_format.json_schema.schema", "an object", *body);
    } else {
      out_.response_schema = arena_.copy(json::serialize(*body));
    }
    return std::nullopt;
  }

  std::optional<Error> readStreaming() {
    std::optional<bool> stream;
    if (auto error = params_.boolean("stream", stream)) return error;
    out_.stream = stream.value_or(false);
    const auto* options = params_.get("stream_options");
    if (options == nullptr) return std::nullopt;
    if (!options->is_object()) return parse::invalidType(arena_, "stream_options", "an object", *options);
    if (const auto* usage = options->get_object().if_contains("include_usage"); usage && !usage->is_null()) {
      if (!usage->is_bool()) return parse::invalidType(arena_, "stream_options.include_usage", "a boolean", *usage);
      out_.include_usage = usage->get_bool();
    }
    return std::nullopt;
  }

  const json::object& root_;
  ParamReader params_;
  canonical::Arena& arena_;
  canonical::ChatRequest& out_;
};

}  // namespace

std::optional<canonical::Error> parseChatCompletion(std::string_view body, canonical::Arena& arena,
                                                    canonical::ChatRequest& out) {
  boost::system::error_code ec;
  const auto* root = arena.parseJson(body, ec);
  if (root == nullptr) {
    return parse::invalid(arena, "",
                          "We could not parse the JSON body of your request: " + ec.message() +
                              ". (HINT: send a JSON object with 'model' and 'messages'.)",
                          "");
  }
  if (!root->is_object()) {
    return parse::invalid(arena, "", "The request body must be a JSON object.", "");
  }
  return RequestReader(root->get_object(), arena, out).read();
}

}  // namespace switchyard::surfaces::openai
