#pragma once
// Economics configuration (issue 13): route targets with their price, weight, rate limits and
// output cap; a route's max_cost_ratio and routing rules; the top-level budgets; a client key's
// budget, limits and tags. config_loader.cpp hands these keys to EconomicsParser (governance_loader.cpp
// the keys' three). Like governance_loader.h, this header stays free of yaml-cpp: Field and
// YamlReader are only named.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/config.h"

namespace switchyard::config {

struct Field;
class YamlReader;

inline constexpr int kMaxTargetWeight = 1000;
inline constexpr std::int64_t kMaxOutputTokens = 100'000'000;

// Told of every target read (a route's or a rule's), with the list item to blame: the loader checks
// the provider exists once the whole file has been read (routes may come before providers).
using TargetSink = std::function<void(const std::string& provider, const Field& item)>;

// Reads the economics keys of one config file. Problems and warnings go to the reader; names that
// refer to something declared elsewhere (budget routes, rule keys) are checked in finish().
class EconomicsParser {
 public:
  EconomicsParser(YamlReader& reader, Config& config, TargetSink on_target);
  ~EconomicsParser();
  EconomicsParser(const EconomicsParser&) = delete;
  EconomicsParser& operator=(const EconomicsParser&) = delete;

  // budgets; false (nothing read) for any other key.
  bool readTopLevel(const Field& field);
  // A route's targets, max_cost_ratio or rules; false for any other key.
  bool readRouteField(const Field& field, Route& route);
  // After every key of a route (the strategy may follow the targets): the route's own warnings.
  // `strategy` is the route's strategy key, or null when it has none.
  void finishRoute(const Field* strategy, const Route& route);
  // After the whole file: the routes of budgets.routes and the keys of rules must exist.
  void finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// A client key's budget, limits or tags (called by the keys' reader); false for any other key.
bool readKeyEconomics(YamlReader& reader, const Field& field, ClientKey& key);

}  // namespace switchyard::config
