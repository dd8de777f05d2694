#pragma once
// OpenAI chat-completions wire format as the simulator emits it: completion objects, stream chunks,
// error bodies and the model list. Field names and order follow what api.openai.com sends and what
// the official SDK types (ChatCompletion, ChatCompletionChunk, CompletionUsage) declare. Pure: no
// sockets, no clock, no randomness — callers pass ids and timestamps in.
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sim/dialect.h"

namespace switchyard::sim {

// What every object of one completion shares.
struct CompletionMeta {
  std::string id;                  // "chatcmpl-..."
  int64_t created = 0;             // unix seconds
  std::string model;               // echoed from the request
  std::string system_fingerprint;  // "fp_..."
};

struct Usage {
  uint64_t prompt_tokens = 0;      // cached tokens included
  uint64_t completion_tokens = 0;  // reasoning tokens included
  uint64_t cached_tokens = 0;      // prompt_tokens_details.cached_tokens
  uint64_t reasoning_tokens = 0;   // completion_tokens_details.reasoning_tokens
};

// The OpenAI error object: {"error":{"message","type","param","code"}}; null when absent.
struct ErrorInfo {
  std::string message;
  std::string type;
  std::optional<std::string> param;
  std::optional<std::string> code;
};

inline constexpr std::string_view kFinishStop = "stop";
inline constexpr std::string_view kFinishLength = "length";
inline constexpr std::string_view kFinishToolCalls = "tool_calls";
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

// The non-stream chat.completion object.
// With a tool call, the message's content is null and it carries the call instead.
std::string completionJson(const CompletionMeta& meta, std::string_view content,
                           std::string_view finish_reason, const Usage& usage,
                           const SimToolCall* tool_call = nullptr);

// Renders the chat.completion.chunk objects of one stream. With include_usage every chunk carries
// "usage":null and usage() renders the final choices-less chunk. With include_obfuscation (OpenAI's
// default) every chunk carries an "obfuscation" padding string, as the real API does.
class StreamChunks final {
 public:
  StreamChunks(CompletionMeta meta, bool include_usage, bool include_obfuscation);

  std::string role();                                // delta {"role":"assistant","content":"","refusal":null}
  std::string content(std::string_view text);        // delta {"content":text}
  // Two chunks: the call's id, type and name with empty arguments, then the arguments.
  std::string toolCall(const SimToolCall& call);
  std::string finish(std::string_view finish_reason);  // empty delta with the finish reason
  std::string usage(const Usage& usage);             // "choices":[] and the usage object

 private:
  // The delta is a value, not JSON text: a delta carrying invalid UTF-8 (fault invalid_utf8_after)
  // is serialized as is, where parsing it back would fail.
  std::string render(boost::json::value delta, std::optional<std::string_view> finish_reason,
                     const Usage* usage, bool with_choice);

  CompletionMeta meta_;
  bool include_usage_;
  bool include_obfuscation_;
  unsigned chunks_rendered_ = 0;
};

// One SSE event: "data: PAYLOAD\n\n".
std::string sseEvent(std::string_view payload);

std::string errorJson(const ErrorInfo& error);
// The error OpenAI answers with for an HTTP status (429 rate limit, 503 overloaded, ...).
ErrorInfo errorForStatus(unsigned status, std::string_view model);
// 404 for a path the API does not have: "Invalid URL (POST /v1/foo)".
ErrorInfo invalidUrlError(std::string_view method, std::string_view path);

// GET /v1/models: {"object":"list","data":[{"id","object":"model","created","owned_by"}]}.
std::string modelsJson(const std::vector<std::string>& model_ids, int64_t created);

// "chatcmpl-" and 29 random letters and digits, like OpenAI's ids.
std::string newCompletionId(std::mt19937_64& random);
// "req_" and 32 hex digits, for x-request-id.
std::string newRequestId(std::mt19937_64& random);
// A stable "fp_" and 10 hex digits per simulator name.
std::string fingerprintFor(std::string_view name);

}  // namespace switchyard::sim
