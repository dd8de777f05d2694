#pragma once
// Data classes as bit masks, built once per config: which classes a request carries (its route's,
// its key's, the x-switchyard-data-class header's) and which each provider satisfies, so that the
// planner's per-target check is one AND. Immutable after construction; safe to share across workers.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace switchyard::policy {

// Bit i is config.data_classes[i]; the loader allows at most 64 classes (config::kMaxDataClasses).
using ClassMask = std::uint64_t;

class DataClassTable {
 public:
  // Keeps what it needs (names, masks, reasons): the config need not outlive the table.
  explicit DataClassTable(const config::Config& config);

  // The class's bit position; nullopt for a name the config does not declare (exact, lowercase).
  std::optional<std::size_t> index(std::string_view name) const;
  // The classes named. Precondition: every name is declared (a validated config's route or key);
  // for names from elsewhere (the store) use index(), since an unknown name here is dropped from the
  // mask, which would loosen it.
  ClassMask maskOf(std::span<const std::string> names) const;
  // The classes provider `provider_index` (of config.providers) satisfies; 0 for an index out of
  // range, so that a mistake refuses rather than allows.
  ClassMask providerSatisfies(std::size_t provider_index) const;
  // Whether a target satisfying `satisfied` may see a request carrying `required`.
  static bool allows(ClassMask satisfied, ClassMask required) { return (required & ~satisfied) == 0; }
  // "phi, eu": the classes of `mask` in declaration order.
  std::string names(ClassMask mask) const;

  // The x-switchyard-data-class header: comma-separated names, case-insensitive; spaces and empty
  // items are ignored. An unknown name gives an error naming it and the declared classes (and a
  // zero mask): a client asking for a class the gateway does not know must not be served as if it
  // had asked for none. Allocates only for an error.
  struct HeaderParse {
    ClassMask mask = 0;
    std::string error;
  };
  HeaderParse parseHeader(std::string_view value) const;

  // Why provider `provider_index` does not satisfy class `class_index`, for messages and logs:
  // "lacks compliance hipaa_baa", "label region=us-east-1 not in [eu-west-1, eu-central-1]"; empty
  // when it does (or an index is out of range).
  std::string whyNot(std::size_t provider_index, std::size_t class_index) const;

  std::size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;           // config.data_classes[i].name
  std::vector<ClassMask> provider_masks_;    // per config.providers[i]
  std::vector<std::string> why_not_;         // [provider * size() + class]; empty when satisfied
};

}  // namespace switchyard::policy
