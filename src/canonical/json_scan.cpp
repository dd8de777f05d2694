#include "canonical/json_scan.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

namespace switchyard::canonical {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skipSpace(std::string_view s, std::size_t i) {
  while (i < s.size() && isSpace(s[i])) ++i;
  return i;
}

// i points at an opening quote; returns the index one past the closing quote.
std::size_t skipString(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '"') return i + 1;
  }
  return s.size();
}

// i points at the first byte of a value; returns the index one past its end.
std::size_t skipValue(std::string_view s, std::size_t i) {
  if (i >= s.size()) return s.size();
  if (s[i] == '"') return skipString(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') { i = skipString(s, i); continue; }
      if (c == '{' || c == '[') ++depth;
      else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return s.size();
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !isSpace(s[i])) ++i;
  return i;
}

}  // namespace

std::optional<ByteSpan> findTopLevelValue(std::string_view json, std::string_view key) {
  std::size_t i = skipSpace(json, 0);
  if (i >= json.size() || json[i] != '{') return std::nullopt;
  std::optional<ByteSpan> found;
  i = skipSpace(json, i + 1);
  while (i < json.size() && json[i] == '"') {
    const std::size_t key_end = skipString(json, i);
    const std::string_view this_key = json.substr(i + 1, key_end - i - 2);
    i = skipSpace(json, key_end);
    if (i >= json.size() || json[i] != ':') return std::nullopt;
    i = skipSpace(json, i + 1);
    const std::size_t value_end = skipValue(json, i);
    if (this_key == key) found = ByteSpan{i, value_end};
    i = skipSpace(json, value_end);
    if (i < json.size() && json[i] == ',') i = skipSpace(json, i + 1);
    else break;
  }
  return found;
}

std::string jsonQuote(std::string_view text) {
  return boost::json::serialize(boost::json::string_view(text.data(), text.size()));
}

}  // namespace switchyard::canonical
