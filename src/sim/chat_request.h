#pragma once
// The parts of a chat-completions request the simulator acts on, validated the way OpenAI
// validates them (and, for continuations, the way vLLM and DeepSeek check their prefill switches),
// and the deterministic reply it gives.
#include "sim/openai_responses.h"

#include <boost/json/fwd.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::sim {

struct ChatRequest {
  std::string model;
  bool stream = false;
  bool include_usage = false;        // stream_options.include_usage
  bool include_obfuscation = true;   // stream_options.include_obfuscation (OpenAI's default: on)
  std::optional<uint64_t> max_tokens;  // max_completion_tokens, else max_tokens
  std::string last_user_text;        // text of the last "user" message
  uint64_t prompt_tokens = 0;        // rough: words across all messages
  std::string first_tool_name;       // tools[0].function.name; empty without tools
  bool last_turn_is_tool_result = false;  // the last message has role "tool"
  std::string tool_result_text;      // ... and this content
  std::optional<std::string> prefill_text;  // as in SimChat (sim/dialect.h)
  std::optional<std::string> question;
  bool question_is_tool_result = false;
};

using ChatRequestResult = boost::system::result<ChatRequest, ErrorInfo>;

// The 400 OpenAI answers when the body is not JSON.
ErrorInfo invalidJsonError();
// Validates a parsed body (an object with a string model and a non-empty messages array).
ChatRequestResult parseChatRequest(const boost::json::value& body);

// "Hello from NAME: " followed by the user's text.
std::string replyText(std::string_view name, std::string_view last_user_text);
// Splits text into words, each keeping the blanks that follow it, so that the pieces concatenate
// back to the text exactly: one piece is one streamed chunk and one completion token.
std::vector<std::string> splitWords(std::string_view text);
// Number of blank-separated words.
uint64_t countWords(std::string_view text);

}  // namespace switchyard::sim
