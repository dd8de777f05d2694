#pragma once
// The same-dialect fast path: when a client speaks its target's wire format, the client's body is
// forwarded with only `model` replaced and the answer's bytes are relayed. Everything such a request
// needs is computed once per route target here, so the request path only splices the model name.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "canonical/chat.h"
#include "config/config.h"

namespace switchyard::providers {

struct ForwardEndpoint {
  canonical::Dialect dialect = canonical::Dialect::OpenAi;
  // The fixed part of the request head: request line, Host, credentials, Content-Type, User-Agent,
  // each ending in CRLF. Per-request lines and requestHeadTail() complete it.
  std::string request_head;
  std::string quoted_model;  // the upstream model as a JSON string literal
  // Anthropic: the anthropic-version sent when the client sent none.
  std::string default_version;
};

// For openai, azure and anthropic providers; nullopt for kinds no client surface speaks (gemini,
// bedrock), whose requests are always translated.
std::optional<ForwardEndpoint> makeForwardEndpoint(const config::Provider& provider, const std::string& model);

// Anthropic's POST /v1/messages/count_tokens at an anthropic provider (nullopt for other kinds): the
// client's count_tokens body is forwarded like a chat body.
std::optional<ForwardEndpoint> makeCountTokensEndpoint(const config::Provider& provider, const std::string& model);


}  // namespace switchyard::providers
