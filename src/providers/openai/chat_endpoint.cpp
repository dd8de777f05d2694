#include "providers/openai/chat_endpoint.h"

#include <algorithm>
#include <charconv>

#include "canonical/json_scan.h"

namespace switchyard::providers::openai {

ChatEndpoint makeChatEndpoint(bool tls, std::string_view host, unsigned port,
                              std::string_view base_path, std::string_view api_key,
                              std::string_view upstream_model) {
  ChatEndpoint endpoint;
  endpoint.path = std::string(base_path) + "/chat/completions";
  const bool default_port = (tls && port == 443) || (!tls && port == 80);
  const bool ipv6 = host.find(':') != std::string_view::npos;
  endpoint.host_header = ipv6 ? "[" + std::string(host) + "]" : std::string(host);
  if (!default_port) endpoint.host_header += ":" + std::to_string(port);
  if (!api_key.empty()) endpoint.authorization = "Bearer " + std::string(api_key);
  endpoint.quoted_model = canonical::jsonQuote(upstream_model);
  endpoint.request_head = "POST " + endpoint.path + " HTTP/1.1\r\nHost: " + endpoint.host_header + "\r\n";
  if (!endpoint.authorization.empty()) {
    endpoint.request_head += "Authorization: " + endpoint.authorization + "\r\n";
  }
  endpoint.request_head += "Content-Type: application/json\r\nUser-Agent: switchyard/0.1\r\n";
  return endpoint;
}

std::size_t requestHeadTail(bool stream, std::size_t content_length, char* out) {
  // On every request: to_chars rather than snprintf, whose format parsing costs more than the rest.
  constexpr std::string_view kAcceptStream = "Accept: text/event-stream\r\nContent-Length: ";
  constexpr std::string_view kAcceptJson = "Accept: application/json\r\nContent-Length: ";
  const std::string_view accept = stream ? kAcceptStream : kAcceptJson;
  char* cursor = std::copy(accept.begin(), accept.end(), out);
  cursor = std::to_chars(cursor, out + kRequestHeadTailMax - 4, content_length).ptr;
  for (const char c : {'\r', '\n', '\r', '\n'}) *cursor++ = c;
  return static_cast<std::size_t>(cursor - out);
}

}  // namespace switchyard::providers::openai
