#pragma once
// PII detection: finds e-mail addresses, phone numbers, US SSNs, payment card numbers, IBANs, IP
// addresses and a policy's custom patterns in a text. Matching is RE2 (linear time in the text,
// memory bounded per pattern), so a hostile prompt cannot stall a worker; every regex candidate is
// then validated in code (Luhn, mod-97, octet ranges, token boundaries), which a regex cannot do.
//
// One detector is built per policy when the config is loaded and shared by every request and
// worker thread: scan() is const and thread-safe. RE2 stays behind the pimpl.
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

// Declared, not included: config.h changes often and most users of this header never see a policy.
namespace switchyard::config {
struct PiiPolicy;
}  // namespace switchyard::config

namespace switchyard::policy {

// One value found. `kind` is "email", "phone", "ssn", "card", "iban", "ip" or a custom pattern's
// name; it points into the detector, so it lives as long as the detector does.
struct PiiMatch {
  std::string_view kind;
  std::size_t begin = 0, end = 0;  // byte offsets into the scanned text, [begin, end)
};

class PiiDetector final {
 public:
  // Compiles the built-ins the policy asks for (`detect`, empty: all) and its custom patterns.
  // Throws std::invalid_argument naming the detector or pattern and RE2's error when one does not
  // compile (an unknown built-in name, a bad regex, a pattern too large for the memory bound).
  explicit PiiDetector(const config::PiiPolicy& policy);
  ~PiiDetector();
  PiiDetector(const PiiDetector&) = delete;
  PiiDetector& operator=(const PiiDetector&) = delete;

  // Appends every match in `text` to `out`, in order and non-overlapping: the leftmost wins, on a
  // tie the longer, then the detector listed first (built-ins before custom patterns). Candidates
  // that fail validation are dropped. Linear in text.size() for every input.
  void scan(std::string_view text, std::vector<PiiMatch>& out) const;

  // True when there is nothing to detect (no built-in asked for and no custom pattern).
  bool empty() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard::policy
