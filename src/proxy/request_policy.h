#pragma once
// What governance decides for one request before any target is chosen: its data classes (from its
// key, its route, the x-switchyard-data-class header and PII escalation, each with its origin for
// the audit record) and what PII detection found and did to the body.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "policy/data_class_table.h"
#include "policy/pii_restorer.h"
#include "proxy/client_keys.h"
#include "proxy/gateway_state.h"

namespace switchyard::proxy {

inline constexpr std::string_view kDataClassHeader = "x-switchyard-data-class";

struct ClassOrigin {
  std::size_t index = 0;      // into config.data_classes
  std::string_view source;    // "key" | "route" | "header" | "pii"
};

struct RequestPolicy {
  policy::ClassMask classes = 0;
  boost::container::small_vector<ClassOrigin, 4> origins;
  config::PiiAction pii_action = config::PiiAction::None;
  std::vector<std::pair<std::string, std::size_t>> pii_found;  // kind -> count, never the values
  std::vector<std::pair<std::string, std::string>> pii_mapping;  // redact: placeholder -> value
  bool redacted = false;  // the body sent upstream holds placeholders; answers are restored
  std::optional<policy::PiiRestorer> restorer;

  void add(policy::ClassMask mask, std::string_view source);
};

// The classes of the key, the route and the header. Returns a message for the client when the
// header names a class the gateway does not know (a class nobody declared cannot be honoured).
std::string collectClasses(const GatewayState& state, const ClientIdentity* identity, std::size_t route_index,
                           std::string_view header, RequestPolicy& out);

// Applies the request's PII policy (the stricter of its key's and its route's: block > redact >
// escalate > audit) to `body`, a chat request of either dialect. Redact rewrites `body`; escalate
// adds the policy's class. Returns false when the request must be blocked.
bool applyPii(const GatewayState& state, const ClientIdentity* identity, std::size_t route_index, std::string& body,
              RequestPolicy& out);

// Why the request's classes keep `target` out: the first class it fails and what it lacks
// ("phi: lacks compliance hipaa_baa"); "" when the target is allowed.
std::string exclusionReason(const GatewayState& state, const routing::TargetRef& target, const RequestPolicy& policy);

// "email, card" for messages.
std::string piiKinds(const RequestPolicy& policy);
std::string_view toString(config::PiiAction action);

}  // namespace switchyard::proxy
