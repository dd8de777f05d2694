#pragma once
// The OpenAI chat-completions surface on the translated path (the target speaks another dialect):
// the whole request read into canonical form, and canonical answers, streams and errors rendered
// exactly as api.openai.com renders them.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "canonical/chat.h"
#include "canonical/stream_codec.h"

namespace switchyard::surfaces::openai {

// Reads a chat-completions body. A field that cannot be read (wrong type, unknown role, unknown
// content part type) returns an invalid-request Error naming it (param: "messages[2].content[0].type").
std::optional<canonical::Error> parseChatCompletion(std::string_view body, canonical::Arena& arena,
                                                    canonical::ChatRequest& out);
// Appends the chat.completion object.
void renderChatCompletion(const canonical::ChatResponse& response, std::string& out);
// Renders chat.completion.chunk events and the final [DONE]. With include_usage the last chunk
// before [DONE] carries the usage (choices: []), as OpenAI's stream_options.include_usage does.
std::unique_ptr<canonical::StreamEncoder> makeStreamEncoder(bool include_usage);
// {"error":{"message","type","param","code"}} with OpenAI's type for the category.
std::string renderErrorBody(const canonical::Error& error);
// The HTTP status an OpenAI client gets for an error of this category (400 for invalid requests and
// context overflows, 401, 403, 404, 413, 429, 500, 503, 504), whatever status the upstream used.
int clientStatus(const canonical::Error& error);

}  // namespace switchyard::surfaces::openai
