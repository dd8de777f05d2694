// The Message object of a non-stream answer, field order as api.anthropic.com sends it:
//   {"id","type":"message","role":"assistant","model","content":[...],"stop_reason",
//    "stop_sequence","usage":{"input_tokens","cache_creation_input_tokens",
//    "cache_read_input_tokens","cache_creation":{...},"output_tokens","service_tier"}}
#include "canonical/json_writer.h"
#include "surfaces/anthropic/messages.h"
#include "surfaces/anthropic/usage_writer.h"
#include "surfaces/anthropic/wire.h"

namespace switchyard::surfaces::anthropic {

using canonical::appendQuoted;
using canonical::PartType;

namespace {

void appendContent(const canonical::ChatResponse& response, std::string& out) {
  out.push_back('[');
  bool first = true;
  for (const auto& part : response.content) {
    if (part.type == PartType::Text) {
      if (part.text.empty()) continue;  // Anthropic never sends an empty text block
      if (!first) out.push_back(',');
      out.append(R"({"type":"text","text":)");
      appendQuoted(out, part.text);
      out.push_back('}');
    } else if (part.type == PartType::ToolCall) {
      if (!first) out.push_back(',');
      out.append(R"({"type":"tool_use","id":)");
      appendQuoted(out, part.id.empty() ? std::string_view(newId("toolu_")) : part.id);
      out.append(R"(,"name":)");
      appendQuoted(out, part.name);
      out.append(R"(,"input":)");
      appendInputObject(out, part.arguments);
      out.push_back('}');
    } else {
      continue;  // answers hold only text and tool calls
    }
    first = false;
  }
  out.push_back(']');
}

}  // namespace

void renderMessage(const canonical::ChatResponse& response, std::string& out) {
  out.append(R"({"id":)");
  // Another dialect's id ("chatcmpl-...") would look foreign to an Anthropic client.
  if (!response.id.starts_with("msg_")) {
    appendQuoted(out, newId("msg_"));
  } else {
    appendQuoted(out, response.id);
  }
  out.append(R"(,"type":"message","role":"assistant","model":)");
  appendQuoted(out, response.model);
  out.append(R"(,"content":)");
  appendContent(response, out);
  out.append(R"(,"stop_reason":")");
  out.append(stopReasonName(response.finish));
  out.append(R"(","stop_sequence":)");
  if (response.finish == canonical::FinishReason::StopSequence && !response.stop_sequence.empty()) {
    appendQuoted(out, response.stop_sequence);
  } else {
    out.append("null");
  }
  out.append(R"(,"usage":)");
  appendMessageUsage(response.usage, out);
  out.push_back('}');
}

}  // namespace switchyard::surfaces::anthropic
