// Canonical request -> Messages API body. What does not map 1:1:
//  - turns: consecutive turns of one role are merged (Anthropic requires alternation), and in a
//    user turn the tool_result blocks come first, as Anthropic requires after a tool_use turn;
//    empty text parts are dropped (Anthropic refuses empty text blocks), and a turn left empty
//    (an OpenAI assistant message with content "" and no calls) is dropped.
//  - max_tokens: kDefaultMaxTokens when the client gave none.
//  - temperature: clamped to 1, Anthropic's maximum (OpenAI allows up to 2); any higher value
//    would be a certain upstream 400.
//  - parallel_tool_calls=false -> tool_choice.disable_parallel_tool_use (with "auto" when the
//    client chose nothing); tool_choice is left out when no tools are offered.
//  - response_format json_object/json_schema: an Error, since Claude has no JSON mode to guarantee
//    it; the gateway moves on to the route's next target.
#include <algorithm>
#include <boost/json.hpp>

#include "canonical/json_writer.h"
#include "providers/anthropic/codec.h"
#include "providers/anthropic/codec_parts.h"

namespace switchyard::providers::anthropic {

using canonical::appendDouble;
using canonical::appendInt;
using canonical::appendQuoted;
using canonical::Arena;
using canonical::ChatRequest;
using canonical::Error;
using canonical::Part;
using canonical::PartType;
using canonical::Role;

namespace {

constexpr double kMaxTemperature = 1.0;

Error invalid(Arena& arena, std::string message, std::string_view param) {
  return Error{400, canonical::ErrorCategory::InvalidRequest, arena.copy(message), arena.copy(param), {}};
}

// A merged turn: the indexes of the parts it renders, in order.
struct Turn {
  Role role = Role::User;
  std::pmr::vector<const Part*> parts;
};

bool renders(const Part& part) { return part.type != PartType::Text || !part.text.empty(); }

// True when `arguments` is a JSON object's text (checked on the arena: no copy survives it).
bool isJsonObject(std::string_view arguments, Arena& arena) {
  boost::system::error_code ec;
  const auto* value = arena.parseJson(arguments, ec);
  return value != nullptr && value->is_object();
}

std::optional<Error> checkArguments(const ChatRequest& request, Arena& arena) {
  for (std::size_t m = 0; m < request.messages.size(); ++m) {
    const auto& message = request.messages[m];
    std::size_t call = 0;
    for (std::uint32_t i = message.first; i < message.first + message.count; ++i) {
      const Part& part = request.parts[i];
      if (part.type != PartType::ToolCall) continue;
      if (!part.arguments.empty() && !isJsonObject(part.arguments, arena)) {
        const std::string param =
            "messages[" + std::to_string(m) + "].tool_calls[" + std::to_string(call) + "].function.arguments";
        return invalid(arena, "Invalid '" + param + "': the arguments of a tool call must be a JSON object.", param);
      }
      ++call;
    }
  }
  return std::nullopt;
}

std::pmr::vector<Turn> mergeTurns(const ChatRequest& request, Arena& arena) {
  std::pmr::vector<Turn> turns(arena.resource());
  for (const auto& message : request.messages) {
    const auto begin = request.parts.begin() + message.first;
    const auto end = begin + message.count;
    if (std::none_of(begin, end, [](const Part& part) { return renders(part); })) continue;
    if (turns.empty() || turns.back().role != message.role) {
      turns.push_back(Turn{message.role, std::pmr::vector<const Part*>(arena.resource())});
    }
    for (auto it = begin; it != end; ++it) {
      if (renders(*it)) turns.back().parts.push_back(&*it);
    }
  }
  for (auto& turn : turns) {
    if (turn.role != Role::User) continue;
    std::stable_partition(turn.parts.begin(), turn.parts.end(),
                          [](const Part* part) { return part->type == PartType::ToolResult; });
  }
  return turns;
}

void appendBlock(const Part& part, std::string& body) {
  switch (part.type) {
    case PartType::Text:
      body.append(R"({"type":"text","text":)");
      appendQuoted(body, part.text);
      body.push_back('}');
      return;
    case PartType::Image:
      if (!part.image.url.empty()) {
        body.append(R"({"type":"image","source":{"type":"url","url":)");
        appendQuoted(body, part.image.url);
      } else {
        body.append(R"({"type":"image","source":{"type":"base64","media_type":)");
        appendQuoted(body, part.image.media_type);
        body.append(R"(,"data":)");
        appendQuoted(body, part.image.data);
      }
      body.append("}}");
      return;
    case PartType::ToolCall:
      body.append(R"({"type":"tool_use","id":)");
      appendQuoted(body, part.id);
      body.append(R"(,"name":)");
      appendQuoted(body, part.name);
      body.append(R"(,"input":)");
      body.append(part.arguments.empty() ? std::string_view("{}") : part.arguments);
      body.push_back('}');
      return;
    case PartType::ToolResult:
      body.append(R"({"type":"tool_result","tool_use_id":)");
      appendQuoted(body, part.id);
      if (!part.text.empty()) {
        body.append(R"(,"content":)");
        appendQuoted(body, part.text);
      }
      if (part.is_error) body.append(R"(,"is_error":true)");
      body.push_back('}');
      return;
  }
}

void appendMessages(const std::pmr::vector<Turn>& turns, std::string& body) {
  body.append(R"(,"messages":[)");
  for (std::size_t t = 0; t < turns.size(); ++t) {
    const Turn& turn = turns[t];
    if (t > 0) body.push_back(',');
    body.append(turn.role == Role::User ? R"({"role":"user","content":)" : R"({"role":"assistant","content":)");
    if (turn.parts.size() == 1 && turn.parts[0]->type == PartType::Text) {
      appendQuoted(body, turn.parts[0]->text);
    } else {
      body.push_back('[');
      for (std::size_t p = 0; p < turn.parts.size(); ++p) {
        if (p > 0) body.push_back(',');
        appendBlock(*turn.parts[p], body);
      }
      body.push_back(']');
    }
    body.push_back('}');
  }
  body.push_back(']');
}

void appendSystem(const ChatRequest& request, std::string& body) {
  if (request.system.empty()) return;
  body.append(R"(,"system":)");
  if (request.system.size() == 1) {
    appendQuoted(body, request.system[0]);
    return;
  }
  body.push_back('[');
  for (std::size_t i = 0; i < request.system.size(); ++i) {
    if (i > 0) body.push_back(',');
    body.append(R"({"type":"text","text":)");
    appendQuoted(body, request.system[i]);
    body.push_back('}');
  }
  body.push_back(']');
}

void appendTools(const ChatRequest& request, std::string& body) {
  if (request.tools.empty()) return;
  body.append(R"(,"tools":[)");
  for (std::size_t i = 0; i < request.tools.size(); ++i) {
    const auto& tool = request.tools[i];
    if (i > 0) body.push_back(',');
    body.append(R"({"name":)");
    appendQuoted(body, tool.name);
    if (!tool.description.empty()) {
      body.append(R"(,"description":)");
      appendQuoted(body, tool.description);
    }
    body.append(R"(,"input_schema":)");
    body.append(tool.parameters.empty() ? std::string_view(R"({"type":"object"})") : tool.parameters);
    body.push_back('}');
  }
  body.push_back(']');

  using canonical::ToolChoiceMode;
  const bool disable_parallel = request.parallel_tool_calls == false;
  switch (request.tool_choice.mode) {
    case ToolChoiceMode::Unset:
      if (disable_parallel) body.append(R"(,"tool_choice":{"type":"auto")");
      break;
    case ToolChoiceMode::Auto: body.append(R"(,"tool_choice":{"type":"auto")"); break;
    case ToolChoiceMode::Required: body.append(R"(,"tool_choice":{"type":"any")"); break;
    case ToolChoiceMode::None: body.append(R"(,"tool_choice":{"type":"none"})"); return;
    case ToolChoiceMode::Named:
      body.append(R"(,"tool_choice":{"type":"tool","name":)");
      appendQuoted(body, request.tool_choice.name);
      break;
  }
  if (request.tool_choice.mode == ToolChoiceMode::Unset && !disable_parallel) return;
  if (disable_parallel) body.append(R"(,"disable_parallel_tool_use":true)");
  body.push_back('}');
}

void appendSampling(const ChatRequest& request, std::string& body) {
  if (!request.stop.empty()) {
    body.append(R"(,"stop_sequences":[)");
    for (std::size_t i = 0; i < request.stop.size(); ++i) {
      if (i > 0) body.push_back(',');
      appendQuoted(body, request.stop[i]);
    }
    body.push_back(']');
  }
  if (request.temperature) {
    body.append(R"(,"temperature":)");
    appendDouble(body, std::min(*request.temperature, kMaxTemperature));
  }
  if (request.top_p) {
    body.append(R"(,"top_p":)");
    appendDouble(body, *request.top_p);
  }
  if (request.top_k) {
    body.append(R"(,"top_k":)");
    appendInt(body, *request.top_k);
  }
  if (!request.user.empty()) {
    body.append(R"(,"metadata":{"user_id":)");
    appendQuoted(body, request.user);
    body.push_back('}');
  }
}

}  // namespace

std::optional<Error> encodeMessagesBody(const ChatRequest& request, std::string_view model, Arena& arena,
                                        std::string& body) {
  if (request.response_format != canonical::ResponseFormat::Text) {
    return invalid(arena,
                   "response_format: this Anthropic target cannot guarantee JSON output "
                   "(json_object and json_schema have no Messages API equivalent)",
                   "response_format");
  }
  if (auto error = checkArguments(request, arena)) return error;
  body.reserve(body.size() + 256 + request.parts.size() * 64);
  body.append(R"({"model":)");
  appendQuoted(body, model);
  body.append(R"(,"max_tokens":)");
  appendInt(body, request.max_tokens.value_or(kDefaultMaxTokens));
  appendSystem(request, body);
  appendMessages(mergeTurns(request, arena), body);
  appendTools(request, body);
  appendSampling(request, body);
  if (request.stream) body.append(R"(,"stream":true)");
  body.push_back('}');
  return std::nullopt;
}

}  // namespace switchyard::providers::anthropic
