#pragma once
// The GenerateContentRequest body for a canonical request. Field names and order follow the REST
// reference (contents, tools, toolConfig, systemInstruction, generationConfig).
#include <optional>
#include <string>

#include "canonical/arena.h"
#include "canonical/chat.h"

namespace switchyard::providers::gemini {

// Appends the body to `out`. A request Gemini cannot carry (a tool result without its function's
// name, an image URL that is not http(s)/gs, arguments that are not a JSON object) returns an
// invalid-request Error naming the field; `out` is then unspecified.
std::optional<canonical::Error> encodeRequestBody(const canonical::ChatRequest& request,
                                                  canonical::Arena& arena, std::string& out);

}  // namespace switchyard::providers::gemini
