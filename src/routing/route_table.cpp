#include "routing/route_table.h"

#include <array>
#include <charconv>
#include <tuple>

#include "routing/model_catalog.h"

namespace switchyard::routing {

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// "a.b.c.d" as four octets.
bool parseIpv4(std::string_view host, std::array<int, 4>& octets) {
  std::size_t part = 0;
  const char* p = host.data();
  const char* end = host.data() + host.size();
  while (part < 4) {
    int value = 0;
    const auto [next, error] = std::from_chars(p, end, value);
    if (error != std::errc() || next == p || value < 0 || value > 255) return false;
    octets[part++] = value;
    p = next;
    if (part < 4) {
      if (p == end || *p != '.') return false;
      ++p;
    }
  }
  return p == end;
}

RouteSpec specOf(const config::Config& config, const config::Route& route, std::size_t index) {
  RouteSpec spec;
  spec.name = route.name;
  spec.index = index;
  spec.retry = resilience::RetryLimits{route.retry.max_attempts, route.retry.backoff_base,
                                       route.retry.backoff_max, route.retry.retry_after_max,
                                       route.retry.same_target, route.retry.same_target_wait_max};
  spec.timeouts = route.timeouts;
  spec.limits = config.limits;
  spec.plan.diversity = route.diversity == "provider" ? Diversity::Provider
                        : route.diversity == "cloud"  ? Diversity::Cloud
                        : route.diversity == "region" ? Diversity::Region
                                                      : Diversity::None;
  // The loader rejects unknown strategies.
  spec.plan.strategy = parseStrategy(route.strategy).value_or(Strategy::Fallback);
  spec.plan.max_cost_ratio = route.max_cost_ratio;
  spec.hedge = route.hedge;
  spec.mid_stream_failover = route.mid_stream_failover;
  spec.best_effort_continuation = route.best_effort_continuation;
  return spec;
}

}  // namespace

std::string_view priceSourceName(PriceSource source) {
  switch (source) {
    case PriceSource::Unknown:
      return "unknown";
    case PriceSource::Config:
      return "config";
    case PriceSource::Catalog:
      return "catalog";
    case PriceSource::Local:
      return "local";
  }
  return "unknown";
}

bool isLocalProvider(const config::Provider& provider) {
  static constexpr std::array<std::string_view, 5> kLocal{"vllm", "llamacpp", "llama.cpp", "ollama", "lmstudio"};
  for (const std::string_view preset : kLocal) {
    if (provider.preset == preset) return true;
  }
  return false;
}

bool isPrivateHost(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (equalsIgnoreCase(host, "localhost")) return true;
  constexpr std::string_view kLocalhost = ".localhost";
  if (host.size() > kLocalhost.size() &&
      equalsIgnoreCase(host.substr(host.size() - kLocalhost.size()), kLocalhost)) {
    return true;
  }
  std::array<int, 4> o{};
  if (parseIpv4(host, o)) {
    return o[0] == 127 || o[0] == 10 || (o[0] == 172 && o[1] >= 16 && o[1] <= 31) || (o[0] == 192 && o[1] == 168) ||
           (o[0] == 169 && o[1] == 254);
  }
  if (host.find(':') == std::string_view::npos) return false;  // a name
  if (host == "::1") return true;
  // IPv6: fc00::/7 (unique local) and fe80::/10 (link-local), by the first group.
  const std::size_t colon = host.find(':');
  if (colon == 0 || colon > 4) return false;
  unsigned first = 0;
  const auto [next, error] = std::from_chars(host.data(), host.data() + colon, first, 16);
  if (error != std::errc() || next != host.data() + colon) return false;
  return (first & 0xfe00U) == 0xfc00U || (first & 0xffc0U) == 0xfe80U;
}

std::pair<canonical::TokenPrice, PriceSource> targetPrice(const config::Provider& provider,
                                                           const config::Target& target) {
  canonical::TokenPrice price;
  if (target.price) {
    price.input_per_mtok = target.price->input;
    price.output_per_mtok = target.price->output;
    price.cached_input_per_mtok = target.price->cached_input.value_or(target.price->input);
    price.known = true;
    return {price, PriceSource::Config};
  }
  if (isLocalProvider(provider)) {
    price.known = true;
    return {price, PriceSource::Local};
  }
  if (const auto known = lookupModel(target.model)) {
    price.input_per_mtok = known->input_per_mtok;
    price.output_per_mtok = known->output_per_mtok;
    price.cached_input_per_mtok = known->input_per_mtok;
    price.known = true;
    return {price, PriceSource::Catalog};
  }
  // A model the catalog does not know, served from this machine or network: self-hosted.
  if (isPrivateHost(provider.endpoint.host)) {
    price.known = true;
    return {price, PriceSource::Local};
  }
  return {price, PriceSource::Unknown};
}

TargetRef RouteTable::makeTarget(const config::Config& config, const config::Target& target) {
  TargetRef ref;
  ref.id = target.id();
  ref.model = target.model;
  // The loader has already rejected targets naming an unknown provider.
  ref.provider = static_cast<std::size_t>(config.findProvider(target.provider) - config.providers.data());
  const auto known = lookupModel(target.model);
  ref.context_window = target.context_window;
  if (ref.context_window == 0 && known) ref.context_window = known->context_window;
  ref.max_output_tokens = target.max_output_tokens;
  if (ref.max_output_tokens == 0 && known) ref.max_output_tokens = known->max_output_tokens;
  std::tie(ref.price, ref.price_source) = targetPrice(config.providers[ref.provider], target);
  ref.weight = target.weight;
  ref.limits = target.limits;
  ref.health = healthIndex(ref);
  return ref;
}

RouteTable::RouteTable(const config::Config& config) {
  routes_.reserve(config.routes.size());
  for (const auto& route : config.routes) {
    RouteSpec spec = specOf(config, route, routes_.size());
    for (const auto& target : route.targets) spec.targets.push_back(makeTarget(config, target));
    for (std::size_t r = 0; r < route.rules.size(); ++r) {
      const config::RouteRule& rule = route.rules[r];
      RuleSpec rule_spec{rule.when, rule.line, specOf(config, route, routes_.size())};
      rule_spec.spec.rule = static_cast<int>(r);
      for (const auto& target : rule.targets) rule_spec.spec.targets.push_back(makeTarget(config, target));
      spec.rules.push_back(std::move(rule_spec));
    }
    if (!route_names_.empty()) route_names_ += ", ";
    route_names_ += route.name;
    routes_.push_back(std::move(spec));
  }
  // Pointers are taken once routes_ (and the rules inside) no longer move: a route's targets, then
  // each of its rules' targets.
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    by_name_.emplace(routes_[r].name, r);
    for (auto& target : routes_[r].targets) {
      target.slot = targets_.size();
      targets_.push_back(&target);
    }
    for (auto& rule : routes_[r].rules) {
      for (auto& target : rule.spec.targets) {
        target.slot = targets_.size();
        targets_.push_back(&target);
      }
    }
  }
}

std::size_t RouteTable::healthIndex(const TargetRef& target) {
  for (std::size_t i = 0; i < health_targets_.size(); ++i) {
    if (health_targets_[i].id == target.id) return i;
  }
  health_targets_.push_back({target.id, target.provider, target.model, target.context_window});
  return health_targets_.size() - 1;
}

const RouteSpec* RouteTable::find(std::string_view name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &routes_[it->second];
}

}  // namespace switchyard::routing
