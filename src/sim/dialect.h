#pragma once
// One provider's wire format as the simulator speaks it. The exchange logic (faults, delays, cuts,
// chunk pacing) is shared by every dialect (sim/chat_exchange.cpp); a dialect only parses requests
// the way its provider validates them and renders answers, stream pieces and errors byte for byte
// as its provider does. Pure: no sockets, no clock; ids and timestamps come in.
#include <boost/json/fwd.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::sim {

// What the simulator acts on, whatever the dialect.
struct SimChat {
  std::string model;                   // from the body, or from the path (Gemini, Bedrock, Azure)
  bool stream = false;                 // from the body, or from the path
  bool include_usage = false;          // OpenAI stream_options.include_usage; others always report usage
  bool include_obfuscation = true;     // OpenAI stream_options.include_obfuscation
  std::optional<std::uint64_t> max_tokens;
  std::string last_user_text;          // text of the last user turn
  std::uint64_t prompt_tokens = 0;     // rough: words across all turns
  // Tool use: when the request offers tools and its last turn is the user's plain text, the
  // simulator calls the first tool with {"input": last_user_text}. When the last turn carries a
  // tool result, it answers "Tool result: " + that result's text.
  std::string first_tool_name;         // empty when the request offers no tools
  bool last_turn_is_tool_result = false;
  std::string tool_result_text;
  // Continuations, answered as --prefill says (sim/reply.cpp; sim/conversation_tail.h finds them).
  // prefill_text: set when the last turn is the assistant's, to its text (the answer's start).
  // question: set when the conversation ends with an assistant turn, or with one followed by a
  // single user text turn (a "continue where you stopped" instruction): the user text that assistant
  // turn answered, or, when question_is_tool_result, the text of the tool result it answered.
  std::optional<std::string> prefill_text;
  std::optional<std::string> question;
  bool question_is_tool_result = false;
};

// A provider's error: HTTP status plus what its error body says.
struct SimError {
  unsigned status = 400;
  std::string message;
  std::string type;   // the provider's error type/code token ("invalid_request_error", "INVALID_ARGUMENT"...)
  std::string param;  // OpenAI only; empty when none
  std::string code;   // OpenAI only; empty when none
};

enum class SimFinish { Stop, Length, ToolUse };

struct SimToolCall {
  std::string id;         // "call_..." / "toolu_..." (the dialect's prefix)
  std::string name;
  std::string arguments;  // JSON object text
};

// The answer, decided by the shared logic.
struct SimReply {
  std::string id;          // the dialect's id (newId)
  std::int64_t created = 0;
  std::string model;
  std::string fingerprint;  // OpenAI system_fingerprint
  std::vector<std::string> words;  // text pieces; one piece is one stream chunk and one token
  std::optional<SimToolCall> tool_call;  // set: the answer is this call (words empty)
  SimFinish finish = SimFinish::Stop;
  std::uint64_t input_tokens = 0;   // the whole prompt, cache reads included (OpenAI's prompt_tokens)
  std::uint64_t output_tokens = 0;  // the answer's own tokens (one a piece), reasoning not included
  // Set through /_sim/usage: the part of input_tokens read from the provider's prompt cache, and
  // tokens the model reasoned before answering (billed as output, on top of output_tokens). Each
  // dialect reports them as its provider does (OpenAI and Gemini apart; Anthropic and Bedrock fold
  // reasoning into their output count).
  std::uint64_t cached_input_tokens = 0;
  std::uint64_t reasoning_tokens = 0;
};

// Renders one streamed answer piece by piece; each call returns the bytes to send (already framed
// as the provider frames them: SSE events, or AWS event-stream messages for Bedrock).
class SimStream {
 public:
  virtual ~SimStream() = default;
  // Everything before the first content piece (OpenAI: the role chunk; Anthropic: message_start,
  // content_block_start, ping). Sent together with the first piece.
  virtual std::string start(const SimReply& reply) = 0;
  virtual std::string text(std::string_view piece) = 0;
  // The whole tool call (start + argument deltas + stop, as the provider splits it).
  virtual std::string toolCall(const SimToolCall& call) = 0;
  // Everything after the last piece, end marker included (finish reason, usage, [DONE]/message_stop...).
  virtual std::string finish(const SimReply& reply) = 0;
  // A piece whose framing is right but whose JSON is not.
  virtual std::string malformed() = 0;
  // The opening of an event that will never end (fault endless_event_after): what follows is filler.
  // SSE: a data line with an unterminated JSON string; Bedrock overrides it.
  virtual std::string endlessEventStart() { return "data: {\"filler\":\""; }
  // A piece that carries no content and keeps a stream alive (fault keepalive_after); empty when the
  // format has none (the stream then goes silent).
  virtual std::string keepAlive() { return ": keepalive\n\n"; }
  // The provider's in-stream error event (OpenAI's `data: {"error":...}` unless the dialect says otherwise).
  virtual std::string errorEvent() {
    return "data: {\"error\":{\"message\":\"The server had an error while processing your request.\","
           "\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
  }
};

class SimDialect {
 public:
  virtual ~SimDialect() = default;
  virtual std::string_view name() const = 0;
  // Validates a parsed body as the provider does; `path` is the request target without its query.
  virtual boost::system::result<SimChat, SimError> parse(const boost::json::value& body,
                                                           std::string_view path) const = 0;
  // A fresh answer id in the provider's style ("chatcmpl-...", "msg_...").
  virtual std::string newId(std::mt19937_64& random) const = 0;
  // A fresh tool-call id in the provider's style; OpenAI's "call_" + 24 letters and digits unless
  // the dialect says otherwise.
  virtual std::string newToolCallId(std::mt19937_64& random) const {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
    std::string id = "call_";
    for (int i = 0; i < 24; ++i) id.push_back(kAlphabet[pick(random)]);
    return id;
  }
  virtual std::string completion(const SimReply& reply) const = 0;
  virtual std::string_view streamContentType() const = 0;
  virtual std::unique_ptr<SimStream> stream(const SimReply& reply, const SimChat& chat) const = 0;
  // The error body for an error (the provider's shape).
  virtual std::string errorBody(const SimError& error) const = 0;
  // The error the provider answers a fault status with (429, 500, 503, 529...), and for a body
  // that is not JSON.
  virtual SimError errorForStatus(unsigned status, std::string_view model) const = 0;
  virtual SimError invalidJson() const = 0;
  // The 400 of a model that cannot continue an assistant prefill (--prefill reject); llama.cpp
  // server's, as OpenAI-compatible servers go, unless the dialect says otherwise.
  virtual SimError prefillRejected() const {
    return {400, "Assistant response prefill is incompatible with enable_thinking.", "invalid_request_error", {}, {}};
  }
};

// The dialects, one per provider wire format. Requests are routed to them by path:
//   POST /v1/chat/completions, /openai/deployments/{d}/chat/completions  -> openai
//   POST /v1/messages                                                    -> anthropic
//   POST /v1beta/models/{m}:generateContent, :streamGenerateContent      -> gemini
//   POST /model/{id}/converse, /model/{id}/converse-stream               -> bedrock
const SimDialect& openAiDialect();
const SimDialect& anthropicDialect();
const SimDialect& geminiDialect();
const SimDialect& bedrockDialect();

// The dialect serving a POST to `path`, or null.
const SimDialect* dialectForPath(std::string_view path);

}  // namespace switchyard::sim
