// The Converse request body. Bedrock's shape differs from the canonical one in ways that matter:
// turns must alternate (user first), images travel only as bytes, tool results may carry a status
// that only some models accept, and a conversation holding tool blocks must declare toolConfig.
#include <algorithm>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "canonical/json_writer.h"
#include "providers/bedrock/converse.h"

namespace switchyard::providers::bedrock {
namespace {

using canonical::appendDouble;
using canonical::appendInt;
using canonical::appendQuoted;
using canonical::Arena;
using canonical::ChatRequest;
using canonical::Error;
using canonical::Part;
using canonical::PartType;
using canonical::Role;
using canonical::ToolChoiceMode;

constexpr std::string_view kAnyObjectSchema = R"({"type":"object"})";

Error badRequest(Arena& arena, const std::string& message, const std::string& param) {
  Error error;
  error.status = 400;
  error.category = canonical::ErrorCategory::InvalidRequest;
  error.message = arena.copy(message);
  error.param = arena.copy(param);
  return error;
}

std::string partParam(std::size_t message, std::size_t part) {
  return "messages[" + std::to_string(message) + "].content[" + std::to_string(part) + "]";
}

// Bedrock's ImageFormat for a media type; empty when Bedrock has none.
std::string_view imageFormat(std::string_view media_type) {
  if (media_type == "image/png") return "png";
  if (media_type == "image/jpeg" || media_type == "image/jpg") return "jpeg";
  if (media_type == "image/gif") return "gif";
  if (media_type == "image/webp") return "webp";
  return {};
}

// Model families, by the model id (inference profiles and ARNs contain the same id).
bool isAnthropic(std::string_view model) { return model.find("anthropic.") != std::string_view::npos; }
bool isNova(std::string_view model) { return model.find("amazon.nova") != std::string_view::npos; }

bool isJsonObjectText(std::string_view text, Arena& arena) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{') return false;
  boost::system::error_code ec;
  const auto* parsed = arena.parseJson(text, ec);
  return parsed != nullptr && parsed->is_object();
}

class BodyWriter {
 public:
  BodyWriter(const ChatRequest& request, std::string_view model, Arena& arena, std::string& out)
      : request_(request), model_(model), arena_(arena), out_(out) {}

  std::optional<Error> write() {
    out_.push_back('{');
    if (auto error = writeMessages()) return error;
    writeSystem();
    writeInferenceConfig();
    writeToolConfig();
    writeAdditionalFields();
    out_.push_back('}');
    return std::nullopt;
  }

 private:
  // Consecutive turns of one role become one Bedrock message, since Bedrock requires alternation
  // (OpenAI's several "tool" messages after one assistant turn are the common case).
  std::optional<Error> writeMessages() {
    if (request_.messages.empty()) {
      return badRequest(arena_, "Bedrock requires at least one message", "messages");
    }
    if (request_.messages.front().role != Role::User) {
      return badRequest(arena_, "Bedrock requires the conversation to start with a user message",
                        "messages[0].role");
    }
    out_.append(R"("messages":[)");
    for (std::size_t i = 0; i < request_.messages.size();) {
      const Role role = request_.messages[i].role;
      if (i > 0) out_.push_back(',');
      out_.append(R"({"role":)");
      appendQuoted(out_, role == Role::User ? "user" : "assistant");
      out_.append(R"(,"content":[)");
      bool any = false;
      const std::size_t first = i;
      for (; i < request_.messages.size() && request_.messages[i].role == role; ++i) {
        const auto& message = request_.messages[i];
        for (std::uint32_t p = 0; p < message.count; ++p) {
          if (auto error = writePart(request_.parts[message.first + p], i, p, any)) return error;
        }
      }
      if (!any) {
        return badRequest(arena_, "Bedrock rejects a message without content",
                          "messages[" + std::to_string(first) + "].content");
      }
      out_.append("]}");
    }
    out_.push_back(']');
    return std::nullopt;
  }

  void separate(bool& any) {
    if (any) out_.push_back(',');
    any = true;
  }

  std::optional<Error> writePart(const Part& part, std::size_t message, std::size_t index, bool& any) {
    switch (part.type) {
      case PartType::Text:
        // Bedrock rejects blank text blocks; an empty one says nothing anyway.
        if (part.text.empty()) return std::nullopt;
        separate(any);
        out_.append(R"({"text":)");
        appendQuoted(out_, part.text);
        out_.push_back('}');
        return std::nullopt;
      case PartType::Image:
        return writeImage(part, message, index, any);
      case PartType::ToolCall:
        return writeToolUse(part, message, index, any);
      case PartType::ToolResult:
        writeToolResult(part, any);
        return std::nullopt;
    }
    return std::nullopt;
  }

  std::optional<Error> writeImage(const Part& part, std::size_t message, std::size_t index, bool& any) {
    if (!part.image.url.empty()) {
      return badRequest(arena_,
                        "Bedrock accepts only inline (base64) images, not image URLs: "
                        "send the image as a data: URL or base64 source",
                        partParam(message, index));
    }
    const std::string_view format = imageFormat(part.image.media_type);
    if (format.empty()) {
      return badRequest(
          arena_,
          "Bedrock accepts png, jpeg, gif and webp images, not '" + std::string(part.image.media_type) + "'",
          partParam(message, index));
    }
    separate(any);
    out_.append(R"({"image":{"format":)");
    appendQuoted(out_, format);
    out_.append(R"(,"source":{"bytes":)");
    appendQuoted(out_, part.image.data);
    out_.append("}}}");
    return std::nullopt;
  }

  std::optional<Error> writeToolUse(const Part& part, std::size_t message, std::size_t index, bool& any) {
    const std::string_view arguments = part.arguments.empty() ? std::string_view("{}") : part.arguments;
    boost::system::error_code ec;
    const auto* parsed = arena_.parseJson(arguments, ec);
    if (parsed == nullptr || !parsed->is_object()) {
      return badRequest(arena_, "tool call arguments must be a JSON object",
                        partParam(message, index) + ".arguments");
    }
    separate(any);
    out_.append(R"({"toolUse":{"toolUseId":)");
    appendQuoted(out_, part.id);
    out_.append(R"(,"name":)");
    appendQuoted(out_, part.name);
    out_.append(R"(,"input":)");
    out_.append(arguments);  // valid JSON, just checked
    out_.append("}}");
    return std::nullopt;
  }

  void writeToolResult(const Part& part, bool& any) {
    separate(any);
    out_.append(R"({"toolResult":{"toolUseId":)");
    appendQuoted(out_, part.id);
    out_.append(R"(,"content":[)");
    // A result that is a JSON object goes as a json block (models see structure, not a string);
    // an empty one as no block, since Bedrock rejects blank text.
    if (isJsonObjectText(part.text, arena_)) {
      out_.append(R"({"json":)").append(part.text).push_back('}');
    } else if (!part.text.empty()) {
      out_.append(R"({"text":)");
      appendQuoted(out_, part.text);
      out_.push_back('}');
    }
    out_.push_back(']');
    // Only Anthropic Claude 3+ and Amazon Nova accept "status" (Bedrock's ToolResultBlock docs);
    // other models reject the request when it is present.
    if (isAnthropic(model_) || isNova(model_)) {
      out_.append(R"(,"status":)");
      appendQuoted(out_, part.is_error ? "error" : "success");
    }
    out_.append("}}");
  }

  void writeSystem() {
    bool any = false;
    for (const auto text : request_.system) {
      if (text.empty()) continue;
      out_.append(any ? "," : R"(,"system":[)");
      any = true;
      out_.append(R"({"text":)");
      appendQuoted(out_, text);
      out_.push_back('}');
    }
    if (any) out_.push_back(']');
  }

  void writeInferenceConfig() {
    bool any = false;
    const auto field = [&](std::string_view name) {
      out_.append(any ? "," : R"(,"inferenceConfig":{)");
      any = true;
      appendQuoted(out_, name);
      out_.push_back(':');
    };
    if (request_.max_tokens) {
      field("maxTokens");
      appendInt(out_, *request_.max_tokens);
    }
    if (request_.temperature) {
      field("temperature");
      appendDouble(out_, *request_.temperature);
    }
    if (request_.top_p) {
      field("topP");
      appendDouble(out_, *request_.top_p);
    }
    if (!request_.stop.empty()) {
      field("stopSequences");
      out_.push_back('[');
      for (std::size_t i = 0; i < request_.stop.size(); ++i) {
        if (i > 0) out_.push_back(',');
        appendQuoted(out_, request_.stop[i]);
      }
      out_.push_back(']');
    }
    if (any) out_.push_back('}');
  }

  bool historyHasToolBlocks() const {
    for (const auto& part : request_.parts) {
      if (part.type == PartType::ToolCall || part.type == PartType::ToolResult) return true;
    }
    return false;
  }

  // Bedrock has no "none" tool choice. With tool_choice none the tools are left out, so the model
  // cannot call one; but a conversation holding toolUse/toolResult blocks must declare toolConfig,
  // so there the tools stay and only toolChoice is left out (the model may still call a tool).
  // A conversation with tool blocks but no tools offered gets stand-in specs named after its calls.
  void writeToolConfig() {
    const bool tool_history = historyHasToolBlocks();
    const ToolChoiceMode mode = request_.tool_choice.mode;
    if (request_.tools.empty()) {
      if (tool_history) writeStandInTools();
      return;
    }
    if (mode == ToolChoiceMode::None && !tool_history) return;
    out_.append(R"(,"toolConfig":{"tools":[)");
    for (std::size_t i = 0; i < request_.tools.size(); ++i) {
      const auto& tool = request_.tools[i];
      if (i > 0) out_.push_back(',');
      out_.append(R"({"toolSpec":{"name":)");
      appendQuoted(out_, tool.name);
      if (!tool.description.empty()) {  // Bedrock requires a non-empty description when present
        out_.append(R"(,"description":)");
        appendQuoted(out_, tool.description);
      }
      out_.append(R"(,"inputSchema":{"json":)");
      out_.append(tool.parameters.empty() ? kAnyObjectSchema : tool.parameters);
      out_.append("}}}");
    }
    out_.push_back(']');
    switch (mode) {
      case ToolChoiceMode::Auto:
        out_.append(R"(,"toolChoice":{"auto":{}})");
        break;
      case ToolChoiceMode::Required:
        out_.append(R"(,"toolChoice":{"any":{}})");
        break;
      case ToolChoiceMode::Named:
        out_.append(R"(,"toolChoice":{"tool":{"name":)");
        appendQuoted(out_, request_.tool_choice.name);
        out_.append("}}");
        break;
      case ToolChoiceMode::Unset:
      case ToolChoiceMode::None:
        break;
    }
    out_.push_back('}');
  }

  void writeStandInTools() {
    std::vector<std::string_view> names;
    for (const auto& part : request_.parts) {
      if (part.type != PartType::ToolCall && part.type != PartType::ToolResult) continue;
      if (part.name.empty()) continue;
      if (std::find(names.begin(), names.end(), part.name) == names.end()) names.push_back(part.name);
    }
    if (names.empty()) return;  // nothing to name them by: Bedrock will say what it misses
    out_.append(R"(,"toolConfig":{"tools":[)");
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i > 0) out_.push_back(',');
      out_.append(R"({"toolSpec":{"name":)");
      appendQuoted(out_, names[i]);
      out_.append(R"(,"inputSchema":{"json":)").append(kAnyObjectSchema).append("}}}");
    }
    out_.append("]}");
  }

  // top_k has no inferenceConfig field; it reaches the model only through
  // additionalModelRequestFields, whose keys each model family names its own way (and Llama,
  // Mistral and others reject unknown ones). Anthropic's "top_k" is sent; elsewhere it is dropped,
  // as a sampling hint the answer does not depend on.
  void writeAdditionalFields() {
    if (!request_.top_k || !isAnthropic(model_)) return;
    out_.append(R"(,"additionalModelRequestFields":{"top_k":)");
    appendInt(out_, *request_.top_k);
    out_.push_back('}');
  }

  const ChatRequest& request_;
  std::string_view model_;
  Arena& arena_;
  std::string& out_;
};

}  // namespace

std::optional<Error> writeConverseBody(const ChatRequest& request, std::string_view upstream_model,
                                       Arena& arena, std::string& body) {
  if (request.response_format != canonical::ResponseFormat::Text) {
    return badRequest(arena, "Bedrock's Converse API has no JSON output mode", "response_format");
  }
  BodyWriter writer(request, upstream_model, arena, body);
  return writer.write();
}

}  // namespace switchyard::providers::bedrock
