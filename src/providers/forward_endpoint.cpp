#include "providers/forward_endpoint.h"

#include "canonical/json_scan.h"
#include "providers/openai/chat_endpoint.h"

namespace switchyard::providers {

namespace {

std::string headStart(std::string_view path, const config::Endpoint& endpoint) {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: " + endpoint.hostHeader() + "\r\n";
}

constexpr std::string_view kJsonAndAgent = "Content-Type: application/json\r\nUser-Agent: switchyard/0.1\r\n";

ForwardEndpoint anthropicEndpoint(const config::Provider& provider, const std::string& model, std::string_view path) {
  ForwardEndpoint forward;
  forward.dialect = canonical::Dialect::Anthropic;
  forward.quoted_model = canonical::jsonQuote(model);
  forward.request_head = headStart(provider.endpoint.base_path + std::string(path), provider.endpoint);
  if (!provider.api_key.empty()) forward.request_head += "x-api-key: " + provider.api_key + "\r\n";
  forward.request_head += kJsonAndAgent;
  forward.default_version = provider.api_version;
  return forward;
}

}  // namespace

std::optional<ForwardEndpoint> makeForwardEndpoint(const config::Provider& provider, const std::string& model) {
  const auto& ep = provider.endpoint;
  ForwardEndpoint forward;
  forward.quoted_model = canonical::jsonQuote(model);
  if (provider.kind == "openai") {
    forward.request_head =
        openai::makeChatEndpoint(ep.tls, ep.host, ep.port, ep.base_path, provider.api_key, model).request_head;
    return forward;
  }
  if (provider.kind == "azure") {
    // The deployment is named in the path; Azure ignores the body's model.
    forward.request_head = headStart(ep.base_path + "/openai/deployments/" + model +
                                         "/chat/completions?api-version=" + provider.api_version,
                                     ep);
    if (!provider.api_key.empty()) forward.request_head += "api-key: " + provider.api_key + "\r\n";
    forward.request_head += kJsonAndAgent;
    return forward;
  }
  if (provider.kind == "anthropic") return anthropicEndpoint(provider, model, "/v1/messages");
  return std::nullopt;
}

std::optional<ForwardEndpoint> makeCountTokensEndpoint(const config::Provider& provider, const std::string& model) {
  if (provider.kind != "anthropic") return std::nullopt;
  return anthropicEndpoint(provider, model, "/v1/messages/count_tokens");
}

}  // namespace switchyard::providers
