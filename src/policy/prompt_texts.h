#pragma once
// The strings of a chat request body that carry content toward the model, for PII detection and
// redaction. Knows the JSON shapes of the OpenAI chat completions / Responses and Anthropic
// messages requests, and nothing else of them: the policy module sees no other wire detail.
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <cstddef>
#include <functional>

namespace switchyard::policy {

// Calls fn on every content string of `body`, in document order:
// - messages[].content: a string, or parts/blocks (below); tool_calls[].function.arguments and
//   the legacy function_call.arguments (JSON text, scanned as text);
// - system: a string or blocks;
// - top-level "prompt", "input", "instructions": a string, an array of strings, or Responses
//   input items (content, output, arguments);
// - a part or block: "text"; tool_result "content" (a string or blocks); tool_use "input" (every
//   string value of the JSON object, at any depth, not the keys); "output"/"arguments" strings;
//   a document block's plain-text source data.
// Structural strings are never visited: role, type, id, tool_call_id, tool_use_id, name, model,
// cache_control, media_type, image data and URLs, signatures; neither are thinking blocks (their
// signature covers their text, so an edited one would be refused upstream).
// fn may change the string in place (redaction). Returns how many strings were visited.
std::size_t forEachPromptText(boost::json::object& body,
                              const std::function<void(boost::json::string&)>& fn);

}  // namespace switchyard::policy
