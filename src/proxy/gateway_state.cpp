#include "proxy/gateway_state.h"

#include <algorithm>

#include "http/client.h"
#include "providers/prefill_support.h"
#include "proxy/response_headers.h"

namespace switchyard::proxy {

namespace {

// Custom patterns are compiled here, where a bad one stops start-up or a reload with its line.
std::unique_ptr<policy::PiiDetector> compile(const config::Config& config, const config::PiiPolicy& pii,
                                             const std::string& where) {
  try {
    return std::make_unique<policy::PiiDetector>(pii);
  } catch (const std::exception& error) {
    throw config::ConfigError(config.source + ":" + std::to_string(pii.line) + ": key '" + where +
                              ".pii.patterns': " + error.what());
  }
}

}  // namespace

GatewayState::GatewayState(config::Config loaded, const GatewayState* previous)
    : config(std::move(loaded)), routes(config), classes(config) {
  for (const auto* target : routes.targets()) slot_classes.push_back(classes.providerSatisfies(target->provider));
  for (const auto& route : routes.routes()) {
    RoutePolicy policy;
    if (const config::Route* declared = config.findRoute(route.name)) {
      policy.classes = classes.maskOf(declared->data_classes);
      if (declared->pii.action != config::PiiAction::None) {
        policy.pii = &declared->pii;
        policy.detector = compile(config, declared->pii, "routes." + route.name);
      }
    }
    route_policy.push_back(std::move(policy));
  }
  for (const auto& key : config.keys) {
    if (key.pii.action != config::PiiAction::None) key_pii.emplace(key.name, compile(config, key.pii, "keys." + key.name));
  }
  builtin_pii = std::make_unique<policy::PiiDetector>(config::PiiPolicy{});
  economics = std::make_shared<EconomicsState>(config, previous != nullptr ? previous->economics.get() : nullptr);
  for (const auto* target : routes.targets()) {
    const auto& provider = config.providers[target->provider];
    forward.push_back(providers::makeForwardEndpoint(provider, target->model));
    codecs.push_back(providers::makeTargetCodec(provider, target->model));
    count_tokens.push_back(providers::makeCountTokensEndpoint(provider, target->model));
    prefill.push_back(providers::prefillFor(provider, target->model));
  }
  // Every slot, the rules' targets included (a rule's answers name its route).
  served_by.resize(routes.targets().size());
  for (const auto& route : routes.routes()) {
    for (const auto& target : route.targets) served_by[target.slot] = servedByLines(route.name, target.id);
    for (const auto& rule : route.rules) {
      for (const auto& target : rule.spec.targets) served_by[target.slot] = servedByLines(route.name, target.id);
    }
  }
  const auto& breaker = config.resilience.breaker;
  const resilience::BreakerConfig breaker_config{breaker.consecutive_failures, breaker.failure_rate,
                                                 breaker.min_requests,         breaker.window,
                                                 breaker.open,                 breaker.open_max,
                                                 breaker.half_open_probes,     breaker.probes_to_close};
  incidents = previous != nullptr ? previous->incidents : std::make_shared<resilience::IncidentLog>();
  for (const auto& target : routes.healthTargets()) {
    std::size_t kept = previous != nullptr ? previous->routes.healthTargets().size() : 0;
    for (std::size_t i = 0; i < kept; ++i) {
      if (previous->routes.healthTargets()[i].id == target.id) {
        kept = i;
        break;
      }
    }
    if (previous != nullptr && kept < previous->health.size()) {
      health.push_back(previous->health[kept]);
      health.back()->reconfigure(breaker_config);
      learned.push_back(previous->learned[kept]);
      continue;
    }
    health.push_back(std::make_shared<resilience::TargetHealth>(target.id, breaker_config, *incidents));
    learned.push_back(std::make_shared<TargetLearning>());
  }
  metrics = GatewayMetrics(config, routes, previous != nullptr ? previous->metrics.registry : nullptr);
  const auto& budget = config.resilience.retry_budget;
  retry_budget = std::make_unique<resilience::RetryBudget>(
      resilience::RetryBudgetConfig{budget.ratio, budget.min_per_second, budget.window});
  for (const auto& route : routes.routes()) {
    // A hedging route may always hedge once a second, so low traffic still gets hedges; max_ratio 0
    // turns hedging off.
    const int hedge_floor = route.hedge.max_ratio > 0 ? 1 : 0;
    hedge_budgets.push_back(route.hedge.enabled ? std::make_unique<resilience::RetryBudget>(resilience::RetryBudgetConfig{
                                                      route.hedge.max_ratio, hedge_floor, budget.window})
                                                : nullptr);
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
