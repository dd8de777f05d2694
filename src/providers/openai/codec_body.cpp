// A canonical request said as an OpenAI chat-completions body, written directly (no document).
//
// How canonical turns map back:
// - request.system blocks -> one leading "system" message, blocks joined with a blank line;
// - a User turn -> its ToolResult parts first, each a "tool" message (OpenAI answers tool calls in
//   their own messages, which must follow the assistant message directly), then its other parts as
//   one "user" message (a plain string when it is one text part);
// - an Assistant turn -> one "assistant" message: its text, then its tool calls.
// Dropped harmlessly: top_k (OpenAI has none), ToolResult.is_error (OpenAI tool messages have no
// error flag; the text still says what went wrong).
//
// Prefill (a continuation whose last turn is the assistant's text so far): that last assistant
// message's text parts are joined into one string (the model goes on from their concatenation;
// servers that flatten an array of parts put newlines between them), and the server's way of
// continuing it is added: vLLM's "continue_final_message":true with "add_generation_prompt":false
// (ContinueFinalMessage), DeepSeek's and Mistral's "prefix":true on the message (PrefixFlag). The
// trailing assistant message alone is the way of llama.cpp, Ollama, Groq and OpenRouter
// (TrailingAssistant): nothing is added.
#include "canonical/json_writer.h"
#include "providers/openai/codec_wire.h"

namespace switchyard::providers::openai::wire {
namespace {

using canonical::appendDouble;
using canonical::appendInt;
using canonical::appendQuoted;
using canonical::Part;
using canonical::PartType;

canonical::Error cannotCarry(std::string_view message, std::string_view param) {
  canonical::Error error;
  error.status = 400;
  error.message = message;
  error.param = param;
  return error;
}

void appendImageUrl(const canonical::Image& image, std::string& out) {
  out.append(R"({"type":"image_url","image_url":{"url":)");
  if (!image.url.empty()) {
    appendQuoted(out, image.url);
  } else {
    std::string url = "data:";
    url.append(image.media_type).append(";base64,").append(image.data);
    appendQuoted(out, url);
  }
  out.append("}}");
}

void appendSystem(const canonical::ChatRequest& request, std::string& out) {
  std::string text;
  for (const auto block : request.system) {
    if (!text.empty()) text.append("\n\n");
    text.append(block);
  }
  out.append(R"({"role":"system","content":)");
  appendQuoted(out, text);
  out.push_back('}');
}

std::optional<canonical::Error> appendUserTurn(const canonical::ChatRequest& request, const canonical::Message& turn,
                                               bool& first, std::string& out) {
  const auto begin = request.parts.begin() + turn.first;
  const auto end = begin + turn.count;
  std::size_t others = 0;
  for (auto part = begin; part != end; ++part) {
    if (part->type == PartType::ToolCall) {
      return cannotCarry("A user turn cannot hold a tool call.", "messages");
    }
    if (part->type != PartType::ToolResult) {
      ++others;
      continue;
    }
    if (!first) out.push_back(',');
    first = false;
    out.append(R"({"role":"tool","tool_call_id":)");
    appendQuoted(out, part->id);
    out.append(R"(,"content":)");
    appendQuoted(out, part->text);
    out.push_back('}');
  }
  if (others == 0) return std::nullopt;
  if (!first) out.push_back(',');
  first = false;
  out.append(R"({"role":"user","content":)");
  if (others == 1) {
    for (auto part = begin; part != end; ++part) {
      if (part->type == PartType::Text) {
        appendQuoted(out, part->text);
        out.push_back('}');
        return std::nullopt;
      }
    }
  }
  out.push_back('[');
  bool first_part = true;
  for (auto part = begin; part != end; ++part) {
    if (part->type == PartType::ToolResult) continue;
    if (!first_part) out.push_back(',');
    first_part = false;
    if (part->type == PartType::Image) {
      appendImageUrl(part->image, out);
    } else {
      out.append(R"({"type":"text","text":)");
      appendQuoted(out, part->text);
      out.push_back('}');
    }
  }
  out.append("]}");
  return std::nullopt;
}

// True when `request` asks the target to continue its last (assistant) message.
bool continuesFinalMessage(const canonical::ChatRequest& request) {
  return request.prefill != canonical::Prefill::None && !request.messages.empty() &&
         request.messages.back().role == canonical::Role::Assistant;
}

// `prefilled`: this is the final assistant message, which the target is asked to continue.
std::optional<canonical::Error> appendAssistantTurn(const canonical::ChatRequest& request,
                                                    const canonical::Message& turn, bool prefilled, std::string& out) {
  const auto begin = request.parts.begin() + turn.first;
  const auto end = begin + turn.count;
  std::size_t texts = 0;
  std::size_t calls = 0;
  for (auto part = begin; part != end; ++part) {
    if (part->type == PartType::Text)
      ++texts;
    else if (part->type == PartType::ToolCall)
      ++calls;
    else
      return cannotCarry("An assistant turn can only hold text and tool calls.", "messages");
  }
  out.append(R"({"role":"assistant","content":)");
  if (texts == 0) {
    out.append("null");
  } else if (texts == 1) {
    for (auto part = begin; part != end; ++part) {
      if (part->type == PartType::Text) appendQuoted(out, part->text);
    }
  } else if (prefilled) {
    std::string joined;
    for (auto part = begin; part != end; ++part) {
      if (part->type == PartType::Text) joined.append(part->text);
    }
    appendQuoted(out, joined);
  } else {
    // Several text blocks (Anthropic's content blocks) stay apart as text parts.
    out.push_back('[');
    bool first = true;
    for (auto part = begin; part != end; ++part) {
      if (part->type != PartType::Text) continue;
      if (!first) out.push_back(',');
      first = false;
      out.append(R"({"type":"text","text":)");
      appendQuoted(out, part->text);
      out.push_back('}');
    }
    out.push_back(']');
  }
  if (calls > 0) {
    out.append(R"(,"tool_calls":[)");
    bool first = true;
    for (auto part = begin; part != end; ++part) {
      if (part->type != PartType::ToolCall) continue;
      if (!first) out.push_back(',');
      first = false;
      out.append(R"({"id":)");
      appendQuoted(out, part->id);
      out.append(R"(,"type":"function","function":{"name":)");
      appendQuoted(out, part->name);
      out.append(R"(,"arguments":)");
      appendQuoted(out, part->arguments.empty() ? std::string_view("{}") : part->arguments);
      out.append("}}");
    }
    out.push_back(']');
  }
  if (prefilled && request.prefill == canonical::Prefill::PrefixFlag) out.append(R"(,"prefix":true)");
  out.push_back('}');
  return std::nullopt;
}

std::optional<canonical::Error> appendMessages(const canonical::ChatRequest& request, std::string& out) {
  out.append(R"(,"messages":[)");
  bool first = true;
  if (!request.system.empty()) {
    appendSystem(request, out);
    first = false;
  }
  const bool prefill = continuesFinalMessage(request);
  for (std::size_t m = 0; m < request.messages.size(); ++m) {
    const auto& turn = request.messages[m];
    std::optional<canonical::Error> error;
    if (turn.role == canonical::Role::User) {
      error = appendUserTurn(request, turn, first, out);
    } else {
      if (!first) out.push_back(',');
      first = false;
      error = appendAssistantTurn(request, turn, prefill && m + 1 == request.messages.size(), out);
    }
    if (error) return error;
  }
  out.push_back(']');
  return std::nullopt;
}

void appendTools(const canonical::ChatRequest& request, std::string& out) {
  if (request.tools.empty()) return;
  out.append(R"(,"tools":[)");
  bool first = true;
  for (const auto& tool : request.tools) {
    if (!first) out.push_back(',');
    first = false;
    out.append(R"({"type":"function","function":{"name":)");
    appendQuoted(out, tool.name);
    if (!tool.description.empty()) {
      out.append(R"(,"description":)");
      appendQuoted(out, tool.description);
    }
    out.append(R"(,"parameters":)");
    out.append(tool.parameters.empty() ? std::string_view(R"({"type":"object","properties":{}})") : tool.parameters);
    out.append("}}");
  }
  out.push_back(']');
  // tool_choice and parallel_tool_calls mean nothing without tools (OpenAI rejects them alone).
  switch (request.tool_choice.mode) {
    case canonical::ToolChoiceMode::Unset:
      break;
    case canonical::ToolChoiceMode::Auto:
      out.append(R"(,"tool_choice":"auto")");
      break;
    case canonical::ToolChoiceMode::None:
      out.append(R"(,"tool_choice":"none")");
      break;
    case canonical::ToolChoiceMode::Required:
      out.append(R"(,"tool_choice":"required")");
      break;
    case canonical::ToolChoiceMode::Named:
      out.append(R"(,"tool_choice":{"type":"function","function":{"name":)");
      appendQuoted(out, request.tool_choice.name);
      out.append("}}");
      break;
  }
  if (request.parallel_tool_calls) {
    out.append(R"(,"parallel_tool_calls":)").append(*request.parallel_tool_calls ? "true" : "false");
  }
}

void appendResponseFormat(const canonical::ChatRequest& request, std::string& out) {
  switch (request.response_format) {
    case canonical::ResponseFormat::Text:
      break;
    case canonical::ResponseFormat::JsonObject:
      out.append(R"(,"response_format":{"type":"json_object"})");
      break;
    case canonical::ResponseFormat::JsonSchema:
      out.append(R"(,"response_format":{"type":"json_schema","json_schema":{"name":)");
      appendQuoted(out,
                   request.response_schema_name.empty() ? std::string_view("response") : request.response_schema_name);
      out.append(R"(,"schema":)");
      out.append(request.response_schema.empty() ? std::string_view(R"({"type":"object"})") : request.response_schema);
      out.append("}}");
      break;
  }
}

}  // namespace

std::optional<canonical::Error> appendRequestBody(const canonical::ChatRequest& request, const BodyOptions& options,
                                                  std::string& out) {
  out.append(R"({"model":)");
  appendQuoted(out, options.model);
  if (auto error = appendMessages(request, out)) return error;
  if (request.max_tokens) {
    out.append(options.max_completion_tokens ? R"(,"max_completion_tokens":)" : R"(,"max_tokens":)");
    appendInt(out, *request.max_tokens);
  }
  if (request.temperature) {
    out.append(R"(,"temperature":)");
    appendDouble(out, *request.temperature);
  }
  if (request.top_p) {
    out.append(R"(,"top_p":)");
    appendDouble(out, *request.top_p);
  }
  if (!request.stop.empty()) {
    out.append(R"(,"stop":[)");
    for (std::size_t i = 0; i < request.stop.size(); ++i) {
      if (i > 0) out.push_back(',');
      appendQuoted(out, request.stop[i]);
    }
    out.push_back(']');
  }
  appendTools(request, out);
  appendResponseFormat(request, out);
  if (!request.user.empty()) {
    out.append(R"(,"user":)");
    appendQuoted(out, request.user);
  }
  if (request.prefill == canonical::Prefill::ContinueFinalMessage && continuesFinalMessage(request)) {
    // vLLM refuses continue_final_message together with its default add_generation_prompt=true.
    out.append(R"(,"continue_final_message":true,"add_generation_prompt":false)");
  }
  if (request.stream) {
    // Always asked for, whatever the client asked: the gateway accounts every stream's tokens.
    out.append(R"(,"stream":true,"stream_options":{"include_usage":true})");
  }
  out.push_back('}');
  return std::nullopt;
}

}  // namespace switchyard::providers::openai::wire
