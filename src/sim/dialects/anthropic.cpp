// The Anthropic Messages dialect of the simulator: the Message object, the SSE event sequence and
// error bodies byte for byte as api.anthropic.com writes them (compact JSON, the API's order).
#include <boost/json.hpp>

#include <random>

#include "sim/dialects/anthropic_wire.h"

namespace switchyard::sim::anthropic {

namespace json = boost::json;

namespace {

constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::size_t kIdTail = 22;            // after "msg_01" / "toolu_01": 24 characters in all
constexpr std::size_t kInputFragmentBytes = 16;  // how the stream splits a tool's input JSON
constexpr std::uint64_t kStartOutputTokens = 1;  // message_start's output count, as the API shows

std::string randomId(std::string_view prefix, std::mt19937_64& random) {
  std::uniform_int_distribution<std::size_t> pick(0, kBase62.size() - 1);
  std::string id(prefix);
  id.append("01");
  for (std::size_t i = 0; i < kIdTail; ++i) id.push_back(kBase62[pick(random)]);
  return id;
}

std::string_view stopReasonOf(SimFinish finish) {
  switch (finish) {
    case SimFinish::Length: return "max_tokens";
    case SimFinish::ToolUse: return "tool_use";
    case SimFinish::Stop: break;
  }
  return "end_turn";
}

// Anthropic reports cache reads apart from input_tokens, and counts thinking in output_tokens.
std::uint64_t uncachedInput(const SimReply& reply) { return reply.input_tokens - reply.cached_input_tokens; }

json::object messageUsage(const SimReply& reply, std::uint64_t output_tokens) {
  return json::object{
      {"input_tokens", uncachedInput(reply)},
      {"cache_creation_input_tokens", 0},
      {"cache_read_input_tokens", reply.cached_input_tokens},
      {"cache_creation", json::object{{"ephemeral_5m_input_tokens", 0}, {"ephemeral_1h_input_tokens", 0}}},
      {"output_tokens", output_tokens},
      {"service_tier", "standard"},
  };
}

json::object message(const SimReply& reply, json::array content, json::value stop_reason,
                     std::uint64_t output_tokens) {
  return json::object{
      {"id", reply.id},
      {"type", "message"},
      {"role", "assistant"},
      {"model", reply.model},
      {"content", std::move(content)},
      {"stop_reason", std::move(stop_reason)},
      {"stop_sequence", nullptr},
      {"usage", messageUsage(reply, output_tokens)},
  };
}

json::value inputOf(const SimToolCall& call) {
  boost::system::error_code ec;
  json::value input = json::parse(call.arguments, ec);
  if (ec || !input.is_object()) return json::object{};
  return input;
}

std::string event(std::string_view name, const json::object& data) {
  std::string out = "event: ";
  out.append(name).append("\ndata: ").append(json::serialize(data)).append("\n\n");
  return out;
}

json::object blockDelta(int index, json::object delta) {
  return json::object{{"type", "content_block_delta"}, {"index", index}, {"delta", std::move(delta)}};
}

std::string ping() { return event("ping", json::object{{"type", "ping"}}); }

class AnthropicStream final : public SimStream {
 public:
  // A text answer opens its text block (and pings) in start(); a tool call opens its own block.
  std::string start(const SimReply& reply) override {
    std::string out = event("message_start", json::object{{"type", "message_start"},
                                                          {"message", message(reply, json::array{}, nullptr,
                                                                              kStartOutputTokens)}});
    if (!reply.tool_call) {
      out += event("content_block_start",
                   json::object{{"type", "content_block_start"},
                                {"index", 0},
                                {"content_block", json::object{{"type", "text"}, {"text", ""}}}});
      out += ping();
      text_open_ = true;
    }
    return out;
  }

  std::string text(std::string_view piece) override {
    return event("content_block_delta", blockDelta(0, json::object{{"type", "text_delta"}, {"text", piece}}));
  }

  std::string toolCall(const SimToolCall& call) override {
    std::string out = event("content_block_start",
                            json::object{{"type", "content_block_start"},
                                         {"index", 0},
                                         {"content_block", json::object{{"type", "tool_use"},
                                                                        {"id", call.id},
                                                                        {"name", call.name},
                                                                        {"input", json::object{}}}}});
    out += ping();
    const auto delta = [&](std::string_view fragment) {
      out += event("content_block_delta",
                   blockDelta(0, json::object{{"type", "input_json_delta"}, {"partial_json", fragment}}));
    };
    delta("");
    const std::string arguments = json::serialize(inputOf(call));
    for (std::size_t at = 0; at < arguments.size(); at += kInputFragmentBytes) {
      delta(std::string_view(arguments).substr(at, kInputFragmentBytes));
    }
    out += event("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", 0}});
    return out;
  }

  std::string finish(const SimReply& reply) override {
    std::string out;
    if (text_open_) out += event("content_block_stop", json::object{{"type", "content_block_stop"}, {"index", 0}});
    out += event("message_delta",
                 json::object{{"type", "message_delta"},
                              {"delta", json::object{{"stop_reason", stopReasonOf(reply.finish)},
                                                     {"stop_sequence", nullptr}}},
                              {"usage", json::object{{"input_tokens", uncachedInput(reply)},
                                                     {"cache_creation_input_tokens", 0},
                                                     {"cache_read_input_tokens", reply.cached_input_tokens},
                                                     {"output_tokens", reply.output_tokens + reply.reasoning_tokens}}}});
    out += event("message_stop", json::object{{"type", "message_stop"}});
    return out;
  }

  std::string errorEvent() override {
    return "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
  }
  std::string malformed() override {
    return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\n\n";
  }

 private:
  bool text_open_ = false;
};

class AnthropicDialect final : public SimDialect {
 public:
  std::string_view name() const override { return "anthropic"; }

  boost::system::result<SimChat, SimError> parse(const json::value& body, std::string_view) const override {
    return parseRequest(body);
  }

  std::string newId(std::mt19937_64& random) const override { return randomId("msg_", random); }
  std::string newToolCallId(std::mt19937_64& random) const override { return randomId("toolu_", random); }

  std::string completion(const SimReply& reply) const override { return completionJson(reply); }

  std::string_view streamContentType() const override { return "text/event-stream; charset=utf-8"; }

  std::unique_ptr<SimStream> stream(const SimReply& reply, const SimChat&) const override {
    return makeStream(reply);
  }

  std::string errorBody(const SimError& error) const override { return errorJson(error); }

  SimError errorForStatus(unsigned status, std::string_view model) const override {
    return statusError(status, model);
  }

  SimError invalidJson() const override {
    return SimError{400, "There was an issue with the body of your request: it is not valid JSON.",
                    std::string(kInvalidRequest), {}, {}};
  }

  // What the Messages API answers for models that cannot continue a prefill (those with extended
  // thinking on, and the newest models).
  SimError prefillRejected() const override {
    return SimError{400, "This model does not support assistant message prefill. The conversation must end with a user "
                         "message.", std::string(kInvalidRequest), {}, {}};
  }
};

}  // namespace

std::string completionJson(const SimReply& reply) {
  json::array content;
  if (reply.tool_call) {
    content.push_back(json::object{{"type", "tool_use"},
                                   {"id", reply.tool_call->id},
                                   {"name", reply.tool_call->name},
                                   {"input", inputOf(*reply.tool_call)}});
  } else {
    std::string text;
    for (const auto& word : reply.words) text += word;
    content.push_back(json::object{{"type", "text"}, {"text", text}});
  }
  return json::serialize(message(reply, std::move(content), json::string(stopReasonOf(reply.finish)),
                                 reply.output_tokens + reply.reasoning_tokens));
}

std::unique_ptr<SimStream> makeStream(const SimReply&) { return std::make_unique<AnthropicStream>(); }

std::string errorJson(const SimError& error) {
  // A request id that is stable for one error (the dialect is pure: no randomness here).
  std::uint64_t hash = 14695981039346656037ull;
  for (const unsigned char c : error.type + error.message) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  std::string request_id = "req_011C";
  for (int i = 0; i < 20; ++i) {
    hash = hash * 6364136223846793005ull + 1442695040888963407ull;  // one LCG step per character
    request_id.push_back(kBase62[(hash >> 33) % kBase62.size()]);
  }
  return json::serialize(json::object{{"type", "error"},
                                      {"error", json::object{{"type", error.type}, {"message", error.message}}},
                                      {"request_id", request_id}});
}

}  // namespace switchyard::sim::anthropic

namespace switchyard::sim {

const SimDialect& anthropicDialect() {
  static const anthropic::AnthropicDialect dialect;
  return dialect;
}

}  // namespace switchyard::sim
