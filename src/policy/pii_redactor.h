#pragma once
// Per-request PII bookkeeping: counts what the request's texts hold (actions audit, block,
// escalate) or replaces each value with a typed placeholder before the text leaves (action redact),
// remembering placeholder -> value so the answer can be restored (pii_restorer.h).
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "policy/pii_detector.h"

namespace switchyard::policy {

// One per request, on the request's coroutine (not thread-safe). The detector must outlive it.
// Within a request the same value always gets the same placeholder, in every text, so the model
// can tell that two messages speak of the same person. Placeholders are "[KIND_N]": KIND is the
// kind upper-cased with any character other than A-Z, 0-9 and '_' made '_' ("[EMAIL_1]",
// "[EMPLOYEE_ID_1]"), N counts per kind from 1. They never need JSON escaping.
class PiiRedactor final {
 public:
  explicit PiiRedactor(const PiiDetector& detector);

  // Counts what `text` holds, changing nothing. Returns true when something was found.
  bool inspect(std::string_view text);

  // Replaces every value in `text` with its placeholder. Returns true when something was replaced.
  bool redact(std::string& text);

  // Kinds found so far by inspect() and redact(), with the number of values found (each
  // occurrence counts), in first-seen order: [{"email", 2}, {"card", 1}].
  const std::vector<std::pair<std::string, std::size_t>>& found() const { return found_; }

  // Placeholder -> original value, in the order the placeholders were made (redact() only).
  const std::vector<std::pair<std::string, std::string>>& mapping() const { return mapping_; }

 private:
  void count(std::string_view kind);
  const std::string& placeholderFor(std::string_view kind, std::string_view value);

  const PiiDetector& detector_;
  std::vector<PiiMatch> matches_;  // reused across texts
  std::vector<std::pair<std::string, std::size_t>> found_;
  std::vector<std::pair<std::string, std::string>> mapping_;
  std::unordered_map<std::string, std::size_t> by_value_;  // kind + '\0' + value -> mapping_ index
  std::unordered_map<std::string, std::size_t> next_number_;  // stem -> placeholders made so far
};

}  // namespace switchyard::policy
