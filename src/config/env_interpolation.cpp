#include "config/env_interpolation.h"

namespace switchyard::config {
namespace {

bool isNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool isNameChar(char c) { return isNameStart(c) || (c >= '0' && c <= '9'); }

bool isValidName(std::string_view name) {
  if (name.empty() || !isNameStart(name.front())) return false;
  for (char c : name) {
    if (!isNameChar(c)) return false;
  }
  return true;
}

std::string quotedList(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) text += (i == 0 ? "'" : ", '") + names[i] + "'";
  return text;
}

// "environment variable 'A' is not set" or "environment variables 'A', 'B' are not set".
std::string namesAre(const std::vector<std::string>& names, std::string_view what) {
  if (names.size() == 1) return "environment variable " + quotedList(names) + " is " + std::string(what);
  return "environment variables " + quotedList(names) + " are " + std::string(what);
}

}  // namespace

Interpolation interpolate(std::string_view text, const EnvLookup& env) {
  Interpolation result;
  // All of them, so one run of `check` lists every variable to set.
  std::vector<std::string> unset;
  std::vector<std::string> empty;
  std::vector<std::string> required;  // ${NAME:?message} messages
  std::size_t at = 0;
  while (at < text.size()) {
    if (text.compare(at, 3, "$${") == 0) {
      result.value += "${";
      at += 3;
      continue;
    }
    if (text.compare(at, 2, "${") != 0) {
      result.value += text[at++];
      continue;
    }
    const std::size_t close = text.find('}', at + 2);
    if (close == std::string_view::npos) {
      result.error = "unterminated '${' (write '$${' for a literal '${')";
      return result;
    }
    const std::string_view inside = text.substr(at + 2, close - at - 2);
    at = close + 1;
    const std::size_t colon = inside.find(':');
    const std::string name(inside.substr(0, colon));
    const std::string_view op = colon == std::string_view::npos ? "" : inside.substr(colon, 2);
    if (!isValidName(name)) {
      result.error = "invalid environment variable name '" + name +
                     "' in '${...}' (letters, digits and '_'; write '$${' for a literal '${')";
      return result;
    }
    if (colon != std::string_view::npos && op != ":-" && op != ":?") {
      result.error = "unsupported '${" + std::string(inside) +
                     "}' (expected ${NAME}, ${NAME:-default} or ${NAME:?message})";
      return result;
    }
    const std::string_view word = op.empty() ? "" : inside.substr(colon + 2);
    const std::optional<std::string> found = env(name);
    result.variables.push_back(name);
    if (found && !found->empty()) {
      result.value += *found;
    } else if (op == ":-") {
      result.value += word;
    } else if (op == ":?") {
      std::string message = "environment variable '" + name + "' is " + (found ? "empty" : "not set");
      if (!word.empty()) message += ": " + std::string(word);
      required.push_back(std::move(message));
    } else {
      (found ? empty : unset).push_back(name);
    }
  }
  std::vector<std::string> parts;
  if (!unset.empty()) parts.push_back(namesAre(unset, "not set"));
  if (!empty.empty()) {
    parts.push_back(namesAre(empty, "empty") + " (write ${" + empty.front() +
                    ":-} where an empty value is meant)");
  }
  parts.insert(parts.end(), required.begin(), required.end());
  for (const std::string& part : parts) result.error += (result.error.empty() ? "" : "; ") + part;
  return result;
}

}  // namespace switchyard::config
