#include "providers/gemini/request_body.h"

#include <boost/json/value.hpp>
#include <string_view>

#include "canonical/json_writer.h"

namespace switchyard::providers::gemini {
namespace {

using canonical::appendQuoted;
using canonical::Error;

// Gemini 3 rejects a history whose model turns call functions without the thought signature the
// model attached; a conversation that began elsewhere (another provider, another gateway target)
// has none. Google's thought-signatures guide documents this value for exactly that case.
constexpr std::string_view kForeignThoughtSignature = "skip_thought_signature_validator";

Error invalid(canonical::Arena& arena, std::string_view message, std::string_view param) {
  Error error;
  error.message = arena.copy(message);
  error.param = arena.copy(param);
  return error;
}

std::string messageParam(std::size_t index) { return "messages[" + std::to_string(index) + "]"; }

// True when `text` parses as a JSON object (Gemini's args, response and schemas must be objects).
bool isJsonObject(std::string_view text, canonical::Arena& arena) {
  boost::system::error_code ec;
  const auto* value = arena.parseJson(text, ec);
  return value != nullptr && value->is_object();
}

// MIME type for an image URL from its extension; empty when unknown (Gemini then sniffs it).
std::string_view mimeTypeForUrl(std::string_view url) {
  const auto end = url.find_first_of("?#");
  const auto path = url.substr(0, end);
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return {};
  std::string extension;
  for (const char c : path.substr(dot + 1)) extension.push_back(static_cast<char>(c | 0x20));
  if (extension == "png") return "image/png";
  if (extension == "jpg" || extension == "jpeg") return "image/jpeg";
  if (extension == "webp") return "image/webp";
  if (extension == "gif") return "image/gif";
  if (extension == "heic") return "image/heic";
  if (extension == "heif") return "image/heif";
  return {};
}

void appendInlineData(std::string& out, std::string_view mime_type, std::string_view data) {
  out.append(R"({"inlineData":{"mimeType":)");
  appendQuoted(out, mime_type);
  out.append(R"(,"data":)");
  appendQuoted(out, data);
  out.append("}}");
}

std::optional<Error> appendImage(const canonical::Image& image, std::size_t message, canonical::Arena& arena,
                                 std::string& out) {
  if (image.url.empty()) {
    appendInlineData(out, image.media_type, image.data);
    return std::nullopt;
  }
  constexpr std::string_view kDataPrefix = "data:";
  constexpr std::string_view kBase64Marker = ";base64,";
  if (image.url.starts_with(kDataPrefix)) {
    const auto marker = image.url.find(kBase64Marker);
    if (marker == std::string_view::npos) {
      return invalid(arena, "Gemini takes data: image URLs only in base64",
                     messageParam(message) + ".content");
    }
    appendInlineData(out, image.url.substr(kDataPrefix.size(), marker - kDataPrefix.size()),
                     image.url.substr(marker + kBase64Marker.size()));
    return std::nullopt;
  }
  // Since January 2026 the Gemini API fetches public and signed http(s) URLs itself (fileData), as
  // it always did for gs:// objects and Files API URIs.
  const bool fetchable =
      image.url.starts_with("https://") || image.url.starts_with("http://") || image.url.starts_with("gs://");
  if (!fetchable) {
    return invalid(arena, "Gemini cannot fetch the image URL '" + std::string(image.url.substr(0, 64)) + "'",
                   messageParam(message) + ".content");
  }
  out.append(R"({"fileData":{)");
  if (const auto mime_type = mimeTypeForUrl(image.url); !mime_type.empty()) {
    out.append(R"("mimeType":)");
    appendQuoted(out, mime_type);
    out.push_back(',');
  }
  out.append(R"("fileUri":)");
  appendQuoted(out, image.url);
  out.append("}}");
  return std::nullopt;
}

std::optional<Error> appendFunctionCall(const canonical::Part& part, bool first_call, std::size_t message,
                                        canonical::Arena& arena, std::string& out) {
  const std::string_view args = part.arguments.empty() ? std::string_view("{}") : part.arguments;
  if (!isJsonObject(args, arena)) {
    return invalid(arena, "tool call arguments must be a JSON object for Gemini",
                   messageParam(message) + ".tool_calls");
  }
  out.append(R"({"functionCall":{)");
  if (!part.id.empty()) {
    out.append(R"("id":)");
    appendQuoted(out, part.id);
    out.push_back(',');
  }
  out.append(R"("name":)");
  appendQuoted(out, part.name);
  out.append(R"(,"args":)");
  out.append(args);
  out.push_back('}');
  if (first_call) {  // Gemini puts the signature on the first call of a (parallel) step only
    out.append(R"(,"thoughtSignature":)");
    appendQuoted(out, kForeignThoughtSignature);
  }
  out.push_back('}');
  return std::nullopt;
}

// functionResponse.response must be an object: a result that is one goes in as it is; other text is
// wrapped, under "error" for a failed call (the key Gemini documents for error details).
std::optional<Error> appendFunctionResponse(const canonical::Part& part, std::size_t message,
                                            canonical::Arena& arena, std::string& out) {
  if (part.name.empty()) {
    return invalid(arena,
                   "Gemini needs the function name of every tool result; no earlier tool call has the id '" +
                       std::string(part.id) + "'",
                   messageParam(message) + ".tool_call_id");
  }
  out.append(R"({"functionResponse":{)");
  if (!part.id.empty()) {
    out.append(R"("id":)");
    appendQuoted(out, part.id);
    out.push_back(',');
  }
  out.append(R"("name":)");
  appendQuoted(out, part.name);
  out.append(R"(,"response":)");
  if (!part.is_error && isJsonObject(part.text, arena)) {
    out.append(part.text);
  } else {
    out.append(part.is_error ? R"({"error":)" : R"({"content":)");
    appendQuoted(out, part.text);
    out.push_back('}');
  }
  out.append("}}");
  return std::nullopt;
}

// True when the part becomes a Gemini part (empty text is rejected by Gemini, so it is dropped).
bool emitsPart(const canonical::Part& part) {
  return part.type != canonical::PartType::Text || !part.text.empty();
}

// contents: one Content per run of same-role turns (Gemini wants user and model to alternate).
std::optional<Error> appendContents(const canonical::ChatRequest& request, canonical::Arena& arena,
                                    std::string& out) {
  out.append(R"("contents":[)");
  bool open = false;
  bool any_part = false;  // in the open Content
  bool called = false;    // the open Content has a functionCall already
  canonical::Role open_role = canonical::Role::User;
  for (std::size_t m = 0; m < request.messages.size(); ++m) {
    const auto& message = request.messages[m];
    for (std::uint32_t i = 0; i < message.count; ++i) {
      const auto& part = request.parts[message.first + i];
      if (!emitsPart(part)) continue;
      if (!open || open_role != message.role) {
        if (open) out.append("]},");
        out.append(message.role == canonical::Role::User ? R"({"role":"user","parts":[)"
                                                         : R"({"role":"model","parts":[)");
        open = true;
        open_role = message.role;
        any_part = false;
        called = false;
      }
      if (any_part) out.push_back(',');
      any_part = true;
      std::optional<Error> error;
      switch (part.type) {
        case canonical::PartType::Text:
          out.append(R"({"text":)");
          appendQuoted(out, part.text);
          out.push_back('}');
          break;
        case canonical::PartType::Image:
          error = appendImage(part.image, m, arena, out);
          break;
        case canonical::PartType::ToolCall:
          error = appendFunctionCall(part, !called, m, arena, out);
          called = true;
          break;
        case canonical::PartType::ToolResult:
          error = appendFunctionResponse(part, m, arena, out);
          break;
      }
      if (error) return error;
    }
  }
  if (!open)
    return invalid(arena, "Gemini needs at least one user or assistant message with content", "messages");
  out.append("]}]");
  return std::nullopt;
}

std::optional<Error> appendTools(const canonical::ChatRequest& request, canonical::Arena& arena,
                                 std::string& out) {
  // parametersJsonSchema takes full JSON Schema ("parameters" only an OpenAPI subset that rejects
  // additionalProperties, $schema...), so client schemas pass through untouched.
  out.append(R"(,"tools":[{"functionDeclarations":[)");
  for (std::size_t t = 0; t < request.tools.size(); ++t) {
    const auto& tool = request.tools[t];
    if (t > 0) out.push_back(',');
    out.append(R"({"name":)");
    appendQuoted(out, tool.name);
    if (!tool.description.empty()) {
      out.append(R"(,"description":)");
      appendQuoted(out, tool.description);
    }
    const std::string_view schema =
        tool.parameters.empty() ? std::string_view(R"({"type":"object"})") : tool.parameters;
    if (!isJsonObject(schema, arena)) {
      return invalid(arena, "tool parameters must be a JSON Schema object",
                     "tools[" + std::to_string(t) + "].function.parameters");
    }
    out.append(R"(,"parametersJsonSchema":)");
    out.append(schema);
    out.push_back('}');
  }
  out.append("]}]");
  // No toolConfig without tools: there is nothing to choose from, so the choice is dropped.
  const auto& choice = request.tool_choice;
  if (choice.mode == canonical::ToolChoiceMode::Unset) return std::nullopt;
  out.append(R"(,"toolConfig":{"functionCallingConfig":{"mode":)");
  switch (choice.mode) {
    case canonical::ToolChoiceMode::Auto:
    case canonical::ToolChoiceMode::Unset:
      out.append(R"("AUTO")");
      break;
    case canonical::ToolChoiceMode::None:
      out.append(R"("NONE")");
      break;
    case canonical::ToolChoiceMode::Required:
      out.append(R"("ANY")");
      break;
    case canonical::ToolChoiceMode::Named:
      out.append(R"("ANY","allowedFunctionNames":[)");
      appendQuoted(out, choice.name);
      out.push_back(']');
      break;
  }
  out.append("}}");
  return std::nullopt;
}

void appendSystemInstruction(const canonical::ChatRequest& request, std::string& out) {
  out.append(R"(,"systemInstruction":{"parts":[)");
  for (std::size_t i = 0; i < request.system.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(R"({"text":)");
    appendQuoted(out, request.system[i]);
    out.push_back('}');
  }
  out.append("]}");
}

// generationConfig, fields in the reference's order; omitted when the request sets none.
std::optional<Error> appendGenerationConfig(const canonical::ChatRequest& request, canonical::Arena& arena,
                                            std::string& out) {
  const std::size_t start = out.size();
  out.append(R"(,"generationConfig":{)");
  const std::size_t fields = out.size();
  const auto separate = [&] {
    if (out.size() > fields) out.push_back(',');
  };
  if (!request.stop.empty()) {
    out.append(R"("stopSequences":[)");
    for (std::size_t i = 0; i < request.stop.size(); ++i) {
      if (i > 0) out.push_back(',');
      appendQuoted(out, request.stop[i]);
    }
    out.push_back(']');
  }
  if (request.response_format != canonical::ResponseFormat::Text) {
    separate();
    out.append(R"("responseMimeType":"application/json")");
  }
  if (request.response_format == canonical::ResponseFormat::JsonSchema && !request.response_schema.empty()) {
    if (!isJsonObject(request.response_schema, arena)) {
      return invalid(arena, "the response schema must be a JSON Schema object",
                     "response_format.json_schema.schema");
    }
    out.append(R"(,"responseJsonSchema":)");
    out.append(request.response_schema);
  }
  if (request.max_tokens) {
    separate();
    out.append(R"("maxOutputTokens":)");
    canonical::appendInt(out, *request.max_tokens);
  }
  if (request.temperature) {
    separate();
    out.append(R"("temperature":)");
    canonical::appendDouble(out, *request.temperature);
  }
  if (request.top_p) {
    separate();
    out.append(R"("topP":)");
    canonical::appendDouble(out, *request.top_p);
  }
  if (request.top_k) {
    separate();
    out.append(R"("topK":)");
    canonical::appendInt(out, *request.top_k);
  }
  if (out.size() == fields) {
    out.resize(start);
  } else {
    out.push_back('}');
  }
  return std::nullopt;
}

}  // namespace

std::optional<canonical::Error> encodeRequestBody(const canonical::ChatRequest& request,
                                                  canonical::Arena& arena, std::string& out) {
  out.push_back('{');
  if (auto error = appendContents(request, arena, out)) return error;
  if (!request.tools.empty()) {
    if (auto error = appendTools(request, arena, out)) return error;
  }
  if (!request.system.empty()) appendSystemInstruction(request, out);
  if (auto error = appendGenerationConfig(request, arena, out)) return error;
  out.push_back('}');
  return std::nullopt;
}

}  // namespace switchyard::providers::gemini
