// Cross-references and satisfiability of the governance keys, and the expiry format; see
// governance_checks.h. The data class rule (satisfies) is defined here once for the loader,
// describe() and policy::DataClassTable.
#include "config/governance_checks.h"

#include "config/yaml_reader.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "config/governance_loader.h"

namespace switchyard::config {
namespace {

constexpr std::size_t kMaxSuggestionDistance = 2;

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string joined;
  for (const std::string& item : items) {
    if (!joined.empty()) joined += separator;
    joined += item;
  }
  return joined;
}

bool contains(const std::vector<std::string>& items, std::string_view item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

std::vector<const DataClass*> resolve(const Config& config, const std::vector<std::string>& names) {
  std::vector<const DataClass*> classes;
  for (const std::string& name : names) {
    const DataClass* data_class = config.findDataClass(name);
    if (data_class != nullptr && std::find(classes.begin(), classes.end(), data_class) == classes.end()) {
      classes.push_back(data_class);
    }
  }
  return classes;
}

// Whether one target of the route is on a provider that satisfies every class at once: a request
// goes to one target, so two classes satisfied by two different targets do not make a route.
bool routeServes(const Config& config, const Route& route, const std::vector<const DataClass*>& classes) {
  return std::any_of(route.targets.begin(), route.targets.end(), [&](const Target& target) {
    const Provider* provider = config.findProvider(target.provider);
    return provider != nullptr && std::all_of(classes.begin(), classes.end(), [&](const DataClass* data_class) {
             return satisfies(*provider, *data_class);
           });
  });
}

// "data class 'phi' (requires hipaa_baa)", "data classes 'phi' (...) and 'eu' (...)".
std::string describeClasses(const std::vector<const DataClass*>& classes) {
  std::string text = classes.size() == 1 ? "data class " : "data classes ";
  for (std::size_t i = 0; i < classes.size(); ++i) {
    if (i > 0) text += i + 1 == classes.size() ? " and " : ", ";
    text += "'" + classes[i]->name + "' (" + describeRequirements(*classes[i]) + ")";
  }
  return text;
}

void warnRoute(YamlReader& reader, const Config& config, const References& refs, const Route& route) {
  const std::vector<const DataClass*> classes = resolve(config, route.data_classes);
  bool served = true;
  if (!classes.empty()) {
    const Field& field = refs.route_class_fields.at(route.name);
    for (const DataClass* data_class : classes) {
      if (routeServes(config, route, {data_class})) continue;
      reader.warn(field, "route '" + route.name + "': no target satisfies " + describeClasses({data_class}) +
                             "; every request will be refused");
      served = false;
    }
    if (served && !routeServes(config, route, classes)) {
      reader.warn(field, "route '" + route.name + "': no target satisfies " + describeClasses(classes) +
                             " together; every request will be refused");
      served = false;
    }
  }
  if (!served || route.pii.action != PiiAction::Escalate) return;
  const DataClass* escalation = config.findDataClass(route.pii.escalate_to);
  std::vector<const DataClass*> with = classes;
  if (escalation == nullptr || contains(route.data_classes, escalation->name)) return;
  with.push_back(escalation);
  if (routeServes(config, route, with)) return;
  reader.warn(refs.route_pii_fields.at(route.name),
              "route '" + route.name + "': no target satisfies " + describeClasses({escalation}) +
                  (classes.empty() ? "" : " with the route's own classes") +
                  ", which pii action escalate adds; requests holding personal data will be refused");
}

void warnKey(YamlReader& reader, const Config& config, const References& refs, const ClientKey& key) {
  const std::vector<const DataClass*> classes = resolve(config, key.data_classes);
  if (classes.empty()) return;
  for (const Route& route : config.routes) {
    if (!key.routes.empty() && !contains(key.routes, route.name)) continue;
    std::vector<const DataClass*> with = classes;
    for (const DataClass* data_class : resolve(config, route.data_classes)) {
      if (std::find(with.begin(), with.end(), data_class) == with.end()) with.push_back(data_class);
    }
    if (routeServes(config, route, with)) return;
  }
  const std::string routes = key.routes.empty() ? "any route" : "its routes (" + join(key.routes) + ")";
  reader.warn(refs.key_class_fields.at(key.name), "key '" + key.name + "': no target of " + routes +
                                                      " satisfies " + describeClasses(classes) +
                                                      "; every request made with it will be refused");
}

// A shared secret could not tell two clients apart, and a client key equal to an admin key would
// make that client an administrator.
void checkSecrets(YamlReader& reader, const References& refs) {
  std::set<std::string> admin;
  for (const SecretRef& secret : refs.admin_secrets) {
    if (!admin.insert(secret.sha256_hex).second) reader.warn(secret.field, "the same admin key is listed twice");
  }
  std::map<std::string, std::string> owners;
  for (const SecretRef& secret : refs.client_secrets) {
    if (admin.contains(secret.sha256_hex)) {
      reader.fail(secret.field, "key '" + secret.key_name + "' has the same secret as an admin key; "
                                "a client key must differ from every admin key");
    } else if (auto [owner, added] = owners.emplace(secret.sha256_hex, secret.key_name); !added) {
      reader.fail(secret.field, "key '" + secret.key_name + "' has the same secret as key '" + owner->second +
                                    "'; every key needs its own secret");
    }
  }
}

// `count` decimal digits at text[at]; nullopt when the text is shorter or holds something else.
std::optional<int> digitsAt(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::optional<std::int64_t> parseExpiry(std::string_view text) {
  using namespace std::chrono;
  const auto y = digitsAt(text, 0, 4), mo = digitsAt(text, 5, 2), d = digitsAt(text, 8, 2);
  if (!y || !mo || !d || text[4] != '-' || text[7] != '-') return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;
  const std::int64_t midnight = duration_cast<seconds>(sys_days(date).time_since_epoch()).count();
  if (text.size() == 10) return midnight;
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  const auto h = digitsAt(text, 11, 2), mi = digitsAt(text, 14, 2), s = digitsAt(text, 17, 2);
  if (!h || !mi || !s || text[13] != ':' || text[16] != ':' || *h > 23 || *mi > 59 || *s > 60) return std::nullopt;
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    const std::size_t start = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    if (at == start) return std::nullopt;
  }
  std::int64_t offset = 0;  // RFC 3339 requires one: a time without it would depend on the host's zone
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const auto oh = digitsAt(text, at + 1, 2), om = digitsAt(text, at + 4, 2);
    if (!oh || !om || text[at + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
    offset = (text[at] == '-' ? -1 : 1) * (*oh * 3600 + *om * 60);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  return midnight + *h * 3600 + *mi * 60 + *s - offset;
}

std::string unknownNameMessage(std::string_view what, std::string_view plural, std::string_view name,
                               const std::vector<std::string>& declared) {
  std::string message = "unknown " + std::string(what) + " '" + std::string(name) + "'";
  if (declared.empty()) return message + "; no " + std::string(plural) + " are declared";
  std::string_view best;
  std::size_t best_distance = kMaxSuggestionDistance + 1;
  for (const std::string& candidate : declared) {
    const std::size_t distance = editDistance(name, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (!best.empty()) message += " (did you mean '" + std::string(best) + "'?)";
  return message + "; declared " + std::string(plural) + ": " + join(declared);
}

void checkReferences(YamlReader& reader, const Config& config, const References& refs) {
  for (const NamedRef& ref : refs.classes) {
    if (contains(refs.class_names, ref.name)) continue;
    if (!ref.hint.empty()) {
      reader.fail(ref.field, "unknown data class '" + ref.name + "' for action escalate: " + ref.hint);
    } else {
      reader.fail(ref.field, unknownNameMessage("data class", "data classes", ref.name, refs.class_names));
    }
  }
  std::vector<std::string> route_names;
  for (const Route& route : config.routes) route_names.push_back(route.name);
  for (const NamedRef& ref : refs.routes) {
    if (!contains(route_names, ref.name)) {
      reader.fail(ref.field, unknownNameMessage("route", "routes", ref.name, route_names));
    }
  }
  checkSecrets(reader, refs);
  if (config.auth.anonymous.value_or(false) && !config.listensOnLoopback() && refs.anonymous_field) {
    reader.warn(*refs.anonymous_field, "clients without a key are served on " + config.listen_host +
                                           ", which is not a loopback address");
  }
  if (reader.hasProblems()) return;
  for (const Route& route : config.routes) warnRoute(reader, config, refs, route);
  for (const ClientKey& key : config.keys) warnKey(reader, config, refs, key);
}

bool satisfies(const Provider& provider, const DataClass& data_class) {
  for (const std::string& required : data_class.requires_compliance) {
    if (!contains(provider.compliance, required)) return false;
  }
  for (const auto& [label, values] : data_class.labels) {
    const auto found = provider.labels.find(label);
    if (found == provider.labels.end() || !contains(values, found->second)) return false;
  }
  return true;
}

std::string unsatisfiedReason(const Provider& provider, const DataClass& data_class) {
  std::vector<std::string> reasons;
  std::vector<std::string> missing;
  for (const std::string& required : data_class.requires_compliance) {
    if (!contains(provider.compliance, required)) missing.push_back(required);
  }
  if (!missing.empty()) reasons.push_back("lacks compliance " + join(missing));
  for (const auto& [label, values] : data_class.labels) {
    const auto found = provider.labels.find(label);
    if (found == provider.labels.end()) {
      reasons.push_back("lacks label " + label + " (one of [" + join(values) + "])");
    } else if (!contains(values, found->second)) {
      reasons.push_back("label " + label + "=" + found->second + " not in [" + join(values) + "]");
    }
  }
  return join(reasons, "; ");
}

std::string describeRequirements(const DataClass& data_class) {
  std::vector<std::string> parts;
  if (!data_class.requires_compliance.empty()) parts.push_back("requires " + join(data_class.requires_compliance));
  for (const auto& [label, values] : data_class.labels) parts.push_back(label + " in [" + join(values) + "]");
  return parts.empty() ? "nothing" : join(parts, "; ");
}

}  // namespace switchyard::config
