// switchyard check: validate a configuration, print the routing table, and with --explain show
// which rule an example request takes and the order its targets would be tried in.
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "app/commands.h"
#include "proxy/gateway_state.h"
#include "proxy/request_policy.h"
#include "proxy/request_shape.h"
#include "proxy/target_plan.h"
#include "routing/rules.h"

namespace switchyard::app {

namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

std::string money(double usd_per_mtok) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "$%.4g", usd_per_mtok);
  return buffer;
}

std::string priceText(const routing::TargetRef& target) {
  const auto& price = target.price;
  if (!price.known) return "unpriced";
  if (target.price_source == routing::PriceSource::Local) return "free (local server)";
  std::string text = money(price.input_per_mtok) + " in / " + money(price.output_per_mtok) + " out";
  if (price.cached_input_per_mtok != price.input_per_mtok) text += " / " + money(price.cached_input_per_mtok) + " cached";
  return text + " per Mtok (" + std::string(routing::priceSourceName(target.price_source)) + ")";
}

std::string conditionText(const config::RuleCondition& when) {
  std::vector<std::string> parts;
  const auto flag = [&](const char* name, const std::optional<bool>& value) {
    if (value) parts.push_back(std::string(name) + ": " + (*value ? "true" : "false"));
  };
  if (when.min_prompt_tokens) parts.push_back("min_prompt_tokens: " + std::to_string(*when.min_prompt_tokens));
  if (when.max_prompt_tokens) parts.push_back("max_prompt_tokens: " + std::to_string(*when.max_prompt_tokens));
  flag("stream", when.stream);
  flag("tools", when.tools);
  flag("images", when.images);
  flag("json_mode", when.json_mode);
  for (const auto& [name, value] : when.headers) parts.push_back("header " + name + ": " + value);
  const auto list = [&](const char* name, const std::vector<std::string>& values) {
    if (values.empty()) return;
    std::string text = std::string(name) + ": [";
    for (std::size_t i = 0; i < values.size(); ++i) text += (i > 0 ? ", " : "") + values[i];
    parts.push_back(text + "]");
  };
  list("keys", when.keys);
  list("key_tags", when.key_tags);
  if (parts.empty()) return "always";
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i > 0 ? ", " : "") + parts[i];
  return text;
}

// Prints which spec the request takes and its plan; returns the exit code.
int explain(const proxy::GatewayState& state, const CheckOptions& options) {
  boost::system::error_code error;
  const boost::json::value body = boost::json::parse(options.explain, error);
  if (error || !body.is_object()) {
    std::cerr << "--explain: not a JSON object: " << (error ? error.message() : "another JSON value") << "\n";
    return 1;
  }
  const boost::json::value* model = body.get_object().if_contains("model");
  if (model == nullptr || !model->is_string()) {
    std::cerr << "--explain: the request needs a \"model\" naming a route (" << state.routes.routeNames() << ")\n";
    return 1;
  }
  const routing::RouteSpec* route = state.routes.find(std::string_view(model->get_string()));
  if (route == nullptr) {
    std::cerr << "--explain: no route '" << std::string_view(model->get_string()) << "' (routes: "
              << state.routes.routeNames() << ")\n";
    return 1;
  }

  routing::RequestShape shape = proxy::shapeOfChatBody(options.explain);
  std::map<std::string, std::string, std::less<>> headers;
  for (const std::string& header : options.headers) {
    const auto colon = header.find(':');
    if (colon == std::string::npos) {
      std::cerr << "--header: expected 'name: value', got '" << header << "'\n";
      return 1;
    }
    headers[lowercase(trim(std::string_view(header).substr(0, colon)))] = trim(std::string_view(header).substr(colon + 1));
  }
  shape.header = [&headers](std::string_view name) -> std::optional<std::string_view> {
    const auto it = headers.find(lowercase(name));
    if (it == headers.end()) return std::nullopt;
    return std::string_view(it->second);
  };
  std::uint64_t classes = state.route_policy[route->index].classes;
  if (!options.key.empty()) {
    const config::ClientKey* key = nullptr;
    for (const auto& candidate : state.config.keys) {
      if (candidate.name == options.key) key = &candidate;
    }
    if (key == nullptr) {
      std::cerr << "--key: no key named '" << options.key << "' in the configuration\n";
      return 1;
    }
    shape.key_name = key->name;
    shape.key_tags = key->tags;
    classes |= state.classes.maskOf(key->data_classes);
  }
  if (const auto it = headers.find(proxy::kDataClassHeader); it != headers.end()) {
    std::vector<std::string> names;
    std::stringstream list(it->second);
    for (std::string name; std::getline(list, name, ',');) {
      if (!trim(name).empty()) names.push_back(trim(name));
    }
    classes |= state.classes.maskOf(names);
  }

  const routing::RouteSpec& spec = routing::selectSpec(*route, shape);
  std::cout << "explain: route '" << route->name << "', strategy " << routing::strategyName(spec.plan.strategy);
  if (spec.plan.max_cost_ratio > 0) std::cout << ", max_cost_ratio " << spec.plan.max_cost_ratio;
  std::cout << "\n  request: ~" << shape.prompt_tokens << " prompt tokens, stream " << (shape.stream ? "yes" : "no")
            << ", tools " << (shape.tools ? "yes" : "no") << ", images " << (shape.images ? "yes" : "no")
            << ", json_mode " << (shape.json_mode ? "yes" : "no");
  if (!shape.key_name.empty()) std::cout << ", key " << shape.key_name;
  std::cout << "\n";
  if (spec.rule >= 0) {
    const routing::RuleSpec& rule = route->rules[static_cast<std::size_t>(spec.rule)];
    std::cout << "  takes: rule " << spec.rule + 1 << " (" << state.config.source << ":" << rule.line
              << ", when " << conditionText(rule.when) << ")\n";
  } else if (route->rules.empty()) {
    std::cout << "  takes: the route's targets (the route has no rules)\n";
  } else {
    std::cout << "  takes: the route's default targets (none of its " << route->rules.size() << " rules matches)\n";
  }

  // A fresh gateway: every breaker closed, no latency measured yet.
  const proxy::RequestPlan plan =
      proxy::planRequest(state, spec, std::chrono::steady_clock::now(), proxy::PlanOptions{classes, shape.stream, nullptr});
  std::cout << "  order:\n";
  for (std::size_t position = 0; position < plan.order.size(); ++position) {
    const routing::TargetRef& target = spec.targets[plan.order[position]];
    std::cout << "    " << position + 1 << ". " << target.id << "  " << priceText(target);
    if (spec.plan.strategy == routing::Strategy::Weighted) std::cout << "  weight " << target.weight;
    std::cout << "\n";
  }
  for (const std::size_t index : plan.priced_out) {
    const routing::TargetRef& target = spec.targets[index];
    std::cout << "  dropped by max_cost_ratio " << spec.plan.max_cost_ratio << ": " << target.id << "  "
              << priceText(target) << "\n";
  }
  for (const std::size_t index : plan.excluded) {
    std::cout << "  excluded by data classes: " << spec.targets[index].id << "\n";
  }
  if (plan.order.empty()) std::cout << "  no target may receive this request (data classes)\n";
  switch (spec.plan.strategy) {
    case routing::Strategy::Fastest:
      std::cout << "  note: fastest puts the lower latency of two random targets first; with nothing measured "
                   "yet the order shown is the route's, and serving spreads first attempts at random\n";
      break;
    case routing::Strategy::Weighted:
      std::cout << "  note: weighted rotates the first place by smooth weighted round-robin; shown is the "
                   "first turn, the rest follow by weight\n";
      break;
    default:
      break;
  }
  return 0;
}

}  // namespace

int runCheck(const std::string& config_path, const CheckOptions& options) {
  try {
    // Building the gateway's state also loads every TLS trust anchor, as serve would.
    const proxy::GatewayState state(config::loadFile(config_path));
    for (const std::string& warning : state.config.warnings) std::cerr << warning << "\n";
    std::cout << config::describe(state.config);
    std::cout << "configuration OK\n";
    if (!options.explain.empty()) return explain(state, options);
    return 0;
  } catch (const std::exception& error) {
    std::cerr << error.what() << "\n";
    return 1;
  }
}

}  // namespace switchyard::app
