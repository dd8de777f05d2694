#pragma once
// Writes JSON text into storage sized beforehand for its worst case, so that nothing is checked or
// grown per piece: the request log's lines and the audit records, written once per request.
//   std::string out;
//   out.resize(bound);                 // e.g. 64 + JsonCursor::quotedMax(name)
//   JsonCursor cursor(out.data());
//   cursor.put("{\"name\":"); cursor.quoted(name); cursor.put('}');
//   out.resize(cursor.at() - out.data());
// A text written once per request renders into renderStorage() instead (below), then is used or copied.
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace switchyard::base {

class JsonCursor {
 public:
  // The most a quoted() of `text` writes (every byte escaped as \u00XX, and the quotes).
  static constexpr std::size_t quotedMax(std::string_view text) { return 2 + 6 * text.size(); }
  // The most an integer() writes.
  static constexpr std::size_t kIntegerMax = 20;

  explicit JsonCursor(char* at) : at_(at) {}
  char* at() const { return at_; }

  void put(char c) { *at_++ = c; }
  void put(std::string_view text) {
    if (text.empty()) return;
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }
  void integer(std::int64_t value) { at_ = std::to_chars(at_, at_ + kIntegerMax, value).ptr; }

  // A JSON string: quotes, and escapes for quotes, backslashes and control characters (UTF-8 is
  // copied as it is).
  void quoted(std::string_view text) {
    put('"');
    escapeTo(text, [this](std::string_view piece) { put(piece); });
    put('"');
  }

  // The inside of a JSON string, handed to `sink` piece by piece (runs that need no escape, and
  // escape sequences): quoted() here, and writers that grow their own string (canonical::appendQuoted).
  template <class Sink>
  static void escapeTo(std::string_view text, Sink&& sink) {
    while (!text.empty()) {
      const std::size_t plain = plainPrefix(text);
      if (plain > 0) sink(text.substr(0, plain));
      if (plain == text.size()) return;
      Escape escape;
      sink(escaped(text[plain], escape));
      text.remove_prefix(plain + 1);
    }
  }

 private:
  // How many leading bytes of `text` need no escape: 16 at a time while that many are left.
  static std::size_t plainPrefix(std::string_view text) {
    std::size_t at = 0;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i control = _mm_set1_epi8(0x1F);
    for (; at + 16 <= text.size(); at += 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at));
      // min(byte, 0x1F) == byte: an unsigned byte below 0x20, a control character.
      const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)),
                                           _mm_cmpeq_epi8(_mm_min_epu8(bytes, control), bytes));
      if (const int mask = _mm_movemask_epi8(special); mask != 0) {
        return at + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
      }
    }
#endif
    while (at < text.size() && !kNeedsEscape[static_cast<unsigned char>(text[at])]) ++at;
    return at;
  }
  // The escape sequence of a byte plainPrefix() stopped at ('"', '\\' or a control character),
  // written into `storage` when it is not a fixed one.
  using Escape = std::array<char, 6>;
  static std::string_view escaped(char c, Escape& storage) {
    switch (c) {
      case '"': return "\\\"";
      case '\\': return "\\\\";
      case '\n': return "\\n";
      case '\r': return "\\r";
      case '\t': return "\\t";
      case '\b': return "\\b";
      case '\f': return "\\f";
      default: {  // the other control characters
        static constexpr char kHex[] = "0123456789abcdef";
        const auto code = static_cast<unsigned char>(c);
        storage = {'\\', 'u', '0', '0', kHex[code >> 4], kHex[code & 0xf]};
        return {storage.data(), storage.size()};
      }
    }
  }

  static constexpr std::array<bool, 256> kNeedsEscape = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 0x20; ++c) table[static_cast<std::size_t>(c)] = true;
    table['"'] = true;
    table['\\'] = true;
    return table;
  }();

  char* at_;
};

// Storage of at least `bound` bytes to render into, kept by the calling thread for `Purpose` and
// reused by its next render: once warm, nothing is allocated or zeroed per render. A render past
// kRenderKept gets `oversized` instead, so that one huge line or record does not stay with the thread.
inline constexpr std::size_t kRenderKept = 64 * 1024;
template <class Purpose>
char* renderStorage(std::size_t bound, std::string& oversized) {
  if (bound > kRenderKept) {
    oversized.resize(bound);
    return oversized.data();
  }
  thread_local std::string kept;
  if (kept.size() < bound) kept.resize(bound);
  return kept.data();
}

}  // namespace switchyard::base
