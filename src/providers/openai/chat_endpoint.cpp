#include "providers/openai/chat_endpoint.h"

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
  return endpoint;
}

}  // namespace switchyard::providers::openai
