#include "config/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

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

// "0x0A (line feed)": names the character, which is not secret, rather than showing the value.
std::string describeControlCharacter(unsigned char byte) {
  static constexpr const char* kHex = "0123456789ABCDEF";
  std::string text = std::string("0x") + kHex[byte >> 4] + kHex[byte & 0xF];
  switch (byte) {
    case '\0': return text + " (NUL)";
    case '\t': return text + " (tab)";
    case '\n': return text + " (line feed)";
    case '\r': return text + " (carriage return)";
    case 0x1B: return text + " (escape)";
    case 0x7F: return text + " (DEL)";
    default: return text;
  }
}

std::string childPath(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// The most common YAML mistake in a gateway config: `{kind: groq, api_key: ${GROQ_API_KEY}}`. In a
// flow collection ({ } or [ ]) a plain value cannot hold '{', so the placeholder must be quoted.
// This finds an unquoted "${" inside a flow collection, at or before where the parser gave up, and
// returns the advice (naming the line when it is not the error's), or "" when there is none.
std::string flowPlaceholderHint(const std::string& yaml, int error_line, int error_column) {
  struct Found {
    int line;
    std::size_t at;
  };
  std::optional<Found> found;
  int depth = 0;
  int line = 0;
  int column = 0;
  char quote = 0;
  char last = '\n';  // the last character that was not a space, or '\n' at a line's start
  for (std::size_t i = 0; i < yaml.size(); ++i, ++column) {
    const char c = yaml[i];
    if (c == '\n') {
      ++line;
      column = -1;
      last = '\n';
      continue;
    }
    if (line > error_line || (line == error_line && column > error_column)) break;
    if (quote != 0) {
      if (c == quote) quote = 0;
      if (c == '\\' && quote == '"') {
        ++i;
        ++column;
      }
      last = c;
      continue;
    }
    const bool value_start = last == '\n' || last == ':' || last == ',' || last == '[' ||
                             last == '{' || last == '-' || last == '?';
    if (c == ' ' || c == '\t') continue;
    if (c == '#' && (last == '\n' || yaml[i - 1] == ' ' || yaml[i - 1] == '\t')) {
      while (i + 1 < yaml.size() && yaml[i + 1] != '\n') ++i;
      continue;
    }
    if ((c == '\'' || c == '"') && value_start) {
      quote = c;
    } else if ((c == '{' || c == '[') && (value_start || depth > 0)) {
      ++depth;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    } else if (c == '$' && depth > 0 && i + 1 < yaml.size() && yaml[i + 1] == '{') {
      found = Found{line, i};
      const std::size_t close = yaml.find_first_of("}\n", i);
      if (close != std::string::npos && yaml[close] == '}') {
        column += static_cast<int>(close - i);
        i = close;
      }
    }
    last = c;
  }
  if (!found) return "";
  // The example: the value as written, quoted, after its key when it has one.
  const std::size_t at = found->at;
  std::size_t start = at;
  while (start > 0 && std::string_view(",[{\n").find(yaml[start - 1]) == std::string_view::npos &&
         !(yaml[start - 1] == ' ' && start >= 2 && yaml[start - 2] == ':')) {
    --start;
  }
  std::size_t end = yaml.find('}', at);
  end = yaml.find_first_of(",]}#\n", end == std::string::npos ? at : end + 1);
  if (end == std::string::npos) end = yaml.size();
  std::string value = yaml.substr(start, end - start);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  std::string key;
  std::size_t colon = start;
  while (colon > 0 && (yaml[colon - 1] == ' ' || yaml[colon - 1] == '\t')) --colon;
  if (colon > 0 && yaml[colon - 1] == ':') {
    std::size_t key_end = colon - 1;
    std::size_t key_start = key_end;
    while (key_start > 0 && std::string_view(" \t,[{\n").find(yaml[key_start - 1]) == std::string_view::npos) {
      --key_start;
    }
    key = yaml.substr(key_start, key_end - key_start);
  }
  std::string hint = "a value with ${...} inside { } or [ ] must be quoted";
  if (found->line != error_line) hint += " (line " + std::to_string(found->line + 1) + ")";
  hint += ", e.g. " + (key.empty() ? "" : key + ": ") + "\"" + value + "\"";
  return hint;
}

}  // namespace

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

void YamlReader::warn(const Field& field, const std::string& what) {
  std::string text = file_name_ + ":" + std::to_string(field.line) + ": ";
  if (!field.path.empty()) text += "key '" + field.path + "': ";
  warnings_.push_back(text + "warning: " + what);
}

std::optional<std::string> YamlReader::readString(const Field& field) {
  return readScalar(field, nullptr);
}

std::optional<std::string> YamlReader::readScalar(const Field& field,
                                                  std::vector<std::string>* variables) {
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
  if (variables != nullptr) *variables = std::move(interpolated.variables);
  return std::move(interpolated.value);
}

std::optional<std::string> YamlReader::readHeadValue(const Field& field, bool allow_spaces) {
  std::vector<std::string> variables;
  std::optional<std::string> value = readScalar(field, &variables);
  if (!value) return std::nullopt;
  std::string from;  // where the character came from, without showing the value
  for (const std::string& name : variables) from += (from.empty() ? " (from ${" : ", ${") + name + "}";
  if (!from.empty()) from += ")";
  std::size_t trimmed = 0;
  if (value->ends_with("\r\n")) {
    trimmed = 2;
  } else if (value->ends_with('\n')) {
    trimmed = 1;
  }
  value->resize(value->size() - trimmed);
  for (const char c : *value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7F && (allow_spaces || byte != ' ')) continue;
    if (byte == ' ') {
      fail(field, "must not contain spaces" + from);
      return std::nullopt;
    }
    fail(field, "contains control character " + describeControlCharacter(byte) + from +
                    (trimmed > 0 && (byte == '\n' || byte == '\r')
                         ? "; only one trailing newline is removed"
                         : "") +
                    "; control characters would corrupt the upstream request's headers (the value "
                    "is not shown)");
    return std::nullopt;
  }
  if (trimmed > 0) {
    if (value->empty()) {
      fail(field, "is only a newline" + from);
      return std::nullopt;
    }
    std::string source;
    for (const std::string& name : variables) source += (source.empty() ? " from ${" : ", ${") + name + "}";
    warn(field, "removed the trailing newline" + source + " (a value read from a file often ends with one)");
  }
  return value;
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

// yaml-cpp finds an unclosed bracket or quote only at the end of the input, on the line after the
// last one; pointing at a line the user cannot find helps nobody, so name the last line instead.
std::string syntaxErrorMessage(const std::string& yaml, const std::string& file_name,
                               const YAML::ParserException& error) {
  const int last_line = std::max<int>(1, std::count(yaml.begin(), yaml.end(), '\n') +
                                             (yaml.empty() || yaml.back() == '\n' ? 0 : 1));
  int line = error.mark.line >= 0 ? error.mark.line + 1 : 1;
  std::string where;
  if (line > last_line) {
    line = last_line;
    where = " (at the end of the file)";
  } else if (error.mark.column >= 0) {
    where = " (column " + std::to_string(error.mark.column + 1) + ")";
  }
  std::string message = file_name + ":" + std::to_string(line) + ": YAML syntax error: " + error.msg + where;
  const int error_line = error.mark.line >= 0 ? error.mark.line : last_line - 1;
  const int error_column = error.mark.line >= 0 && error.mark.column >= 0 ? error.mark.column : 1 << 30;
  const std::string hint = flowPlaceholderHint(yaml, error_line, error_column);
  if (!hint.empty()) message += ": " + hint;
  return message;
}

}  // namespace switchyard::config
