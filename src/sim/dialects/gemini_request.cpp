// Request validation of the simulator's Gemini dialect. Google's proto-JSON front end rejects
// unknown field names (camelCase or the proto's snake_case both accepted), so a codec that
// misspells a field fails here as it would against the real API.
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>
#include <optional>

#include "sim/conversation_tail.h"
#include "sim/dialects/gemini_wire.h"

namespace switchyard::sim::gemini {
namespace {

namespace json = boost::json;
using Result = boost::system::result<SimChat, SimError>;

constexpr std::string_view kModelsPrefix = "/v1beta/models/";

// "system_instruction" -> "systemInstruction": proto JSON accepts both spellings.
std::string camelCase(std::string_view key) {
  std::string out;
  bool upper = false;
  for (const char c : key) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    upper = false;
  }
  return out;
}

const json::value* member(const json::object& object, std::string_view camel) {
  for (const auto& entry : object) {
    if (camelCase(entry.key()) == camel) return &entry.value();
  }
  return nullptr;
}

std::optional<SimError> checkKeys(const json::object& object, std::initializer_list<std::string_view> known,
                                  std::string_view where) {
  for (const auto& entry : object) {
    const std::string key = camelCase(entry.key());
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string message =
          "Invalid JSON payload received. Unknown name \"" + std::string(entry.key()) + "\"";
      if (!where.empty()) message += " at '" + std::string(where) + "'";
      return invalidArgument(message + ": Cannot find field.");
    }
  }
  return std::nullopt;
}

std::uint64_t countWords(std::string_view text) {
  std::uint64_t count = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool blank = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (!blank && !in_word) ++count;
    in_word = !blank;
  }
  return count;
}

std::string fieldError(std::string_view field, std::string_view problem) {
  return "* GenerateContentRequest." + std::string(field) + ": " + std::string(problem) + "\n";
}

// What a function response says, for "Tool result: ...": its "content" (how the gateway wraps
// plain text), else "output" or "error", else the whole response object.
std::string toolResultText(const json::value& response) {
  if (const auto* object = response.if_object()) {
    for (const auto* key : {"content", "output", "error"}) {
      if (const auto* value = object->if_contains(key); value && value->is_string()) {
        return std::string(value->get_string());
      }
    }
  }
  return json::serialize(response);
}

struct TurnScan {
  std::string text;  // the turn's text parts, joined
  bool has_function_response = false;
  std::string function_response_text;
};

std::optional<SimError> scanPart(const json::value& value, const std::string& where, TurnScan& turn) {
  const auto* part = value.if_object();
  if (part == nullptr)
    return invalidArgument("Invalid value at '" + where +
                           "' (type.googleapis.com/google.ai.generativelanguage.v1beta.Part)");
  if (auto error = checkKeys(*part,
                             {"text", "inlineData", "fileData", "functionCall", "functionResponse", "thought",
                              "thoughtSignature", "executableCode", "codeExecutionResult", "videoMetadata",
                              "partMetadata", "mediaResolution"},
                             where)) {
    return error;
  }
  int data_fields = 0;
  for (const auto* key : {"text", "inlineData", "fileData", "functionCall", "functionResponse",
                          "executableCode", "codeExecutionResult"}) {
    if (member(*part, key) != nullptr) ++data_fields;
  }
  if (data_fields == 0)
    return invalidArgument(
        fieldError(where + ".data", "required oneof field 'data' must have one initialized field"));
  if (data_fields > 1)
    return invalidArgument("Invalid value at '" + where + "': oneof field 'data' is already set.");
  if (const auto* text = member(*part, "text")) {
    if (!text->is_string()) return invalidArgument("Invalid value at '" + where + ".text' (TYPE_STRING)");
    if (text->get_string().empty()) {
      return invalidArgument(
          "Unable to submit request because it has an empty text parameter. Add a value to the "
          "parameter and try again. Learn more: "
          "https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini");
    }
    if (!turn.text.empty()) turn.text.push_back(' ');
    turn.text.append(text->get_string());
  }
  if (const auto* call = member(*part, "functionCall")) {
    const auto* object = call->if_object();
    if (object == nullptr) return invalidArgument("Invalid value at '" + where + ".function_call'");
    if (auto error = checkKeys(*object, {"id", "name", "args"}, where + ".function_call")) return error;
    const auto* name = member(*object, "name");
    if (name == nullptr || !name->is_string() || name->get_string().empty()) {
      return invalidArgument(fieldError(where + ".function_call.name", "Name cannot be empty."));
    }
    if (const auto* args = member(*object, "args"); args != nullptr && !args->is_object()) {
      return invalidArgument("Invalid value at '" + where +
                             ".function_call.args' (type.googleapis.com/google.protobuf.Struct)");
    }
  }
  if (const auto* response = member(*part, "functionResponse")) {
    const auto* object = response->if_object();
    if (object == nullptr) return invalidArgument("Invalid value at '" + where + ".function_response'");
    if (auto error = checkKeys(*object, {"id", "name", "response", "parts", "willContinue", "scheduling"},
                               where + ".function_response")) {
      return error;
    }
    const auto* name = member(*object, "name");
    if (name == nullptr || !name->is_string() || name->get_string().empty()) {
      return invalidArgument(fieldError(where + ".function_response.name", "Name cannot be empty."));
    }
    const auto* result = member(*object, "response");
    if (result != nullptr && !result->is_object()) {
      return invalidArgument("Invalid value at '" + where +
                             ".function_response.response' (type.googleapis.com/google.protobuf.Struct)");
    }
    turn.has_function_response = true;
    turn.function_response_text = result != nullptr ? toolResultText(*result) : "{}";
  }
  if (const auto* inline_data = member(*part, "inlineData")) {
    const auto* object = inline_data->if_object();
    if (object == nullptr) return invalidArgument("Invalid value at '" + where + ".inline_data'");
    if (auto error = checkKeys(*object, {"mimeType", "data", "displayName"}, where + ".inline_data"))
      return error;
  }
  if (const auto* file_data = member(*part, "fileData")) {
    const auto* object = file_data->if_object();
    if (object == nullptr) return invalidArgument("Invalid value at '" + where + ".file_data'");
    if (auto error = checkKeys(*object, {"mimeType", "fileUri", "displayName"}, where + ".file_data"))
      return error;
  }
  return std::nullopt;
}

std::optional<SimError> scanContents(const json::object& body, SimChat& chat) {
  const auto* contents = member(body, "contents");
  if (contents == nullptr || (contents->is_array() && contents->get_array().empty())) {
    return invalidArgument(fieldError("contents", "contents is not specified"));
  }
  if (!contents->is_array()) {
    return invalidArgument(
        "Invalid value at 'contents' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content)");
  }
  const auto& turns = contents->get_array();
  ConversationTail tail;
  for (std::size_t i = 0; i < turns.size(); ++i) {
    const std::string where = "contents[" + std::to_string(i) + "]";
    const auto* content = turns[i].if_object();
    if (content == nullptr)
      return invalidArgument("Invalid value at '" + where +
                             "' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content)");
    if (auto error = checkKeys(*content, {"role", "parts"}, where)) return error;
    const auto* role = member(*content, "role");
    std::string_view role_name = "user";  // a single-turn request may leave the role out
    if (role != nullptr) {
      role_name = role->is_string() ? std::string_view(role->get_string()) : std::string_view("?");
      if (role_name != "user" && role_name != "model") {
        return invalidArgument("Please use a valid role: user, model.");
      }
    }
    const auto* parts = member(*content, "parts");
    if (parts == nullptr || !parts->is_array() || parts->get_array().empty()) {
      return invalidArgument(fieldError(where + ".parts", "contents.parts must not be empty."));
    }
    TurnScan turn;
    for (std::size_t p = 0; p < parts->get_array().size(); ++p) {
      const std::string part_where = where + ".parts[" + std::to_string(p) + "]";
      if (auto error = scanPart(parts->get_array()[p], part_where, turn)) return error;
    }
    chat.prompt_tokens += countWords(turn.text);
    if (role_name == "user") {
      chat.last_turn_is_tool_result = turn.has_function_response;
      chat.tool_result_text = turn.function_response_text;
      if (!turn.text.empty()) chat.last_user_text = turn.text;
    } else {
      chat.last_turn_is_tool_result = false;
    }
    if (role_name != "user") {
      tail.assistant(turn.text);
    } else if (turn.has_function_response) {
      tail.toolResult(turn.function_response_text);
    } else {
      tail.user(chat.last_user_text);
    }
  }
  tail.fill(chat);
  return std::nullopt;
}

std::optional<SimError> scanTools(const json::object& body, SimChat& chat) {
  const auto* tools = member(body, "tools");
  if (tools == nullptr) return std::nullopt;
  if (!tools->is_array())
    return invalidArgument(
        "Invalid value at 'tools' (type.googleapis.com/google.ai.generativelanguage.v1beta.Tool)");
  for (std::size_t t = 0; t < tools->get_array().size(); ++t) {
    const std::string where = "tools[" + std::to_string(t) + "]";
    const auto* tool = tools->get_array()[t].if_object();
    if (tool == nullptr) return invalidArgument("Invalid value at '" + where + "'");
    if (auto error = checkKeys(*tool,
                               {"functionDeclarations", "googleSearch", "googleSearchRetrieval",
                                "codeExecution", "urlContext", "computerUse", "fileSearch", "googleMaps"},
                               where)) {
      return error;
    }
    const auto* declarations = member(*tool, "functionDeclarations");
    if (declarations == nullptr || !declarations->is_array()) continue;
    for (std::size_t d = 0; d < declarations->get_array().size(); ++d) {
      const std::string declaration_where = where + ".function_declarations[" + std::to_string(d) + "]";
      const auto* declaration = declarations->get_array()[d].if_object();
      if (declaration == nullptr) return invalidArgument("Invalid value at '" + declaration_where + "'");
      if (auto error = checkKeys(*declaration,
                                 {"name", "description", "parameters", "parametersJsonSchema", "response",
                                  "responseJsonSchema", "behavior"},
                                 declaration_where)) {
        return error;
      }
      const auto* name = member(*declaration, "name");
      if (name == nullptr || !name->is_string() || name->get_string().empty()) {
        return invalidArgument(fieldError(declaration_where + ".name", "Name cannot be empty."));
      }
      if (member(*declaration, "parameters") != nullptr &&
          member(*declaration, "parametersJsonSchema") != nullptr) {
        return invalidArgument(
            fieldError(declaration_where, "parameters and parameters_json_schema are mutually exclusive."));
      }
      if (chat.first_tool_name.empty()) chat.first_tool_name = std::string(name->get_string());
    }
  }
  return std::nullopt;
}

// toolConfig.functionCallingConfig.mode NONE: the model answers in text even when offered tools.
std::optional<SimError> scanToolConfig(const json::object& body, SimChat& chat) {
  const auto* config = member(body, "toolConfig");
  if (config == nullptr || !config->is_object()) return std::nullopt;
  if (auto error =
          checkKeys(config->get_object(), {"functionCallingConfig", "retrievalConfig"}, "tool_config")) {
    return error;
  }
  const auto* calling = member(config->get_object(), "functionCallingConfig");
  if (calling == nullptr || !calling->is_object()) return std::nullopt;
  if (auto error =
          checkKeys(calling->get_object(), {"mode", "allowedFunctionNames", "streamFunctionCallArguments"},
                    "tool_config.function_calling_config")) {
    return error;
  }
  const auto* mode = member(calling->get_object(), "mode");
  if (mode == nullptr) return std::nullopt;
  const std::string_view name = mode->is_string() ? std::string_view(mode->get_string()) : std::string_view();
  if (name != "AUTO" && name != "ANY" && name != "NONE" && name != "VALIDATED" &&
      name != "MODE_UNSPECIFIED") {
    return invalidArgument(
        "Invalid value at 'tool_config.function_calling_config.mode' "
        "(type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), " +
        json::serialize(*mode));
  }
  if (name == "NONE") chat.first_tool_name.clear();
  return std::nullopt;
}

std::optional<SimError> scanGenerationConfig(const json::object& body, SimChat& chat) {
  const auto* config = member(body, "generationConfig");
  if (config == nullptr) return std::nullopt;
  if (!config->is_object()) return invalidArgument("Invalid value at 'generation_config'");
  const auto& object = config->get_object();
  if (auto error = checkKeys(object,
                             {"stopSequences",
                              "responseMimeType",
                              "responseSchema",
                              "responseJsonSchema",
                              "responseModalities",
                              "candidateCount",
                              "maxOutputTokens",
                              "temperature",
                              "topP",
                              "topK",
                              "seed",
                              "presencePenalty",
                              "frequencyPenalty",
                              "responseLogprobs",
                              "logprobs",
                              "enableEnhancedCivicAnswers",
                              "speechConfig",
                              "thinkingConfig",
                              "imageConfig",
                              "mediaResolution"},
                             "generation_config")) {
    return error;
  }
  if (const auto* max = member(object, "maxOutputTokens")) {
    if (max->is_int64() && max->get_int64() > 0)
      chat.max_tokens = static_cast<std::uint64_t>(max->get_int64());
    if (max->is_uint64()) chat.max_tokens = max->get_uint64();
    if (!max->is_number())
      return invalidArgument("Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32)");
  }
  if (const auto* stops = member(object, "stopSequences");
      stops && stops->is_array() && stops->get_array().size() > 5) {
    return invalidArgument("The maximum number of stop sequences is 5.");
  }
  return std::nullopt;
}

std::optional<SimError> scanSystemInstruction(const json::object& body, SimChat& chat) {
  const auto* system = member(body, "systemInstruction");
  if (system == nullptr) return std::nullopt;
  const auto* object = system->if_object();
  if (object == nullptr)
    return invalidArgument(
        "Invalid value at 'system_instruction' "
        "(type.googleapis.com/google.ai.generativelanguage.v1beta.Content)");
  if (auto error = checkKeys(*object, {"role", "parts"}, "system_instruction")) return error;
  TurnScan turn;
  if (const auto* parts = member(*object, "parts"); parts && parts->is_array()) {
    for (std::size_t p = 0; p < parts->get_array().size(); ++p) {
      if (auto error =
              scanPart(parts->get_array()[p], "system_instruction.parts[" + std::to_string(p) + "]", turn)) {
        return error;
      }
    }
  }
  chat.prompt_tokens += countWords(turn.text);
  return std::nullopt;
}

}  // namespace

Result parseRequest(const json::value& body, std::string_view path) {
  SimChat chat;
  if (!path.starts_with(kModelsPrefix)) return statusError(404, "");
  const auto rest = path.substr(kModelsPrefix.size());
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return statusError(404, "");
  chat.model = std::string(rest.substr(0, colon));
  const auto method = rest.substr(colon + 1);
  if (method != "generateContent" && method != "streamGenerateContent") return statusError(404, chat.model);
  chat.stream = method == "streamGenerateContent";

  const auto* object = body.if_object();
  if (object == nullptr) {
    return invalidArgument(
        "Invalid JSON payload received. Unknown name \"\": Root element must be a message.");
  }
  if (auto error = checkKeys(*object,
                             {"contents", "tools", "toolConfig", "safetySettings", "systemInstruction",
                              "generationConfig", "cachedContent", "model"},
                             "")) {
    return *error;
  }
  for (auto* scan : {scanContents, scanSystemInstruction, scanTools, scanToolConfig, scanGenerationConfig}) {
    if (auto error = scan(*object, chat)) return *error;
  }
  return chat;
}

}  // namespace switchyard::sim::gemini
