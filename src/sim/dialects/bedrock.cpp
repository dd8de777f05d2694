// The Bedrock Runtime Converse dialect of the simulator: answers as Bedrock's JSON serializer
// writes them (keys in alphabetical order), streams as AWS event-stream messages whose JSON
// payloads carry Bedrock's "p" padding, errors as {"message": ...} with the exception's name in
// SimError::type (Bedrock sends it in the x-amzn-ErrorType header).
#include <algorithm>
#include <boost/json.hpp>
#include <utility>
#include <vector>

#include "sim/dialect.h"
#include "sim/dialects/bedrock_event_stream.h"
#include "sim/dialects/bedrock_request.h"

namespace switchyard::sim {
namespace {

namespace json = boost::json;
using bedrock::eventFrame;
using bedrock::framePrelude;

constexpr std::string_view kPadAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view kIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kToolUseIdLength = 22;
// Bedrock reports how long the model took; the simulator's answers take "this long" per token.
constexpr std::uint64_t kLatencyBaseMs = 180;
constexpr std::uint64_t kLatencyPerTokenMs = 12;

std::string_view stopReasonOf(SimFinish finish) {
  switch (finish) {
    case SimFinish::Length:
      return "max_tokens";
    case SimFinish::ToolUse:
      return "tool_use";
    case SimFinish::Stop:
      break;
  }
  return "end_turn";
}

std::uint64_t latencyOf(const SimReply& reply) {
  return kLatencyBaseMs + kLatencyPerTokenMs * reply.output_tokens;
}

// Bedrock reports cache reads apart from inputTokens (and only when the prompt cache was read), and
// counts reasoning in outputTokens.
json::object usageOf(const SimReply& reply) {
  const std::uint64_t output = reply.output_tokens + reply.reasoning_tokens;
  json::object usage{{"inputTokens", reply.input_tokens - reply.cached_input_tokens},
                     {"outputTokens", output},
                     {"totalTokens", reply.input_tokens + output}};
  if (reply.cached_input_tokens != 0) {
    usage["cacheReadInputTokens"] = reply.cached_input_tokens;
    usage["cacheWriteInputTokens"] = 0;
  }
  return usage;
}

json::value toolInput(const SimToolCall& call) {
  boost::system::error_code ec;
  json::value input = json::parse(call.arguments, ec);
  return ec ? json::value(json::object{}) : input;
}

// Bedrock pads each stream event with "p": a prefix of the alphabet whose length varies, so that
// the events' sizes do not give away the tokens' lengths.
std::string padding(unsigned event_index) {
  return std::string(kPadAlphabet.substr(0, 1 + (event_index * 17 + 5) % (kPadAlphabet.size() - 1)));
}

class BedrockStream final : public SimStream {
 public:
  std::string start(const SimReply&) override {
    return event("messageStart", json::object{{"role", "assistant"}});
  }

  std::string text(std::string_view piece) override {
    text_open_ = true;
    return event("contentBlockDelta",
                 json::object{{"contentBlockIndex", 0}, {"delta", json::object{{"text", piece}}}});
  }

  // Bedrock sends a tool call's input in pieces; two are enough to exercise reassembly.
  std::string toolCall(const SimToolCall& call) override {
    const int index = text_open_ ? 1 : 0;
    std::string out = closeText();
    out += event(
        "contentBlockStart",
        json::object{
            {"contentBlockIndex", index},
            {"start", json::object{{"toolUse", json::object{{"name", call.name}, {"toolUseId", call.id}}}}}});
    const std::string input = json::serialize(toolInput(call));
    const std::size_t half = input.size() / 2;
    for (const std::string_view piece :
         {std::string_view(input).substr(0, half), std::string_view(input).substr(half)}) {
      out += event("contentBlockDelta",
                   json::object{{"contentBlockIndex", index},
                                {"delta", json::object{{"toolUse", json::object{{"input", piece}}}}}});
    }
    out += event("contentBlockStop", json::object{{"contentBlockIndex", index}});
    return out;
  }

  std::string finish(const SimReply& reply) override {
    std::string out = closeText();
    out += event("messageStop", json::object{{"stopReason", stopReasonOf(reply.finish)}});
    out += event("metadata", json::object{{"metrics", json::object{{"latencyMs", latencyOf(reply)}}},
                                          {"usage", usageOf(reply)}});
    return out;
  }

  std::string malformed() override { return eventFrame("contentBlockDelta", "{not json"); }
  // A frame announcing 2 GiB, whose payload then drips in: a decoder that waits for it buffers it all.
  std::string endlessEventStart() override { return framePrelude(0x7FFFFFFFU); }
  // Event streams have no comment or ping: the fault leaves the stream silent.
  std::string keepAlive() override { return {}; }

 private:
  // The payload with its padding, keys in Bedrock's (alphabetical) order: "p" sorts after the
  // camel-case keys of every Converse event but "role", "start" and "stopReason".
  std::string event(std::string_view type, json::object payload) {
    payload["p"] = padding(events_++);
    std::vector<std::pair<std::string_view, const json::value*>> sorted;
    for (const auto& member : payload) sorted.emplace_back(member.key(), &member.value());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string text = "{";
    for (const auto& [key, value] : sorted) {
      if (text.size() > 1) text.push_back(',');
      text += json::serialize(json::value(json::string(key)));
      text.push_back(':');
      text += json::serialize(*value);
    }
    text.push_back('}');
    return eventFrame(type, text);
  }

  std::string closeText() {
    if (!text_open_) return {};
    text_open_ = false;
    return event("contentBlockStop", json::object{{"contentBlockIndex", 0}});
  }

  unsigned events_ = 0;
  bool text_open_ = false;
};

std::string randomFrom(std::mt19937_64& random, std::string_view alphabet, std::size_t length) {
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out.push_back(alphabet[pick(random)]);
  return out;
}

class BedrockDialect final : public SimDialect {
 public:
  std::string_view name() const override { return "bedrock"; }

  boost::system::result<SimChat, SimError> parse(const json::value& body,
                                                 std::string_view path) const override {
    return bedrock::parseConverseRequest(body, path);
  }

  // Bedrock answers carry no message id; this is the x-amzn-RequestId (a UUID).
  std::string newId(std::mt19937_64& random) const override {
    std::string id = randomFrom(random, "0123456789abcdef", 32);
    id[12] = '4';
    for (const std::size_t dash : {8u, 13u, 18u, 23u}) id.insert(dash, 1, '-');
    return id;
  }

  std::string newToolCallId(std::mt19937_64& random) const override {
    return "tooluse_" + randomFrom(random, kIdAlphabet, kToolUseIdLength);
  }

  // {"metrics":{"latencyMs"},"output":{"message":{"content":[...],"role":"assistant"}},
  //  "stopReason","usage":{...}}: Bedrock's own key order.
  std::string completion(const SimReply& reply) const override {
    json::array content;
    if (reply.tool_call) {
      content.push_back(json::object{{"toolUse", json::object{{"input", toolInput(*reply.tool_call)},
                                                              {"name", reply.tool_call->name},
                                                              {"toolUseId", reply.tool_call->id}}}});
    } else {
      std::string text;
      for (const auto& word : reply.words) text += word;
      content.push_back(json::object{{"text", text}});
    }
    const json::object answer{
        {"metrics", json::object{{"latencyMs", latencyOf(reply)}}},
        {"output",
         json::object{{"message", json::object{{"content", std::move(content)}, {"role", "assistant"}}}}},
        {"stopReason", stopReasonOf(reply.finish)},
        {"usage", usageOf(reply)},
    };
    return json::serialize(answer);
  }

  std::string_view streamContentType() const override { return "application/vnd.amazon.eventstream"; }

  std::unique_ptr<SimStream> stream(const SimReply&, const SimChat&) const override {
    return std::make_unique<BedrockStream>();
  }

  std::string errorBody(const SimError& error) const override {
    return json::serialize(json::object{{"message", error.message}});
  }

  SimError errorForStatus(unsigned status, std::string_view model) const override {
    SimError error;
    error.status = status;
    switch (status) {
      case 400:
        error.type = "ValidationException";
        error.message = "Malformed input request, please reformat your input and try again.";
        break;
      case 403:
        error.type = "AccessDeniedException";
        error.message = "You don't have access to the model with the specified model ID.";
        break;
      case 404:
        error.type = "ResourceNotFoundException";
        error.message = "Could not resolve the foundation model from the provided model identifier: " +
                        std::string(model.empty() ? "unknown" : model) + ".";
        break;
      case 408:
        error.type = "ModelTimeoutException";
        error.message = "Model has timed out in processing the request. Try your request again.";
        break;
      case 424:
        error.type = "ModelErrorException";
        error.message = "The model encountered an error processing the request. Try your request again.";
        break;
      case 429:
        error.type = "ThrottlingException";
        error.message = "Too many requests, please wait before trying again.";
        break;
      case 503:
        error.type = "ServiceUnavailableException";
        error.message = "Bedrock is unable to process your request.";
        break;
      default:
        error.type = "InternalServerException";
        error.message =
            "The system encountered an unexpected error during processing. Try your request again.";
        break;
    }
    return error;
  }

  SimError invalidJson() const override {
    SimError error;
    error.status = 400;
    error.type = "SerializationException";
    error.message = "Unable to parse request body as JSON.";
    return error;
  }

  SimError prefillRejected() const override {
    return bedrock::validationError(
        "This model does not support assistant message prefill. The conversation must end with a user message.");
  }
};

}  // namespace

const SimDialect& bedrockDialect() {
  static const BedrockDialect dialect;
  return dialect;
}

}  // namespace switchyard::sim
