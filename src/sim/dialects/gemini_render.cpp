// Answers of the simulator's Gemini dialect: GenerateContentResponse objects laid out as Google's
// front end writes them (indented for unary answers, one line per alt=sse event, CRLF CRLF after
// each event), and google.rpc.Status error bodies.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "sim/dialects/gemini_wire.h"

namespace switchyard::sim::gemini {
namespace {

namespace json = boost::json;

constexpr std::string_view kSseSeparator = "\r\n\r\n";

void appendIndent(std::string& out, int depth) {
  out.push_back('\n');
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
}

void appendGoogleJson(const json::value& value, bool pretty, int depth, std::string& out) {
  if (const auto* object = value.if_object()) {
    if (object->empty()) {
      out.append("{}");
      return;
    }
    out.push_back('{');
    bool first = true;
    for (const auto& entry : *object) {
      if (!first) out.push_back(',');
      first = false;
      if (pretty) appendIndent(out, depth + 1);
      out.append(json::serialize(json::string(entry.key())));
      out.append(": ");
      appendGoogleJson(entry.value(), pretty, depth + 1, out);
    }
    if (pretty) appendIndent(out, depth);
    out.push_back('}');
    return;
  }
  if (const auto* array = value.if_array()) {
    if (array->empty()) {
      out.append("[]");
      return;
    }
    out.push_back('[');
    bool first = true;
    for (const auto& item : *array) {
      if (!first) out.push_back(',');
      first = false;
      if (pretty) appendIndent(out, depth + 1);
      appendGoogleJson(item, pretty, depth + 1, out);
    }
    if (pretty) appendIndent(out, depth);
    out.push_back(']');
    return;
  }
  out.append(json::serialize(value));
}

std::string_view finishReasonOf(SimFinish finish) {
  // Gemini says STOP after a function call too: it has no tool-use finish reason.
  return finish == SimFinish::Length ? "MAX_TOKENS" : "STOP";
}

// Gemini counts cached content in promptTokenCount (and says how much in cachedContentTokenCount)
// and thoughts apart from candidatesTokenCount (thoughtsTokenCount); both only when there are any.
json::object usageMetadata(const SimReply& reply, std::uint64_t candidate_tokens) {
  const std::uint64_t prompt_tokens = reply.input_tokens;
  json::object usage{
      {"promptTokenCount", prompt_tokens},
      {"candidatesTokenCount", candidate_tokens},
      {"totalTokenCount", prompt_tokens + candidate_tokens + reply.reasoning_tokens},
  };
  if (reply.cached_input_tokens != 0) usage["cachedContentTokenCount"] = reply.cached_input_tokens;
  usage["promptTokensDetails"] =
      json::array{json::object{{"modality", "TEXT"}, {"tokenCount", prompt_tokens}}};
  if (reply.cached_input_tokens != 0) {
    usage["cacheTokensDetails"] =
        json::array{json::object{{"modality", "TEXT"}, {"tokenCount", reply.cached_input_tokens}}};
  }
  if (reply.reasoning_tokens != 0) usage["thoughtsTokenCount"] = reply.reasoning_tokens;
  return usage;
}

json::object functionCallPart(const SimToolCall& call) {
  json::error_code ec;
  json::value args = json::parse(call.arguments, ec);
  if (ec || !args.is_object()) args = json::object{};
  // Gemini 2.x function calls carry no id (the gateway makes one up); Gemini 3 adds a thought
  // signature, which the simulator, a non-thinking model, does not.
  return json::object{{"functionCall", json::object{{"name", call.name}, {"args", std::move(args)}}}};
}

// One GenerateContentResponse: candidates[0] holding `parts`, the finish reason when given, usage,
// model version and response id, in the order Google sends them.
json::object responseObject(const SimReply& reply, json::array parts, std::string_view finish_reason,
                            std::uint64_t candidate_tokens) {
  json::object candidate{{"content", json::object{{"parts", std::move(parts)}, {"role", "model"}}}};
  if (!finish_reason.empty()) candidate["finishReason"] = finish_reason;
  candidate["index"] = 0;
  return json::object{
      {"candidates", json::array{std::move(candidate)}},
      {"usageMetadata", usageMetadata(reply, candidate_tokens)},
      {"modelVersion", reply.model},
      {"responseId", reply.id},
  };
}

std::string sseEvent(const json::value& payload) {
  std::string out = "data: ";
  out.append(googleJson(payload, false));
  out.append(kSseSeparator);
  return out;
}

class GeminiStream final : public SimStream {
 public:
  explicit GeminiStream(const SimReply& reply) : reply_(reply) {}

  // Gemini sends nothing before the first piece: every event is a whole response.
  std::string start(const SimReply&) override { return {}; }

  std::string text(std::string_view piece) override {
    ++pieces_;
    return sseEvent(responseObject(reply_, json::array{json::object{{"text", piece}}}, {}, pieces_));
  }

  std::string toolCall(const SimToolCall& call) override {
    pieces_ = reply_.output_tokens;
    return sseEvent(responseObject(reply_, json::array{functionCallPart(call)}, {}, pieces_));
  }

  // The finish reason and final usage ride on a last event with an empty text part, as Gemini's
  // last event often does (so the simulator never has to send an empty tail).
  std::string finish(const SimReply& reply) override {
    return sseEvent(responseObject(reply, json::array{json::object{{"text", ""}}},
                                   finishReasonOf(reply.finish), reply.output_tokens));
  }

  std::string malformed() override {
    return "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\"" + std::string(kSseSeparator);
  }

 private:
  SimReply reply_;
  std::uint64_t pieces_ = 0;
};

}  // namespace

std::string googleJson(const json::value& value, bool pretty) {
  std::string out;
  appendGoogleJson(value, pretty, 0, out);
  if (pretty) out.push_back('\n');  // Google's indented bodies end with a newline
  return out;
}

std::string completionJson(const SimReply& reply) {
  json::array parts;
  if (reply.tool_call) {
    parts.push_back(functionCallPart(*reply.tool_call));
  } else {
    std::string text;
    for (const auto& word : reply.words) text += word;
    parts.push_back(json::object{{"text", text}});
  }
  return googleJson(
      responseObject(reply, std::move(parts), finishReasonOf(reply.finish), reply.output_tokens), true);
}

std::unique_ptr<SimStream> makeStream(const SimReply& reply, const SimChat&) {
  return std::make_unique<GeminiStream>(reply);
}

std::string errorJson(const SimError& error) {
  json::object status{{"code", error.status}, {"message", error.message}, {"status", error.type}};
  // A quota error tells the client when to retry (google.rpc.RetryInfo), as Gemini's does.
  if (error.type == "RESOURCE_EXHAUSTED") {
    status["details"] = json::array{
        json::object{{"@type", "type.googleapis.com/google.rpc.RetryInfo"}, {"retryDelay", "20s"}}};
  }
  if (error.message.starts_with("API key not valid")) {
    status["details"] = json::array{
        json::object{{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
                     {"reason", "API_KEY_INVALID"},
                     {"domain", "googleapis.com"},
                     {"metadata", json::object{{"service", "generativelanguage.googleapis.com"}}}}};
  }
  return googleJson(json::object{{"error", std::move(status)}}, true);
}

}  // namespace switchyard::sim::gemini
