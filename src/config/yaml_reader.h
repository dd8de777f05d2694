#pragma once
// Typed reads from a yaml-cpp tree that never throw: each problem is recorded with its file, line
// and key path, so one run reports everything the user has to fix.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace switchyard::config {

// Levenshtein distance, for "did you mean" suggestions (names are short: the plain algorithm).
std::size_t editDistance(std::string_view a, std::string_view b);

// One value in the tree, with the dotted key that reaches it and the (1-based) line to blame.
struct Field {
  // YAML::Node's assignment writes into the tree it refers to, so assigning a Field would edit
  // the document being read: the const member makes Field non-assignable (without a user-declared
  // operator=, which would deprecate the implicit copy constructor). Copies are fine: they share
  // the node.
  const YAML::Node node;
  std::string path;  // e.g. "providers.local.base_url"; empty for the document itself
  std::string key;   // the last part of path ("base_url"); empty for list items and the document
  int line = 1;
};

class YamlReader {
 public:
  YamlReader(std::string file_name, const EnvLookup& env)
      : file_name_(std::move(file_name)), env_(env) {}

  // Records "FILE:LINE: key 'PATH': WHAT" (or "FILE:LINE: WHAT" when the path is empty).
  void fail(int line, const std::string& path, const std::string& what);
  void fail(const Field& field, const std::string& what) { fail(field.line, field.path, what); }

  // Records "FILE:LINE: key 'PATH': warning: WHAT": the config loads, and serve/check print it.
  void warn(const Field& field, const std::string& what);
  const std::vector<std::string>& warnings() const { return warnings_; }

  bool hasProblems() const { return !problems_.empty(); }
  // Every problem, one per line, in line order (problems on one line keep the order found).
  std::string report() const;

  // Visits a mapping's entries in file order; reports unknown keys (with a suggestion) and
  // duplicate keys, which are not visited. Returns the keys seen, or nullopt after reporting a
  // non-mapping. A null node is an empty mapping: "labels:" with nothing under it means no labels.
  std::optional<std::set<std::string>> forEachEntry(const Field& map,
                                                    std::initializer_list<std::string_view> allowed,
                                                    const std::function<void(const Field&)>& visit);
  // As above for mappings whose keys are names the user chooses (providers, routes, labels).
  std::optional<std::set<std::string>> forEachEntry(const Field& map,
                                                    const std::function<void(const Field&)>& visit);

  // Reports a key that forEachEntry did not see, at the line of the mapping that should hold it.
  void requireKeys(const Field& map, const std::set<std::string>& seen,
                   std::initializer_list<std::string_view> required, std::string_view hint = {});

  // The readers return nullopt both for a null value (the caller keeps its default) and after
  // reporting a problem. Scalars go through ${NAME} interpolation before they are converted.
  std::optional<std::string> readString(const Field& field);
  // A string spliced into an upstream request head (a key, a version, a region, a URL): a control
  // character (0x00-0x1F, 0x7F) would end a header early or forge another, so it is an error that
  // names the key but never shows the value. One trailing "\n" or "\r\n", as a secret read from a
  // file ends, is removed with a warning. `allow_spaces` false also refuses spaces (URL parts).
  std::optional<std::string> readHeadValue(const Field& field, bool allow_spaces = true);
  std::optional<std::int64_t> readInteger(const Field& field, std::int64_t min, std::int64_t max);
  std::optional<double> readNumber(const Field& field, double min, double max);
  std::optional<bool> readBool(const Field& field);
  // Durations like 50ms, 2s, 1.5m; zero is rejected unless allow_zero.
  std::optional<Millis> readDuration(const Field& field, bool allow_zero);
  std::optional<std::vector<std::string>> readStringList(const Field& field);
  std::optional<std::map<std::string, std::string>> readStringMap(const Field& field);

  // True for "key:" with no value (and for a key that is absent).
  bool isNull(const Field& field) const { return !field.node.IsDefined() || field.node.IsNull(); }

  // The entries of a list, each as a Field named PATH[INDEX]; nullopt after reporting a non-list.
  std::optional<std::vector<Field>> listItems(const Field& field);

 private:
  std::optional<std::set<std::string>> walk(const Field& map,
                                            const std::initializer_list<std::string_view>* allowed,
                                            const std::function<void(const Field&)>& visit);

  struct Problem {
    int line;
    std::string text;
  };

  // readString, also returning the names of the ${...} variables it substituted.
  std::optional<std::string> readScalar(const Field& field, std::vector<std::string>* variables);

  std::string file_name_;
  const EnvLookup& env_;
  std::vector<Problem> problems_;
  std::vector<std::string> warnings_;
};

// "a mapping", "a list", "a string", "nothing": for "expected X, got Y" messages.
std::string describeNodeType(const YAML::Node& node);

// The 1-based line of a node, or `fallback` when yaml-cpp has no position for it.
int lineOf(const YAML::Node& node, int fallback);

// "FILE:LINE: YAML syntax error: ...", with advice when an unquoted ${...} in { } or [ ] caused it.
std::string syntaxErrorMessage(const std::string& yaml, const std::string& file_name,
                               const YAML::ParserException& error);

}  // namespace switchyard::config
