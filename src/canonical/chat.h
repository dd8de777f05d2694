#pragma once
// The canonical chat exchange every dialect translates to and from: surfaces (what clients speak)
// parse into it and render out of it; providers (what targets speak) encode it and decode into it.
// Its shape follows the richest common ground of OpenAI chat completions, Anthropic Messages,
// Gemini generateContent and Bedrock Converse. Strings are views: into the client's body, into a
// document parsed on the request's Arena, or into text copied onto that Arena.
#include <cstdint>
#include <optional>
#include <string_view>

#include "canonical/arena.h"

namespace switchyard::canonical {

// The wire format an endpoint speaks. Azure and every OpenAI-compatible server speak OpenAI.
enum class Dialect : std::uint8_t { OpenAi, Anthropic, Gemini, Bedrock };
std::string_view toString(Dialect dialect);

// System text lives in ChatRequest::system; tool results travel in user turns (as in Anthropic and
// Bedrock); OpenAI's "tool" messages become user turns with ToolResult parts and back.
enum class Role : std::uint8_t { User, Assistant };

enum class PartType : std::uint8_t {
  Text,        // text
  Image,       // image: url, or media_type + base64 data
  ToolCall,    // assistant asks for a tool: id, name, arguments (JSON object text)
  ToolResult,  // user answers a tool call: id (the call's), text, is_error; name when known
};

struct Image {
  std::string_view url;         // http(s) URL; empty when the image is inline
  std::string_view media_type;  // "image/png"... for inline images
  std::string_view data;        // base64, for inline images
};

struct Part {
  PartType type = PartType::Text;
  std::string_view text;       // Text; ToolResult's content (text parts joined)
  Image image;                 // Image
  std::string_view id;         // ToolCall: its id; ToolResult: the id of the call it answers
  // ToolCall: the function. ToolResult: the function it answers; surfaces fill it from the earlier
  // call with the same id (Gemini needs the name, not the id).
  std::string_view name;
  std::string_view arguments;  // ToolCall: a JSON object's text ("{}" when none)
  bool is_error = false;       // ToolResult
};

// A turn: parts[first, first + count) of its request's (or response's) `parts`.
struct Message {
  Role role = Role::User;
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

struct Tool {
  std::string_view name;
  std::string_view description;
  std::string_view parameters;  // JSON Schema object text; "{\"type\":\"object\"}" when none given
};

enum class ToolChoiceMode : std::uint8_t { Unset, Auto, None, Required, Named };
struct ToolChoice {
  ToolChoiceMode mode = ToolChoiceMode::Unset;
  std::string_view name;  // Named
};

enum class ResponseFormat : std::uint8_t { Text, JsonObject, JsonSchema };

// How a request whose last turn is the assistant's asks the target to go on from that text
// (mid-stream failover's "prefill"). Each OpenAI-compatible server has its own documented way.
enum class Prefill : std::uint8_t {
  None,                  // no prefill: a trailing assistant turn is sent as is
  TrailingAssistant,     // the trailing assistant turn alone (Anthropic, Bedrock, llama.cpp, Ollama, Groq, OpenRouter)
  ContinueFinalMessage,  // vLLM: "continue_final_message": true, "add_generation_prompt": false
  PrefixFlag,            // DeepSeek (beta), Mistral: "prefix": true on the last assistant message
};

struct ChatRequest {
  explicit ChatRequest(Arena& arena)
      : system(arena.vec<std::string_view>()), messages(arena.vec<Message>()),
        parts(arena.vec<Part>()), stop(arena.vec<std::string_view>()), tools(arena.vec<Tool>()) {}

  std::string_view model;  // as the client sent it: the route name
  Vec<std::string_view> system;  // system/developer text blocks, in order
  Vec<Message> messages;
  Vec<Part> parts;
  std::optional<std::int64_t> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<std::int64_t> top_k;  // Anthropic, Gemini
  Vec<std::string_view> stop;
  Vec<Tool> tools;
  ToolChoice tool_choice;
  std::optional<bool> parallel_tool_calls;
  ResponseFormat response_format = ResponseFormat::Text;
  std::string_view response_schema;       // JsonSchema: the schema object's text
  std::string_view response_schema_name;  // JsonSchema: its name
  bool stream = false;
  bool include_usage = false;  // OpenAI stream_options.include_usage
  std::string_view user;       // OpenAI `user`, Anthropic metadata.user_id
  Prefill prefill = Prefill::None;  // set only by mid-stream failover's continuation requests

  // Appends a turn holding the parts added since `first_part`.
  void addMessage(Role role, std::size_t first_part) {
    messages.push_back({role, static_cast<std::uint32_t>(first_part),
                        static_cast<std::uint32_t>(parts.size() - first_part)});
  }
};

enum class FinishReason : std::uint8_t {
  EndTurn,        // OpenAI stop, Anthropic end_turn, Gemini STOP, Bedrock end_turn
  StopSequence,   // a stop sequence matched (OpenAI says "stop")
  MaxTokens,      // OpenAI length
  ToolUse,        // OpenAI tool_calls
  ContentFilter,  // OpenAI content_filter, Anthropic refusal, Gemini SAFETY..., Bedrock content_filtered
};

// input_tokens counts every prompt token, cached ones included (OpenAI's prompt_tokens meaning);
// cache_read_tokens and cache_write_tokens are parts of it. Anthropic and Bedrock report cache
// tokens apart from input_tokens: their codecs add them in on decode and take them out on render.
// reasoning_tokens is part of output_tokens (as OpenAI reports it and every provider bills it), kept
// apart only for the record.
struct Usage {
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cache_read_tokens = 0;
  std::int64_t cache_write_tokens = 0;
  std::int64_t reasoning_tokens = 0;
};

// A whole (non-stream) answer. content holds Text and ToolCall parts in order.
struct ChatResponse {
  explicit ChatResponse(Arena& arena) : content(arena.vec<Part>()) {}

  std::string_view id;     // the provider's id; empty: the surface makes one
  std::string_view model;  // the model that answered
  std::int64_t created = 0;  // unix seconds; 0: now
  Vec<Part> content;
  FinishReason finish = FinishReason::EndTurn;
  std::string_view stop_sequence;  // StopSequence: which one, when known
  Usage usage;
};

// One step of a streamed answer. Decoders emit, in order: Start; any number of TextDelta,
// ToolCallStart and ToolCallDelta (a call's deltas follow its start; calls are numbered from 0 in
// order of appearance); Finish; Usage (when the provider reported it); then the decoder says Done.
enum class EventType : std::uint8_t { Start, TextDelta, ToolCallStart, ToolCallDelta, Finish, Usage };

struct StreamEvent {
  EventType type = EventType::TextDelta;
  std::string_view text;  // TextDelta: the text; ToolCallDelta: a fragment of the arguments' JSON
  std::string_view id;    // Start: the message id (may be empty); ToolCallStart: the call's id
  std::string_view name;  // Start: the model; ToolCallStart: the function's name
  int index = 0;          // ToolCallStart/ToolCallDelta: which call
  FinishReason finish = FinishReason::EndTurn;  // Finish
  std::string_view stop_sequence;               // Finish
  Usage usage;                                  // Usage
};

// What went wrong, in terms every dialect can render in its own error shape.
enum class ErrorCategory : std::uint8_t {
  InvalidRequest,         // 400
  ContextLengthExceeded,  // 400: the prompt does not fit the model's context window
  Authentication,         // 401
  PermissionDenied,       // 403
  NotFound,               // 404
  RequestTooLarge,        // 413
  RateLimited,            // 429
  Server,                 // 500 and other 5xx
  Overloaded,             // 503, Anthropic's 529
  Timeout,                // 504, the gateway's deadline
};

// The category an HTTP status stands for when the body says nothing more specific (402 counts
// as permission, 408 as timeout, 529 as overloaded, other 5xx as server, other 4xx as invalid).
ErrorCategory categoryForStatus(int status);
// The usual HTTP status of a category: 400, 401, 403, 404, 413, 429, 500, 503 (overloaded), 504.
// Dialects that use another (Anthropic's overloaded is 529) say so in their surface.
int statusForCategory(ErrorCategory category);

struct Error {
  int status = 400;       // the HTTP status the client gets
  ErrorCategory category = ErrorCategory::InvalidRequest;
  std::string_view message;
  std::string_view param;  // the offending field, when known ("messages[2].content")
  std::string_view code;   // a machine-readable code, when known ("context_length_exceeded")
  // The gateway's request id, rendered into the client's error body when set (OpenAI: inside the
  // error object; Anthropic: the top-level request_id).
  std::string_view request_id;
};

}  // namespace switchyard::canonical
