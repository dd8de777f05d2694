#include "canonical/json_validate.h"

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/utf8.h"
#include "canonical/json_probe.h"

namespace switchyard::canonical {

namespace {

static_assert(kMaxJsonDepth <= 64, "the open containers are one bit each in a 64-bit word");

// Exponents up to this many digits are judged here; Boost.JSON decides about longer ones.
constexpr std::ptrdiff_t kExponentDigitsJudged = 6;

bool isDigit(unsigned char c) { return c >= '0' && c <= '9'; }

int hexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One pass over the text with an explicit stack of open containers (a bit each: set for an array).
class Validator {
 public:
  Validator(std::string_view text, std::span<const std::string_view> keys, std::span<ScannedMember> out)
      : begin_(reinterpret_cast<const unsigned char*>(text.data())),
        p_(begin_),
        end_(p_ + text.size()),
        keys_(keys),
        out_(out) {}

  bool isObject() const { return begin_ != end_ && first_ == '{'; }
  bool needsReference() const { return needs_reference_; }

  bool run() {
    skipSpace();
    if (p_ != end_) first_ = *p_;
    for (;;) {
      if (!value()) return false;
      // A value ended: close containers, or go on to the next member or element.
      for (;;) {
        skipSpace();
        if (depth_ == 0) return p_ == end_;
        if (p_ == end_) return false;
        const bool in_array = ((arrays_ >> (depth_ - 1)) & 1U) != 0;
        if (*p_ == ',') {
          ++p_;
          skipSpace();
          if (!in_array && !memberName()) return false;
          break;
        }
        if (*p_ != (in_array ? ']' : '}')) return false;
        ++p_;
        --depth_;
      }
    }
  }

 private:
  // One value; a container's opening only (its contents follow in run()), unless it is empty.
  bool value() {
    if (p_ == end_) return false;
    // A wanted top-level member's value: note where it is and what it is.
    ScannedMember* member = nullptr;
    if (wanted_ != nullptr) {
      member = wanted_;
      wanted_ = nullptr;
      member->begin = static_cast<std::size_t>(p_ - begin_);
      member->kind = kindAt(*p_);
    }
    const bool ok = valueAt();
    if (member != nullptr) member->end = static_cast<std::size_t>(p_ - begin_);
    return ok;
  }

  static JsonKind kindAt(unsigned char c) {
    switch (c) {
      case '{': return JsonKind::Object;
      case '[': return JsonKind::Array;
      case '"': return JsonKind::String;
      case 't':
      case 'f': return JsonKind::Bool;
      case 'n': return JsonKind::Null;
      default: return JsonKind::Number;
    }
  }

  bool valueAt() {
    switch (*p_) {
      case '{':
      case '[': {
        const bool array = *p_ == '[';
        if (depth_ == kMaxJsonDepth) return false;
        const std::uint64_t bit = std::uint64_t{1} << depth_;
        arrays_ = array ? (arrays_ | bit) : (arrays_ & ~bit);
        ++depth_;
        ++p_;
        skipSpace();
        if (p_ != end_ && *p_ == (array ? ']' : '}')) {
          ++p_;
          --depth_;
          return true;
        }
        if (array) return value();
        return memberName() && value();
      }
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }

  // A member's name, the colon and the space before its value.
  [[gnu::always_inline]] bool memberName() {
    if (p_ == end_ || *p_ != '"') return false;
    const unsigned char* name = p_ + 1;
    if (!string()) return false;
    if (depth_ == 1 && !keys_.empty()) noteName(name, p_ - 1);
    skipSpace();
    if (p_ == end_ || *p_ != ':') return false;
    ++p_;
    skipSpace();
    return true;
  }

  // A top-level member's name: the next value is wanted when it is one of the keys.
  void noteName(const unsigned char* name, const unsigned char* name_end) {
    const std::string_view text(reinterpret_cast<const char*>(name), static_cast<std::size_t>(name_end - name));
    if (text.find('\\') != std::string_view::npos) {
      needs_reference_ = true;  // an escaped name may spell a key
      return;
    }
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] == text) wanted_ = &out_[i];
    }
  }

  [[gnu::always_inline]] bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size()) return false;
    for (const char c : word) {
      if (*p_++ != static_cast<unsigned char>(c)) return false;
    }
    return true;
  }

  // RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  [[gnu::always_inline]] bool number() {
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (isDigit(*p_)) {
      while (p_ != end_ && isDigit(*p_)) ++p_;
    } else {
      return false;
    }
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !isDigit(*p_)) return false;
      while (p_ != end_ && isDigit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !isDigit(*p_)) return false;
      const unsigned char* digits = p_;
      while (p_ != end_ && isDigit(*p_)) ++p_;
      // Boost.JSON refuses some long exponents as an overflow: let it judge those.
      if (p_ - digits > kExponentDigitsJudged) needs_reference_ = true;
    }
    return true;
  }

  // From the opening quote to past the closing one.
  [[gnu::always_inline]] bool string() {
    ++p_;
    for (;;) {
      skipPlainBytes();
      if (p_ == end_) return false;
      const unsigned char c = *p_;
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!escape()) return false;
      } else if (c < 0x20) {
        return false;  // a control character must be escaped
      } else {
        // Non-ASCII: one well-formed UTF-8 sequence.
        const std::string_view rest(reinterpret_cast<const char*>(begin_), static_cast<std::size_t>(end_ - begin_));
        const std::size_t length = base::utf8SequenceAt(rest, static_cast<std::size_t>(p_ - begin_));
        if (length == 0) return false;
        p_ += length;
      }
    }
  }

  // Past printable ASCII other than the quote and the backslash, 16 bytes at a time where it can.
  [[gnu::always_inline]] void skipPlainBytes() {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end_ - p_ >= 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));
      // Signed compare: below 0x20 catches control characters and every byte >= 0x80.
      const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)),
                                           _mm_cmplt_epi8(bytes, space));
      const int mask = _mm_movemask_epi8(special);
      if (mask != 0) {
        p_ += __builtin_ctz(static_cast<unsigned>(mask));
        return;
      }
      p_ += 16;
    }
#endif
    while (p_ != end_ && *p_ >= 0x20 && *p_ < 0x80 && *p_ != '"' && *p_ != '\\') ++p_;
  }

  [[gnu::always_inline]] bool escape() {
    ++p_;  // the backslash
    if (p_ == end_) return false;
    switch (*p_++) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't': return true;
      case 'u': {
        const int unit = hexUnit();
        if (unit < 0) return false;
        if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a trailing surrogate alone
        if (unit < 0xD800 || unit > 0xDBFF) return true;
        // A leading surrogate: its trailing one must follow.
        if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
        p_ += 2;
        const int trail = hexUnit();
        return trail >= 0xDC00 && trail <= 0xDFFF;
      }
      default: return false;
    }
  }

  // Four hex digits, or -1.
  int hexUnit() {
    if (end_ - p_ < 4) return -1;
    int unit = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = hexValue(*p_++);
      if (digit < 0) return -1;
      unit = unit * 16 + digit;
    }
    return unit;
  }

  [[gnu::always_inline]] void skipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  const unsigned char* begin_;
  const unsigned char* p_;
  const unsigned char* end_;
  std::span<const std::string_view> keys_;
  std::span<ScannedMember> out_;
  ScannedMember* wanted_ = nullptr;  // the member whose value comes next
  unsigned char first_ = 0;
  bool needs_reference_ = false;
  std::uint64_t arrays_ = 0;  // bit d: the container open at depth d is an array
  std::size_t depth_ = 0;
};

}  // namespace

JsonScan scanJson(std::string_view json, std::span<const std::string_view> keys, std::span<ScannedMember> out) {
  for (auto& member : out) member = ScannedMember{};
  Validator validator(json, keys, out);
  JsonScan scan;
  scan.valid = validator.run();
  scan.is_object = scan.valid && validator.isObject();
  scan.needs_reference = validator.needsReference();
  return scan;
}

bool isValidJson(std::string_view json) {
  const JsonScan scan = scanJson(json, {}, {});
  if (scan.valid && scan.needs_reference) return probeJsonWithBoost(json, {}, {}).valid;
  return scan.valid;
}

}  // namespace switchyard::canonical
