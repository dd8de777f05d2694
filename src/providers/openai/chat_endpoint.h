#pragma once
// Provider kind `openai`: any server that speaks OpenAI's chat-completions API (OpenAI, vLLM,
// llama.cpp server, Ollama /v1, Groq...). Everything a request to one target needs is computed once
// at start-up, so the request path only splices the model name into the client's body.
#include <cstddef>
#include <string>
#include <string_view>

namespace switchyard::providers::openai {

struct ChatEndpoint {
  std::string path;           // base path + "/chat/completions"
  std::string host_header;    // "host" or "host:port" when the port is not the scheme's default
  std::string authorization;  // "Bearer KEY", empty when the provider has no key
  std::string quoted_model;   // the upstream model as a JSON string literal
  // The fixed part of the upstream request head: request line, Host, Authorization,
  // Content-Type, User-Agent, each ending in CRLF. requestHeadTail() completes it.
  std::string request_head;
};

// Accept and Content-Length for one request, and the blank line that ends the head.
// Writes into `out` (at least kRequestHeadTailMax bytes); returns the bytes written.
inline constexpr std::size_t kRequestHeadTailMax = 96;
std::size_t requestHeadTail(bool stream, std::size_t content_length, char* out);

ChatEndpoint makeChatEndpoint(bool tls, std::string_view host, unsigned port,
                              std::string_view base_path, std::string_view api_key,
                              std::string_view upstream_model);

}  // namespace switchyard::providers::openai
