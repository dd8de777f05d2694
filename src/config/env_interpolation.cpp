#include "config/env_interpolation.h"

#include <vector>

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

}  // namespace

Interpolation interpolate(std::string_view text, const EnvLookup& env) {
  Interpolation result;
  std::vector<std::string>
      missing;  // all of them, so one run of `check` lists every variable to set
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
    const std::string name(text.substr(at + 2, close - at - 2));
    if (!isValidName(name)) {
      result.error = "invalid environment variable name '" + name +
                     "' in '${...}' (letters, digits and '_'; write '$${' for a literal '${')";
      return result;
    }
    const std::optional<std::string> found = env(name);
    if (found) {
      result.value += *found;
    } else {
      missing.push_back(name);
    }
    at = close + 1;
  }
  if (missing.size() == 1) {
    result.error = "environment variable '" + missing.front() + "' is not set";
  } else if (!missing.empty()) {
    result.error = "environment variables ";
    for (std::size_t i = 0; i < missing.size(); ++i) {
      result.error += (i == 0 ? "'" : ", '") + missing[i] + "'";
    }
    result.error += " are not set";
  }
  return result;
}

}  // namespace switchyard::config
