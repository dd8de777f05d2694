#pragma once
// Governance configuration (issue 12): store, auth, keys, data_classes, and the data_class and pii
// keys of routes. config_loader.cpp hands these keys to GovernanceParser; the data-class
// satisfaction rule below is shared by the loader's warnings, describe() and policy::DataClassTable,
// so the three can never disagree. This header stays free of yaml-cpp (Field and YamlReader are
// only named), so that sy_policy, which does not link yaml-cpp, may include it.
#include <array>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"

namespace switchyard::config {

struct Field;
class YamlReader;

inline constexpr std::size_t kMaxDataClasses = 64;   // a request's classes are one 64-bit mask
inline constexpr std::size_t kMinKeySecretLength = 16;  // shorter plaintext keys are guessable: warned
inline constexpr std::string_view kDefaultStoreFile = "switchyard.db";
// The built-in PII detectors `pii.detect` may name (policy/pii implements them).
inline constexpr std::array<std::string_view, 6> kPiiDetectors{"email", "phone", "ssn", "card", "iban", "ip"};

// Reads the governance keys of one config file. Problems and warnings go to the reader; every
// cross-reference (a class, a route, a duplicate secret) is checked in finish(), since YAML order is
// free: keys may name routes declared further down.
class GovernanceParser {
 public:
  GovernanceParser(YamlReader& reader, std::filesystem::path base_dir, Config& config);
  ~GovernanceParser();
  GovernanceParser(const GovernanceParser&) = delete;
  GovernanceParser& operator=(const GovernanceParser&) = delete;

  // store, auth, keys or data_classes; false (nothing read) for any other key.
  bool readTopLevel(const Field& field);
  // A route's data_class or pii; false for any other key.
  bool readRouteField(const Field& field, Route& route);
  // After the whole file: resolves references, fills defaults (the store path), adds the warnings
  // of `switchyard check` (classes no target can satisfy).
  void finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The satisfaction rule: `provider` may see requests of `data_class` when its `compliance` holds
// every `requires` entry and, for every label of the class, its label of that name has one of the
// listed values.
bool satisfies(const Provider& provider, const DataClass& data_class);
// Why not, for messages: "lacks compliance hipaa_baa; label region=us-east-1 not in [eu-west-1,
// eu-central-1]"; empty when the provider satisfies the class.
std::string unsatisfiedReason(const Provider& provider, const DataClass& data_class);
// What a class asks for: "requires hipaa_baa; region in [eu-west-1, eu-central-1]"; "nothing" for a
// class with neither requires nor labels.
std::string describeRequirements(const DataClass& data_class);

// "audit", "block", "escalate", "redact", "none".
std::string_view piiActionName(PiiAction action);

}  // namespace switchyard::config
