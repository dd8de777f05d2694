#include "config/yaml_reader.h"

#include <algorithm>
#include <charconv>

#include "base/duration.h"
#include "config/env_interpolation.h"

namespace switchyard::config {
namespace {

// 0.5 -> "0.5", 1 -> "1": limits in messages as a user would write them.
std::string formatNumber(double value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

constexpr std::size_t kMaxSuggestionDistance = 2;
constexpr std::int64_t kUnstatedMaximum = 1'000'000'000;

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string joinKeys(std::initializer_list<std::string_view> keys) {
  std::string joined;
  for (std::string_view key : keys) {
    if (!joined.empty()) joined += ", ";
    joined += key;
  }
  return joined;
}

std::string unknownKeyMessage(std::string_view key,
                              std::initializer_list<std::string_view> allowed) {
  std::string message = "unknown key";
  std::string_view best;
  std::size_t best_distance = kMaxSuggestionDistance + 1;
  for (std::string_view candidate : allowed) {
    const std::size_t distance = editDistance(key, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (!best.empty()) message += " (did you mean '" + std::string(best) + "'?)";
  message += "; allowed keys: " + joinKeys(allowed);
  return message;
}

std::string childPath(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

}  // namespace

std::string describeNodeType(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a string";
    default:
      return "nothing";
  }
}

int lineOf(const YAML::Node& node, int fallback) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : fallback;
}

void YamlReader::fail(int line, const std::string& path, const std::string& what) {
  std::string text = file_name_ + ":" + std::to_string(line) + ": ";
  if (!path.empty()) text += "key '" + path + "': ";
  text += what;
  problems_.push_back({line, std::move(text)});
}

std::string YamlReader::report() const {
  std::vector<Problem> sorted = problems_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  std::string text;
  for (const Problem& problem : sorted) {
    if (!text.empty()) text += '\n';
    text += problem.text;
  }
  return text;
}

std::optional<std::set<std::string>> YamlReader::forEachEntry(
    const Field& map, std::initializer_list<std::string_view> allowed,
    const std::function<void(const Field&)>& visit) {
  return walk(map, &allowed, visit);
}

std::optional<std::set<std::string>> YamlReader::forEachEntry(
    const Field& map, const std::function<void(const Field&)>& visit) {
  return walk(map, nullptr, visit);
}

std::optional<std::set<std::string>> YamlReader::walk(
    const Field& map, const std::initializer_list<std::string_view>* allowed,
    const std::function<void(const Field&)>& visit) {
  std::set<std::string> seen;
  if (isNull(map)) return seen;
  if (!map.node.IsMap()) {
    fail(map, "expected a mapping, got " + describeNodeType(map.node));
    return std::nullopt;
  }
  for (const auto& entry : map.node) {
    const YAML::Node key_node = entry.first;  // by value: yaml-cpp's iterator hands out temporaries
    const int line = lineOf(key_node, map.line);
    if (!key_node.IsScalar()) {
      fail(line, map.path, "keys must be strings, got " + describeNodeType(key_node));
      continue;
    }
    const std::string key = key_node.Scalar();
    const std::string path = childPath(map.path, key);
    if (allowed != nullptr && std::find(allowed->begin(), allowed->end(), key) == allowed->end()) {
      fail(line, path, unknownKeyMessage(key, *allowed));
      continue;
    }
    if (!seen.insert(key).second) {
      fail(line, path, "duplicate key");
      continue;
    }
    visit(Field{entry.second, path, key, line});
  }
  return seen;
}

void YamlReader::requireKeys(const Field& map, const std::set<std::string>& seen,
                             std::initializer_list<std::string_view> required,
                             std::string_view hint) {
  for (std::string_view key : required) {
    if (seen.contains(std::string(key))) continue;
    std::string what = "missing required key";
    if (!hint.empty()) what += " (" + std::string(hint) + ")";
    fail(map.line, childPath(map.path, std::string(key)), what);
  }
}

std::optional<std::string> YamlReader::readString(const Field& field) {
  if (isNull(field)) return std::nullopt;
  if (!field.node.IsScalar()) {
    fail(field, "expected a string, got " + describeNodeType(field.node));
    return std::nullopt;
  }
  Interpolation interpolated = interpolate(field.node.Scalar(), env_);
  if (!interpolated.error.empty()) {
    fail(field, interpolated.error);
    return std::nullopt;
  }
  return std::move(interpolated.value);
}

std::optional<std::int64_t> YamlReader::readInteger(const Field& field, std::int64_t min,
                                                    std::int64_t max) {
  const std::optional<std::string> text = readString(field);
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc{} || end != text->data() + text->size() || value < min ||
      value > max) {
    // A bound that only guards the type's range means nothing to the user, so it is not shown.
    const std::string range = max >= kUnstatedMaximum
                                  ? "of at least " + std::to_string(min)
                                  : "from " + std::to_string(min) + " to " + std::to_string(max);
    fail(field, "expected an integer " + range + ", got '" + *text + "'");
    return std::nullopt;
  }
  return value;
}

std::optional<double> YamlReader::readNumber(const Field& field, double min, double max) {
  const std::optional<std::string> text = readString(field);
  if (!text) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    fail(field, "expected a number, got '" + *text + "'");
    return std::nullopt;
  }
  if (value < min || value > max) {
    fail(field, "must be between " + formatNumber(min) + " and " + formatNumber(max) + ", got " + *text);
    return std::nullopt;
  }
  return value;
}

std::optional<bool> YamlReader::readBool(const Field& field) {
  const std::optional<std::string> text = readString(field);
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  fail(field, "expected true or false, got '" + *text + "'");
  return std::nullopt;
}

std::optional<Millis> YamlReader::readDuration(const Field& field, bool allow_zero) {
  const std::optional<std::string> text = readString(field);
  if (!text) return std::nullopt;
  const std::optional<Millis> value = base::parseDuration(*text);
  if (!value) {
    fail(field, "malformed duration '" + *text +
                    "' (expected a number and a unit: ms, s, m or h, e.g. 250ms or 1.5s)");
    return std::nullopt;
  }
  if (!allow_zero && value->count() <= 0) {
    fail(field, "must be greater than 0, got '" + *text + "'");
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<Field>> YamlReader::listItems(const Field& field) {
  std::vector<Field> items;
  if (isNull(field)) return items;
  if (!field.node.IsSequence()) {
    fail(field, "expected a list, got " + describeNodeType(field.node));
    return std::nullopt;
  }
  for (std::size_t i = 0; i < field.node.size(); ++i) {
    const YAML::Node item = field.node[i];
    items.push_back(
        Field{item, field.path + "[" + std::to_string(i) + "]", "", lineOf(item, field.line)});
  }
  return items;
}

std::optional<std::vector<std::string>> YamlReader::readStringList(const Field& field) {
  const std::optional<std::vector<Field>> items = listItems(field);
  if (!items) return std::nullopt;
  std::vector<std::string> values;
  bool ok = true;
  for (const Field& item : *items) {
    if (isNull(item)) {
      fail(item, "empty list entry");
      ok = false;
      continue;
    }
    std::optional<std::string> value = readString(item);
    if (value) {
      values.push_back(std::move(*value));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return values;
}

std::optional<std::map<std::string, std::string>> YamlReader::readStringMap(const Field& field) {
  std::map<std::string, std::string> values;
  bool ok = true;
  const auto seen = forEachEntry(field, [&](const Field& entry) {
    std::optional<std::string> value = readString(entry);
    if (value) {
      values[entry.key] = std::move(*value);
    } else if (isNull(entry)) {
      values[entry.key] = "";
    } else {
      ok = false;
    }
  });
  if (!seen || !ok) return std::nullopt;
  return values;
}

}  // namespace switchyard::config
