#include "policy/pii_redactor.h"

#include <algorithm>

namespace switchyard::policy {
namespace {

std::string placeholderStem(std::string_view kind) {
  std::string stem;
  stem.reserve(kind.size());
  for (char c : kind) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    bool keep = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    // Anything else could need JSON escaping or end the placeholder early (']').
    stem += keep ? c : '_';
  }
  return stem;
}

}  // namespace

PiiRedactor::PiiRedactor(const PiiDetector& detector) : detector_(detector) {}

void PiiRedactor::count(std::string_view kind) {
  auto it =
      std::find_if(found_.begin(), found_.end(), [&](const auto& f) { return f.first == kind; });
  if (it == found_.end())
    found_.emplace_back(std::string(kind), 1);
  else
    ++it->second;
}

const std::string& PiiRedactor::placeholderFor(std::string_view kind, std::string_view value) {
  // Keyed by kind too: a custom pattern and a built-in may both match one value, and each kind
  // keeps its own numbering.
  std::string key;
  key.reserve(kind.size() + 1 + value.size());
  key.append(kind).append(1, '\0').append(value);
  auto [it, inserted] = by_value_.try_emplace(std::move(key), mapping_.size());
  if (inserted) {
    // Numbered per stem: "employee-id" and "employee_id" share EMPLOYEE_ID and must not collide.
    std::string stem = placeholderStem(kind);
    std::size_t n = ++next_number_[stem];
    mapping_.emplace_back("[" + stem + "_" + std::to_string(n) + "]", std::string(value));
  }
  return mapping_[it->second].first;
}

bool PiiRedactor::inspect(std::string_view text) {
  matches_.clear();
  detector_.scan(text, matches_);
  for (const PiiMatch& m : matches_) count(m.kind);
  return !matches_.empty();
}

bool PiiRedactor::redact(std::string& text) {
  matches_.clear();
  detector_.scan(text, matches_);
  if (matches_.empty()) return false;
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  for (const PiiMatch& m : matches_) {
    count(m.kind);
    out.append(text, at, m.begin - at);
    out += placeholderFor(m.kind, std::string_view(text).substr(m.begin, m.end - m.begin));
    at = m.end;
  }
  out.append(text, at, std::string::npos);
  text = std::move(out);
  return true;
}

}  // namespace switchyard::policy
