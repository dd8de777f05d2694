#include "proxy/request_policy.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "policy/pii_redactor.h"
#include "policy/prompt_texts.h"

namespace switchyard::proxy {

void RequestPolicy::add(policy::ClassMask mask, std::string_view source) {
  for (std::size_t i = 0; i < 64; ++i) {
    const policy::ClassMask bit = policy::ClassMask{1} << i;
    if ((mask & bit) == 0 || (classes & bit) != 0) continue;
    classes |= bit;
    origins.push_back({i, source});
  }
}

std::string collectClasses(const GatewayState& state, const ClientIdentity* identity, std::size_t route_index,
                           std::string_view header, RequestPolicy& out) {
  if (identity != nullptr && !identity->data_classes.empty()) {
    out.add(state.classes.maskOf(identity->data_classes), "key");
  }
  out.add(state.route_policy[route_index].classes, "route");
  if (!header.empty()) {
    const auto parsed = state.classes.parseHeader(header);
    if (!parsed.error.empty()) return parsed.error;
    out.add(parsed.mask, "header");  // it can only add: classes are a union
  }
  return {};
}

namespace {

int rank(config::PiiAction action) {
  switch (action) {
    case config::PiiAction::Block: return 4;
    case config::PiiAction::Redact: return 3;
    case config::PiiAction::Escalate: return 2;
    case config::PiiAction::Audit: return 1;
    default: return 0;
  }
}

struct Effective {
  config::PiiAction action = config::PiiAction::None;
  const policy::PiiDetector* detector = nullptr;
  std::string_view escalate_to = "pii";
};

Effective effectivePolicy(const GatewayState& state, const ClientIdentity* identity, std::size_t route_index) {
  Effective chosen;
  const auto& route = state.route_policy[route_index];
  if (route.pii != nullptr) chosen = {route.pii->action, route.detector.get(), route.pii->escalate_to};
  if (identity == nullptr || rank(identity->pii) <= rank(chosen.action)) return chosen;
  if (identity->from_config) {
    const config::ClientKey* key = nullptr;
    for (const auto& declared : state.config.keys) {
      if (declared.name == identity->id) key = &declared;
    }
    const auto detector = state.key_pii.find(identity->id);
    if (key != nullptr && detector != state.key_pii.end()) {
      return {key->pii.action, detector->second.get(), key->pii.escalate_to};
    }
  }
  return {identity->pii, state.builtin_pii.get(), "pii"};
}

}  // namespace

bool applyPii(const GatewayState& state, const ClientIdentity* identity, std::size_t route_index, std::string& body,
              RequestPolicy& out) {
  const Effective policy = effectivePolicy(state, identity, route_index);
  out.pii_action = policy.action;
  if (policy.action == config::PiiAction::None || policy.detector == nullptr || policy.detector->empty()) return true;
  boost::system::error_code ec;
  boost::json::value document = boost::json::parse(body, ec);
  if (ec || !document.is_object()) return true;  // the surface parser has already refused it
  policy::PiiRedactor redactor(*policy.detector);
  const bool redact = policy.action == config::PiiAction::Redact;
  bool changed = false;
  std::string text;
  policy::forEachPromptText(document.as_object(), [&](boost::json::string& value) {
    if (!redact) {
      redactor.inspect(std::string_view(value));
      return;
    }
    text.assign(value.data(), value.size());
    if (redactor.redact(text)) {
      value = text;
      changed = true;
    }
  });
  out.pii_found = redactor.found();
  if (out.pii_found.empty()) return true;
  switch (policy.action) {
    case config::PiiAction::Block: return false;
    case config::PiiAction::Escalate:
      // A class nobody declared cannot be honoured: fail closed.
      if (const auto index = state.classes.index(policy.escalate_to)) {
        out.add(policy::ClassMask{1} << *index, "pii");
        return true;
      }
      return false;
    case config::PiiAction::Redact:
      if (changed) {
        body = boost::json::serialize(document);
        out.pii_mapping = redactor.mapping();
        out.restorer.emplace(out.pii_mapping);
        out.redacted = true;
      }
      return true;
    default: return true;
  }
}

std::string exclusionReason(const GatewayState& state, const routing::TargetRef& target, const RequestPolicy& policy) {
  for (const auto& origin : policy.origins) {
    if (!policy::DataClassTable::allows(state.slot_classes[target.slot], policy::ClassMask{1} << origin.index)) {
      return state.config.data_classes[origin.index].name + ": " + state.classes.whyNot(target.provider, origin.index);
    }
  }
  return {};
}

std::string piiKinds(const RequestPolicy& policy) {
  std::string kinds;
  for (const auto& [kind, count] : policy.pii_found) {
    if (!kinds.empty()) kinds += ", ";
    kinds += kind;
  }
  return kinds;
}

std::string_view toString(config::PiiAction action) {
  switch (action) {
    case config::PiiAction::Audit: return "audit";
    case config::PiiAction::Block: return "block";
    case config::PiiAction::Escalate: return "escalate";
    case config::PiiAction::Redact: return "redact";
    default: return "none";
  }
}

}  // namespace switchyard::proxy
