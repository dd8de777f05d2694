#pragma once
// The second half of governance loading (governance_loader.cpp reads, this checks): what the
// reader collected for finish(), the cross-reference errors and the warnings of `switchyard check`,
// and the expiry format.
// Internal to sy_config: it includes yaml-cpp through yaml_reader.h.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace switchyard::config {

// A name that must refer to something declared, and where to blame it.
struct NamedRef {
  std::string name;
  Field field;
  std::string hint;  // non-empty: the advice when the name is unknown (escalate_to's default)
};

// A secret's digest and where it was written; key_name is empty for admin keys.
struct SecretRef {
  std::string sha256_hex;
  Field field;
  std::string key_name;
};

struct References {
  std::vector<NamedRef> classes;  // every class a route, a key or an escalation names
  std::vector<NamedRef> routes;   // every route a key names
  // Every declared class name, valid or not, so that a malformed class is reported once.
  std::vector<std::string> class_names;
  std::vector<SecretRef> admin_secrets;
  std::vector<SecretRef> client_secrets;
  // Where warnings about a route's or a key's classes point: its data_class (or pii) key.
  std::map<std::string, Field> route_class_fields;
  std::map<std::string, Field> route_pii_fields;
  std::map<std::string, Field> key_class_fields;
  std::optional<Field> anonymous_field;
};

// Unknown classes and routes, shared secrets (errors); classes no target satisfies (warnings, only
// when there is no error, since a broken config's warnings would mislead).
void checkReferences(YamlReader& reader, const Config& config, const References& refs);

// `expires`: "YYYY-MM-DD" (midnight UTC) or RFC 3339 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)"
// -> unix seconds; nullopt when malformed. A fraction is dropped: expiry is checked to the second.
std::optional<std::int64_t> parseExpiry(std::string_view text);

// "unknown data class 'phl' (did you mean 'phi'?); declared data classes: phi, eu", in the style of
// the reader's unknown-key message.
std::string unknownNameMessage(std::string_view what, std::string_view plural, std::string_view name,
                               const std::vector<std::string>& declared);

}  // namespace switchyard::config
