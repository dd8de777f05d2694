#include "policy/pii_detector.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <string>

#include "config/config.h"
#include "policy/pii_checks.h"

namespace switchyard::policy {
namespace {

using pii_checks::Check;

// RE2 memory bounds (compiled programs plus DFA caches). A DFA that fills its budget flushes and,
// if that keeps happening, falls back to the NFA: slower, still linear, never more memory.
constexpr std::int64_t kMaxMemAny = 8 << 20;         // the alternation, which reads every byte
constexpr std::int64_t kMaxMemPerPattern = 2 << 20;  // each pattern
// Candidates closer than this are checked as one region: one search per detector instead of two.
constexpr std::size_t kRegionGap = 128;

// Candidates, not answers: each regex over-approximates its kind and pii_checks.h decides. Digit
// kinds are bounded by \b so a candidate never ends inside a longer number. `max_length` bounds
// what the regex can match (scan() looks that far past a region): keep it in step with the regex.
// Large counted repetitions ({1,64}) where a match may start multiply DFA states: an e-mail regex
// bounded that way ran a hundred times slower.
struct BuiltIn {
  const char* name;
  Check check;
  std::size_t max_length;
  const char* regex;
};
constexpr std::array kBuiltIns{
    // ASCII only. Unbounded (max_length 0), so not in the alternation: scan() searches the runs
    // of address characters around each '@' instead.
    BuiltIn{"email", Check::Email, 0,
            R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})"},
    // E.164 ("+44 20 7946 0958", "+1 (555) 123-4567") or NANP with separators ("(555) 123-4567",
    // "555.123.4567", "1-555-123-4567"; area codes start with 2-9, so "100 200 3000" is not one).
    // Plain digit runs are not phones: too many ids look alike.
    BuiltIn{"phone", Check::Phone, 53,
            R"(\+\d{1,3}(?:[ .\-]?(?:\(\d{1,4}\)|\d{1,5})){1,7}\b|)"
            R"((?:\b1[ .\-]?)?(?:\([2-9]\d{2}\)[ .\-]?|\b[2-9]\d{2}[ .\-])\d{3}[ .\-]\d{4}\b)"},
    BuiltIn{"ssn", Check::Ssn, 11, R"(\b\d{3}-\d{2}-\d{4}\b)"},
    // Contiguous, or as printed: 4-4-4-4, 4-4-4-4-3, 4-4-4-1 with spaces or dashes, and the
    // 4-6-5 / 4-6-4 of Amex and Diners. Other groupings are not cards, whatever Luhn says.
    BuiltIn{"card", Check::Card, 23,
            R"(\b(?:\d{13,19}|\d{4}(?:[ \-]\d{4}){2}[ \-](?:\d|\d{4}(?:[ \-]\d{3})?)|)"
            R"(\d{4}[ \-]\d{6}[ \-]\d{4,5})\b)"},
    // Electronic (contiguous) or printed (groups of four) form; upper case only.
    BuiltIn{"iban", Check::Iban, 44,
            R"(\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b)"},
    // IPv4, or a loose IPv6 shape (with an optional dotted IPv4 tail) that inet_pton then decides.
    BuiltIn{"ip", Check::Ip, 51,
            R"(\b\d{1,3}(?:\.\d{1,3}){3}\b|)"
            R"([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3})"},
};

bool isEmailChar(char c) {
  return pii_checks::isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' ||
         c == '@';
}

// What each kind needs nearby to be worth a search, from one cheap pass over the region.
struct TextTraits {
  bool digit = false, colon = false, upper = false;
};
TextTraits traitsOf(std::string_view t) {
  TextTraits traits;
  for (char c : t) {
    traits.digit = traits.digit || pii_checks::isDigit(c);
    traits.colon = traits.colon || c == ':';
    traits.upper = traits.upper || (c >= 'A' && c <= 'Z');
  }
  return traits;
}

bool worthScanning(Check check, const TextTraits& traits) {
  switch (check) {
    case Check::Iban:
      return traits.upper && traits.digit;
    case Check::Ip:
      return traits.digit || traits.colon;
    case Check::Phone:
    case Check::Ssn:
    case Check::Card:
      return traits.digit;
    case Check::None:
    case Check::Email:
      return true;
  }
  return true;
}

RE2::Options optionsWith(std::int64_t max_mem) {
  RE2::Options options;
  options.set_max_mem(max_mem);
  options.set_longest_match(true);  // the longer of two candidates at one position wins
  options.set_never_capture(true);  // only the bounds are used; groups would cost a second engine
  options.set_log_errors(false);    // the error is thrown, with the pattern's name
  return options;
}

struct Candidate {
  std::size_t begin, end, detector;
};

}  // namespace

struct PiiDetector::Impl {
  struct Detector {
    std::string kind;
    Check check;
    std::size_t max_length;  // 0: unbounded (email, a custom pattern)
    std::unique_ptr<RE2> re;
  };
  std::vector<Detector> detectors;  // built-ins in table order, then custom patterns
  // The bounded built-ins as one alternation: one pass over the text says where to look at all.
  // Only bounded ones: in a leftmost-longest search, an unbounded alternative that has started
  // (an e-mail's local part in "1.1.1.1...") keeps the DFA reading to the end of the text after
  // every match of another, which made a 1 MB text take minutes.
  std::unique_ptr<RE2> bounded_any;

  void add(std::string kind, Check check, std::size_t max_length, const std::string& regex,
           std::string_view what) {
    auto re = std::make_unique<RE2>(regex, optionsWith(kMaxMemPerPattern));
    if (!re->ok())
      throw std::invalid_argument("pii " + std::string(what) + " '" + kind + "': " + re->error());
    // An empty match would be a placeholder for nothing.
    if (RE2::FullMatch("", *re))
      throw std::invalid_argument("pii " + std::string(what) + " '" + kind +
                                  "': matches the empty string");
    detectors.push_back({std::move(kind), check, max_length, std::move(re)});
  }

  void compileBoundedAny() {
    std::string alternation;
    for (const Detector& d : detectors)
      if (d.max_length > 0)
        alternation += (alternation.empty() ? "(?:" : "|(?:") + d.re->pattern() + ")";
    if (alternation.empty()) return;
    bounded_any = std::make_unique<RE2>(alternation, optionsWith(kMaxMemAny));
    if (!bounded_any->ok()) throw std::logic_error("pii built-ins: " + bounded_any->error());
  }

  // Detector i's candidates that start in [pos, start_limit), searching no further than endpos;
  // pos moves past each. Candidates of one detector do not overlap, and a rejected candidate is
  // not searched again from inside: that keeps the scan linear, and a value inside a rejected
  // token (a version, an id) is not one of its own. A shortened one (an IBAN) is searched again
  // after its new end, at most 34 bytes back.
  void collect(std::size_t i, std::string_view text, std::size_t& pos, std::size_t start_limit,
               std::size_t endpos, std::vector<Candidate>& out) const {
    const Detector& d = detectors[i];
    re2::StringPiece whole(text.data(), text.size()), m;
    while (pos < start_limit && d.re->Match(whole, pos, endpos, RE2::UNANCHORED, &m, 1)) {
      auto b = static_cast<std::size_t>(m.data() - text.data());
      std::size_t e = b + m.size();
      if (b >= start_limit) return;  // found again by the region that holds it
      pos = std::max(e, b + 1);      // b + 1: a custom pattern's zero-width match ("\b")
      if (e > b && pii_checks::validate(d.check, text, b, e)) {
        out.push_back({b, e, i});
        pos = e;
      }
    }
  }

  void scanBounded(std::string_view text, std::vector<Candidate>& out) const;
  void scanEmail(std::size_t i, std::string_view text, std::vector<Candidate>& out) const;
};

// Every match of a bounded built-in starts inside a match of the alternation (where one of them
// matches, the alternation does), and regions gather those. So each searches only the regions,
// and at most its max_length past their end.
void PiiDetector::Impl::scanBounded(std::string_view text, std::vector<Candidate>& out) const {
  std::vector<std::size_t> cursors(detectors.size(), 0);
  auto scanRegion = [&](std::size_t rb, std::size_t re) {
    // A candidate starting in the region has its first digit, colon or capital within 5 bytes.
    TextTraits traits = traitsOf(text.substr(rb, std::min(text.size(), re + 5) - rb));
    for (std::size_t i = 0; i < detectors.size(); ++i) {
      const Detector& d = detectors[i];
      if (d.max_length == 0 || !worthScanning(d.check, traits)) continue;
      cursors[i] = std::max(cursors[i], rb);
      collect(i, text, cursors[i], re, std::min(text.size(), re + d.max_length + 1), out);
    }
  };
  re2::StringPiece whole(text.data(), text.size()), m;
  std::size_t pos = 0, rb = 0, re = 0;
  bool open = false;
  while (pos < text.size() && bounded_any->Match(whole, pos, text.size(), RE2::UNANCHORED, &m, 1)) {
    auto b = static_cast<std::size_t>(m.data() - text.data());
    if (open && b > re + kRegionGap) {
      scanRegion(rb, re);
      open = false;
    }
    if (!open) rb = b, open = true;
    re = pos = b + m.size();
  }
  if (open) scanRegion(rb, re);
}

// Every address holds an '@' and lies within the run of address characters around it, so the
// e-mail regex runs on those runs only: on prose, the cost of a memchr.
void PiiDetector::Impl::scanEmail(std::size_t i, std::string_view text,
                                  std::vector<Candidate>& out) const {
  std::size_t done = 0;
  while (done < text.size()) {
    const void* at = std::memchr(text.data() + done, '@', text.size() - done);
    if (at == nullptr) return;
    std::size_t begin = static_cast<std::size_t>(static_cast<const char*>(at) - text.data());
    std::size_t end = begin + 1;
    while (begin > done && isEmailChar(text[begin - 1])) --begin;
    while (end < text.size() && isEmailChar(text[end])) ++end;
    collect(i, text, begin, end, end, out);
    done = end;
  }
}

PiiDetector::PiiDetector(const config::PiiPolicy& policy) : impl_(std::make_unique<Impl>()) {
  for (const std::string& name : policy.detect) {
    bool known = std::any_of(kBuiltIns.begin(), kBuiltIns.end(),
                             [&](const BuiltIn& b) { return name == b.name; });
    if (!known)
      throw std::invalid_argument("pii detect: unknown detector '" + name +
                                  "' (email, phone, ssn, card, iban, ip)");
  }
  for (const BuiltIn& builtin : kBuiltIns) {
    bool wanted = policy.detect.empty() || std::find(policy.detect.begin(), policy.detect.end(),
                                                     builtin.name) != policy.detect.end();
    if (wanted)
      impl_->add(builtin.name, builtin.check, builtin.max_length, builtin.regex, "detector");
  }
  for (const config::PiiPattern& pattern : policy.patterns)
    impl_->add(pattern.name, Check::None, 0, pattern.regex, "pattern");
  impl_->compileBoundedAny();
}

PiiDetector::~PiiDetector() = default;

bool PiiDetector::empty() const { return impl_->detectors.empty(); }

void PiiDetector::scan(std::string_view text, std::vector<PiiMatch>& out) const {
  if (text.empty() || impl_->detectors.empty()) return;
  std::vector<Candidate> candidates;
  if (impl_->bounded_any) impl_->scanBounded(text, candidates);
  for (std::size_t i = 0; i < impl_->detectors.size(); ++i) {
    const Impl::Detector& d = impl_->detectors[i];
    if (d.check == Check::Email) {
      impl_->scanEmail(i, text, candidates);
    } else if (d.max_length == 0) {  // a custom pattern: its own pass over the whole text
      std::size_t pos = 0;
      impl_->collect(i, text, pos, text.size(), text.size(), candidates);
    }
  }
  // Each detector's candidates are disjoint; across detectors the leftmost wins, then the longer,
  // then the detector listed first.
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.begin != b.begin) return a.begin < b.begin;
    if (a.end != b.end) return a.end > b.end;
    return a.detector < b.detector;
  });
  std::size_t covered = 0;
  for (const Candidate& c : candidates) {
    if (c.begin < covered) continue;
    out.push_back({impl_->detectors[c.detector].kind, c.begin, c.end});
    covered = c.end;
  }
}

}  // namespace switchyard::policy
