#include "proxy/gateway_state.h"

#include "http/client.h"

namespace switchyard::proxy {

GatewayState::GatewayState(config::Config loaded)
    : config(std::move(loaded)), routes(config) {
  for (const auto* target : routes.targets()) {
    const auto& provider = config.providers[target->provider];
    const auto& ep = provider.endpoint;
    endpoints.push_back(providers::openai::makeChatEndpoint(ep.tls, ep.host, ep.port, ep.base_path,
                                                            provider.api_key, target->model));
  }
  for (const auto& provider : config.providers) {
    tls.push_back(provider.endpoint.tls ? http::makeClientTlsContext(provider.ca_file) : nullptr);
  }
}

}  // namespace switchyard::proxy
