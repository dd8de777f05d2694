// Route targets (price, weight, limits, max_output_tokens), max_cost_ratio, routing rules, budgets
// and the economics of client keys: YAML -> Config. Names that refer to something declared
// elsewhere wait for finish() (see economics_loader.h).
#include "config/economics_loader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "config/governance_checks.h"
#include "config/yaml_reader.h"

namespace switchyard::config {
namespace {

constexpr std::int64_t kMaxContextWindow = 100'000'000;
constexpr std::int64_t kMaxCount = std::numeric_limits<std::int64_t>::max();
constexpr std::string_view kTargetHint = "PROVIDER/MODEL";
constexpr std::string_view kPriceUnit = "USD per 1M tokens";

// 2.5 -> "2.5", 1 -> "1": bounds in messages as a user would write them.
std::string formatNumber(double value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

// A finite number >= min. YamlReader::readNumber wants an upper bound, which money has not.
std::optional<double> readAmount(YamlReader& reader, const Field& field, double min) {
  const std::optional<std::string> text = reader.readString(field);
  if (!text) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || !std::isfinite(value) ||
      value < min) {
    reader.fail(field, "expected a number of at least " + formatNumber(min) + ", got '" + *text + "'");
    return std::nullopt;
  }
  return value;
}

std::optional<double> readRequiredAmount(YamlReader& reader, const Field& field, std::string_view hint) {
  if (reader.isNull(field)) {
    reader.fail(field, "must not be empty (" + std::string(hint) + ")");
    return std::nullopt;
  }
  return readAmount(reader, field, 0);
}

// `NAME` or `[NAME, ...]`, each with the field to blame for it; a name written twice counts once.
// An empty list is refused unless `allow_empty`: a condition on none of them could never hold.
std::optional<std::vector<NamedRef>> readNames(YamlReader& reader, const Field& field, std::string_view what,
                                               bool allow_empty) {
  std::vector<NamedRef> names;
  bool ok = true;
  const auto add = [&](const Field& item) {
    std::optional<std::string> name = reader.isNull(item) ? std::nullopt : reader.readString(item);
    if (!name || name->empty()) {
      if (reader.isNull(item) || name) reader.fail(item, "empty list entry");
      ok = false;
      return;
    }
    if (std::none_of(names.begin(), names.end(), [&](const NamedRef& ref) { return ref.name == *name; })) {
      names.push_back({std::move(*name), item, ""});
    }
  };
  if (field.node.IsSequence()) {
    const std::optional<std::vector<Field>> items = reader.listItems(field);
    if (!items) return std::nullopt;
    std::for_each(items->begin(), items->end(), add);
  } else if (!reader.isNull(field)) {
    add(field);
  }
  if (!ok) return std::nullopt;
  if (names.empty() && !allow_empty) {
    reader.fail(field, "must list at least one " + std::string(what) + " (omit " + field.key +
                           " to match requests of any key)");
    return std::nullopt;
  }
  return names;
}

void readBudget(YamlReader& reader, const Field& node, BudgetLimits& budget) {
  const auto seen = reader.forEachEntry(
      node, {"usd_per_day", "usd_per_month", "tokens_per_day", "tokens_per_month"}, [&](const Field& field) {
        if (field.key == "usd_per_day" || field.key == "usd_per_month") {
          if (auto usd = readAmount(reader, field, 0)) {
            (field.key == "usd_per_day" ? budget.usd_per_day : budget.usd_per_month) = *usd;
          }
        } else if (auto tokens = reader.readInteger(field, 0, kMaxCount)) {
          (field.key == "tokens_per_day" ? budget.tokens_per_day : budget.tokens_per_month) = *tokens;
        }
      });
  if (seen && !budget.any()) {
    reader.warn(node, "sets no limit (usd_per_day, usd_per_month, tokens_per_day, tokens_per_month are all "
                      "0 or absent)");
  }
}

void readRateLimits(YamlReader& reader, const Field& node, RateLimits& limits) {
  reader.forEachEntry(node, {"rpm", "tpm"}, [&](const Field& field) {
    if (auto count = reader.readInteger(field, 0, kMaxCount)) (field.key == "rpm" ? limits.rpm : limits.tpm) = *count;
  });
}

// RFC 9110 token characters: what a header name may hold.
bool isHeaderNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool matchesEverything(const RuleCondition& when) {
  return !when.max_prompt_tokens && !when.min_prompt_tokens && !when.stream && !when.tools && !when.images &&
         !when.json_mode && when.headers.empty() && when.keys.empty() && when.key_tags.empty();
}

}  // namespace

class EconomicsParser::Impl {
 public:
  Impl(YamlReader& reader, Config& config, TargetSink on_target)
      : reader_(reader), config_(config), on_target_(std::move(on_target)) {}

  bool readTopLevel(const Field& field) {
    if (field.key != "budgets") return false;
    reader_.forEachEntry(field, {"gateway", "routes"}, [&](const Field& part) {
      if (part.key == "gateway") {
        readBudget(reader_, part, config_.budgets.gateway);
        return;
      }
      reader_.forEachEntry(part, [&](const Field& route) {
        BudgetLimits budget;
        readBudget(reader_, route, budget);
        budget_routes_.push_back({route.key, route, ""});
        config_.budgets.routes[route.key] = budget;
      });
    });
    return true;
  }

  bool readRouteField(const Field& field, Route& route) {
    if (field.key == "targets") {
      readTargets(field, route.targets);
    } else if (field.key == "max_cost_ratio") {
      // 1: only targets priced like the first; below 1 even the first would be too dear.
      if (auto ratio = readAmount(reader_, field, 1)) route.max_cost_ratio = *ratio;
    } else if (field.key == "rules") {
      readRules(field, route);
    } else {
      return false;
    }
    return true;
  }

  void finishRoute(const Field* strategy, const Route& route) {
    std::vector<const Target*> targets;
    for (const Target& target : route.targets) targets.push_back(&target);
    for (const RouteRule& rule : route.rules) {
      for (const Target& target : rule.targets) targets.push_back(&target);
    }
    if (route.strategy == "weighted" && strategy != nullptr && !targets.empty() &&
        std::all_of(targets.begin(), targets.end(), [](const Target* target) { return target->weight == 1; })) {
      reader_.warn(*strategy, "weights are all 1: weighted is round-robin (give targets a weight, e.g. "
                              "{target: " + targets.front()->id() + ", weight: 3})");
    }
  }

  void finish() {
    std::vector<std::string> routes;
    for (const Route& route : config_.routes) routes.push_back(route.name);
    for (const NamedRef& ref : budget_routes_) {
      if (std::find(routes.begin(), routes.end(), ref.name) == routes.end()) {
        reader_.fail(ref.field, unknownNameMessage("route", "routes", ref.name, routes));
      }
    }
    std::vector<std::string> keys;
    for (const ClientKey& key : config_.keys) keys.push_back(key.name);
    for (const NamedRef& ref : rule_keys_) {
      if (std::find(keys.begin(), keys.end(), ref.name) == keys.end()) {
        reader_.fail(ref.field, unknownNameMessage("client key", "client keys", ref.name, keys));
      }
    }
  }

 private:
  void readTargets(const Field& field, std::vector<Target>& targets) {
    const std::optional<std::vector<Field>> items = reader_.listItems(field);
    if (!items) return;
    if (items->empty()) {
      reader_.fail(field, "must list at least one target (" + std::string(kTargetHint) + ")");
      return;
    }
    for (const Field& item : *items) {
      if (std::optional<Target> target = readTarget(item)) targets.push_back(std::move(*target));
    }
  }

  // "PROVIDER/MODEL", or {target: PROVIDER/MODEL, context_window, price, weight, limits, max_output_tokens}.
  std::optional<Target> readTarget(const Field& item) {
    Target target;
    std::optional<std::string> text;
    if (item.node.IsMap()) {
      const auto seen = reader_.forEachEntry(
          item, {"target", "context_window", "price", "weight", "limits", "max_output_tokens"},
          [&](const Field& field) { readTargetField(field, target, text); });
      if (seen) reader_.requireKeys(item, *seen, {"target"}, kTargetHint);
    } else {
      text = readRequiredHead(item);  // the model goes into some kinds' request paths
    }
    if (!text) return std::nullopt;
    // The first '/' ends the provider name: upstream model names often contain '/' themselves.
    const std::size_t slash = text->find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == text->size()) {
      reader_.fail(item, "malformed target '" + *text + "' (expected PROVIDER/MODEL, e.g. openai/gpt-4o)");
      return std::nullopt;
    }
    target.provider = text->substr(0, slash);
    target.model = text->substr(slash + 1);
    on_target_(target.provider, item);
    return target;
  }

  void readTargetField(const Field& field, Target& target, std::optional<std::string>& text) {
    if (field.key == "target") {
      text = readRequiredHead(field);
    } else if (field.key == "context_window") {
      if (auto window = reader_.readInteger(field, 1, kMaxContextWindow)) target.context_window = *window;
    } else if (field.key == "price") {
      readPrice(field, target);
    } else if (field.key == "weight") {
      if (auto weight = reader_.readInteger(field, 1, kMaxTargetWeight)) target.weight = static_cast<int>(*weight);
    } else if (field.key == "limits") {
      readRateLimits(reader_, field, target.limits);
    } else if (auto tokens = reader_.readInteger(field, 1, kMaxOutputTokens)) {
      target.max_output_tokens = *tokens;
    }
  }

  void readPrice(const Field& node, Target& target) {
    Price price;
    const auto seen = reader_.forEachEntry(node, {"input", "output", "cached_input"}, [&](const Field& field) {
      if (field.key == "cached_input") {
        if (auto usd = readAmount(reader_, field, 0)) price.cached_input = *usd;
      } else if (auto usd = readRequiredAmount(reader_, field, kPriceUnit)) {
        (field.key == "input" ? price.input : price.output) = *usd;
      }
    });
    if (!seen) return;
    reader_.requireKeys(node, *seen, {"input", "output"}, kPriceUnit);
    target.price = price;
  }

  void readRules(const Field& field, Route& route) {
    const std::optional<std::vector<Field>> items = reader_.listItems(field);
    if (!items) return;
    std::optional<std::size_t> catch_all;  // the first rule that matches every request
    for (const Field& item : *items) {
      RouteRule rule;
      rule.line = item.line;
      const auto seen = reader_.forEachEntry(item, {"when", "targets"}, [&](const Field& part) {
        if (part.key == "when") readCondition(part, rule.when);
        else readTargets(part, rule.targets);
      });
      if (!seen) continue;
      reader_.requireKeys(item, *seen, {"targets"}, "a list of PROVIDER/MODEL");
      if (!catch_all && matchesEverything(rule.when)) {
        catch_all = route.rules.size();
        if (&item != &items->back()) {
          reader_.warn(item, "rule " + std::to_string(*catch_all + 1) + " of route '" + route.name +
                                 "' matches every request; rules after it are never used");
        }
      }
      route.rules.push_back(std::move(rule));
    }
  }

  void readCondition(const Field& node, RuleCondition& when) {
    const auto seen = reader_.forEachEntry(
        node,
        {"max_prompt_tokens", "min_prompt_tokens", "stream", "tools", "images", "json_mode", "headers", "keys",
         "key_tags"},
        [&](const Field& field) {
          if (field.key == "max_prompt_tokens" || field.key == "min_prompt_tokens") {
            if (auto tokens = reader_.readInteger(field, 0, kMaxCount)) {
              (field.key == "max_prompt_tokens" ? when.max_prompt_tokens : when.min_prompt_tokens) = *tokens;
            }
          } else if (field.key == "headers") {
            readHeaders(field, when.headers);
          } else if (field.key == "keys" || field.key == "key_tags") {
            readConditionNames(field, field.key == "keys" ? when.keys : when.key_tags);
          } else if (auto value = reader_.readBool(field)) {
            (field.key == "stream"  ? when.stream
             : field.key == "tools" ? when.tools
             : field.key == "images" ? when.images
                                     : when.json_mode) = *value;
          }
        });
    if (seen && when.min_prompt_tokens && when.max_prompt_tokens && *when.min_prompt_tokens > *when.max_prompt_tokens) {
      reader_.fail(node, "min_prompt_tokens " + std::to_string(*when.min_prompt_tokens) +
                             " is greater than max_prompt_tokens " + std::to_string(*when.max_prompt_tokens) +
                             ": the rule can never match");
    }
  }

  void readConditionNames(const Field& field, std::vector<std::string>& names) {
    const bool keys = field.key == "keys";
    const std::optional<std::vector<NamedRef>> refs = readNames(reader_, field, keys ? "client key" : "tag", false);
    if (!refs) return;
    for (const NamedRef& ref : *refs) {
      names.push_back(ref.name);
      if (keys) rule_keys_.push_back(ref);
    }
  }

  // Header name -> exact value; names are matched without regard to case, so they are kept lowercase.
  void readHeaders(const Field& node, std::map<std::string, std::string>& headers) {
    reader_.forEachEntry(node, [&](const Field& field) {
      if (field.key.empty() || !std::all_of(field.key.begin(), field.key.end(), isHeaderNameChar)) {
        reader_.fail(field, "not a valid header name");
        return;
      }
      std::string name = field.key;
      std::transform(name.begin(), name.end(), name.begin(),
                     [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
      if (reader_.isNull(field)) {
        reader_.fail(field, "must not be empty (the header's exact value)");
        return;
      }
      std::optional<std::string> value = reader_.readString(field);
      if (!value) return;
      if (!headers.emplace(name, std::move(*value)).second) {
        reader_.fail(field, "duplicate header '" + name + "' (header names ignore case)");
      }
    });
  }

  std::optional<std::string> readRequiredHead(const Field& field) {
    if (reader_.isNull(field)) {
      reader_.fail(field, "must not be empty");
      return std::nullopt;
    }
    return reader_.readHeadValue(field);
  }

  YamlReader& reader_;
  Config& config_;
  TargetSink on_target_;
  std::vector<NamedRef> budget_routes_;  // budgets.routes entries, checked against the routes
  std::vector<NamedRef> rule_keys_;      // every `when.keys` name, checked against the keys
};

EconomicsParser::EconomicsParser(YamlReader& reader, Config& config, TargetSink on_target)
    : impl_(std::make_unique<Impl>(reader, config, std::move(on_target))) {}
EconomicsParser::~EconomicsParser() = default;
bool EconomicsParser::readTopLevel(const Field& field) { return impl_->readTopLevel(field); }
bool EconomicsParser::readRouteField(const Field& field, Route& route) { return impl_->readRouteField(field, route); }
void EconomicsParser::finishRoute(const Field* strategy, const Route& route) { impl_->finishRoute(strategy, route); }
void EconomicsParser::finish() { impl_->finish(); }

bool readKeyEconomics(YamlReader& reader, const Field& field, ClientKey& key) {
  if (field.key == "budget") {
    readBudget(reader, field, key.budget);
  } else if (field.key == "limits") {
    readRateLimits(reader, field, key.limits);
  } else if (field.key == "tags") {
    // `tags: batch` or `tags: [batch, eu]`; `tags:` alone or `[]`: none.
    if (const auto refs = readNames(reader, field, "tag", true)) {
      for (const NamedRef& ref : *refs) key.tags.push_back(ref.name);
    }
  } else {
    return false;
  }
  return true;
}

}  // namespace switchyard::config
