#include "policy/pii_restorer.h"

#include <algorithm>
#include <cstdio>

namespace switchyard::policy {
namespace {

bool isPlaceholderChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

void appendJsonEscaped(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[7];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;  // UTF-8 passes through: JSON strings carry it unescaped
        }
    }
  }
}

}  // namespace

PiiRestorer::PiiRestorer(const std::vector<std::pair<std::string, std::string>>& mapping) {
  for (const auto& [placeholder, value] : mapping) {
    values_.emplace(placeholder, value);
    sorted_.push_back(placeholder);
  }
  std::sort(sorted_.begin(), sorted_.end());
}

void PiiRestorer::replace(std::string& text, bool json) const {
  if (values_.empty()) return;
  std::size_t open = text.find('[');
  if (open == std::string::npos) return;
  std::string out;
  std::size_t copied = 0;
  while (open != std::string::npos) {
    // A placeholder is '[' [A-Z0-9_]+ ']'; the run is walked once, so "[[[[" stays linear.
    std::size_t close = open + 1;
    while (close < text.size() && isPlaceholderChar(text[close])) ++close;
    if (close < text.size() && text[close] == ']') {
      auto it = values_.find(text.substr(open, close + 1 - open));
      if (it != values_.end()) {
        if (out.empty()) out.reserve(text.size() + 64);
        out.append(text, copied, open - copied);
        if (json)
          appendJsonEscaped(out, it->second);
        else
          out += it->second;
        copied = close + 1;
      }
    }
    open = text.find('[', close);
  }
  if (copied == 0) return;
  out.append(text, copied, std::string::npos);
  text = std::move(out);
}

void PiiRestorer::restore(std::string& text) const { replace(text, false); }
void PiiRestorer::restoreJson(std::string& json) const { replace(json, true); }

std::size_t PiiRestorer::holdFrom(std::string_view text) const {
  std::size_t open = text.rfind('[');
  if (open == std::string_view::npos) return text.size();
  std::string_view tail = text.substr(open);
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), tail,
                             [](const std::string& p, std::string_view t) { return p < t; });
  bool proper_prefix = it != sorted_.end() && it->size() > tail.size() &&
                       std::string_view(*it).substr(0, tail.size()) == tail;
  return proper_prefix ? open : text.size();
}

PiiStreamRestorer::PiiStreamRestorer(const PiiRestorer& restorer) : restorer_(restorer) {}

std::string PiiStreamRestorer::feed(std::string_view delta) {
  if (restorer_.empty()) return std::string(delta);
  held_.append(delta);
  std::size_t hold = restorer_.holdFrom(held_);
  // A placeholder cannot straddle `hold`: it would have to contain the '[' there after its first
  // character, and placeholders hold one '[' only.
  std::string ready = held_.substr(0, hold);
  held_.erase(0, hold);
  restorer_.restore(ready);
  return ready;
}

std::string PiiStreamRestorer::finish() {
  std::string rest = std::move(held_);
  held_.clear();
  return rest;
}

}  // namespace switchyard::policy
