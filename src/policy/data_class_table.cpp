#include "policy/data_class_table.h"

#include <cassert>

#include "config/governance_loader.h"

namespace switchyard::policy {
namespace {

// A client-supplied name echoed in an error is cut short: the header may be long.
constexpr std::size_t kMaxEchoedName = 64;

bool isSpace(char c) { return c == ' ' || c == '\t'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Class names are lowercase (the loader checks [a-z0-9_-]+), so lowering the header's side is enough.
bool equalsLowered(std::string_view written, std::string_view name) {
  if (written.size() != name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (lower(written[i]) != name[i]) return false;
  }
  return true;
}

}  // namespace

DataClassTable::DataClassTable(const config::Config& config) {
  assert(config.data_classes.size() <= 64);  // config::kMaxDataClasses, enforced by the loader
  names_.reserve(config.data_classes.size());
  for (const config::DataClass& data_class : config.data_classes) names_.push_back(data_class.name);
  provider_masks_.reserve(config.providers.size());
  why_not_.reserve(config.providers.size() * names_.size());
  for (const config::Provider& provider : config.providers) {
    ClassMask mask = 0;
    for (std::size_t i = 0; i < config.data_classes.size(); ++i) {
      const bool satisfied = config::satisfies(provider, config.data_classes[i]);
      if (satisfied) mask |= ClassMask{1} << i;
      why_not_.push_back(satisfied ? std::string() : config::unsatisfiedReason(provider, config.data_classes[i]));
    }
    provider_masks_.push_back(mask);
  }
}

std::optional<std::size_t> DataClassTable::index(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return i;
  }
  return std::nullopt;
}

ClassMask DataClassTable::maskOf(std::span<const std::string> names) const {
  ClassMask mask = 0;
  for (const std::string& name : names) {
    const std::optional<std::size_t> bit = index(name);
    assert(bit.has_value());  // validated config: every name is declared
    if (bit) mask |= ClassMask{1} << *bit;
  }
  return mask;
}

ClassMask DataClassTable::providerSatisfies(std::size_t provider_index) const {
  return provider_index < provider_masks_.size() ? provider_masks_[provider_index] : 0;
}

std::string DataClassTable::names(ClassMask mask) const {
  std::string joined;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if ((mask & (ClassMask{1} << i)) == 0) continue;
    if (!joined.empty()) joined += ", ";
    joined += names_[i];
  }
  return joined;
}

DataClassTable::HeaderParse DataClassTable::parseHeader(std::string_view value) const {
  HeaderParse parsed;
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    while (!item.empty() && isSpace(item.front())) item.remove_prefix(1);
    while (!item.empty() && isSpace(item.back())) item.remove_suffix(1);
    if (item.empty()) continue;
    std::optional<std::size_t> bit;
    for (std::size_t i = 0; i < names_.size() && !bit; ++i) {
      if (equalsLowered(item, names_[i])) bit = i;
    }
    if (!bit) {
      std::string shown(item.substr(0, kMaxEchoedName));
      if (item.size() > kMaxEchoedName) shown += "...";
      parsed.error = "unknown data class '" + shown + "' in x-switchyard-data-class";
      parsed.error += names_.empty() ? " (no data classes are declared)"
                                     : " (declared: " + names(~ClassMask{0}) + ")";
      parsed.mask = 0;
      return parsed;
    }
    parsed.mask |= ClassMask{1} << *bit;
  }
  return parsed;
}

std::string DataClassTable::whyNot(std::size_t provider_index, std::size_t class_index) const {
  if (provider_index >= provider_masks_.size() || class_index >= names_.size()) return {};
  return why_not_[provider_index * names_.size() + class_index];
}

}  // namespace switchyard::policy
