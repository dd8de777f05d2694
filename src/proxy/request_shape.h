#pragma once
// What routing rules look at in a chat request (routing/rules.h RequestShape), read from the body
// of either dialect: OpenAI chat completions or Anthropic messages. Parses the body once into a
// short-lived document: call it only for routes that have rules.
#include <string_view>

#include "routing/rules.h"

namespace switchyard::proxy {

// Fills prompt_tokens, stream, tools, images and json_mode; the caller adds the header lookup and
// the client key. Not valid JSON, or not an object: everything false and 0 (the chat parser has
// refused such a body before routing).
//
// prompt_tokens is an estimate, like count_tokens': about four characters per token over every
// string in `messages`, `system` and `tools` (text, tool arguments and results, tool schemas'
// descriptions; neither object keys nor `role` and `type` values are counted), an image as 1,500 tokens (its data is not counted),
// plus 4 tokens of framing per message.
// tools: a non-empty `tools` (or OpenAI's older `functions`). images: an image part anywhere in a
// message (OpenAI `image_url`/`input_image`, Anthropic `image`, tool results included).
// json_mode: OpenAI `response_format.type` json_object or json_schema (Anthropic's `output_format`
// of type json_schema too). stream: `"stream": true`.
routing::RequestShape shapeOfChatBody(std::string_view body);

}  // namespace switchyard::proxy
