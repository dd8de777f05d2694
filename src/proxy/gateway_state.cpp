#include "proxy/gateway_state.h"

#include <algorithm>

#include "http/client.h"
#include "proxy/response_headers.h"

namespace switchyard::proxy {

GatewayState::GatewayState(config::Config loaded)
    : config(std::move(loaded)), routes(config) {
  for (const auto* target : routes.targets()) {
    const auto& provider = config.providers[target->provider];
    forward.push_back(providers::makeForwardEndpoint(provider, target->model));
    codecs.push_back(providers::makeTargetCodec(provider, target->model));
    count_tokens.push_back(providers::makeCountTokensEndpoint(provider, target->model));
  }
  for (const auto& route : routes.routes()) {
    for (const auto& target : route.targets) {
      served_by.resize(std::max(served_by.size(), target.slot + 1));
      served_by[target.slot] = servedByLines(route.name, target.id);
    }
  }
  for (const auto& provider : config.providers) {
    if (!provider.endpoint.tls) {
      tls.push_back(nullptr);
      continue;
    }
    try {
      tls.push_back(http::makeClientTlsContext(provider.ca_file));
    } catch (const std::exception& error) {
      // Only reachable through ca_file: the system store itself never fails to load.
      throw config::ConfigError(config.source + ":" + std::to_string(provider.line) + ": key 'providers." +
                                provider.name + ".ca_file': cannot load '" + provider.ca_file +
                                "' as PEM certificates (" + error.what() + ")");
    }
  }
}

}  // namespace switchyard::proxy
