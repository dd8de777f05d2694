#include "observability/trace_context.h"

#include <algorithm>
#include <random>

namespace switchyard::observability {

namespace {

// The specification allows lowercase hex only: "AB" is a malformed header, not the byte 0xab.
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

template <std::size_t N>
bool parseHex(std::string_view text, std::array<std::uint8_t, N>& out) {
  for (std::size_t i = 0; i < N; ++i) {
    const int high = hexValue(text[2 * i]);
    const int low = hexValue(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return true;
}

constexpr char kHexDigits[] = "0123456789abcdef";

char* writeHex(const std::uint8_t* bytes, std::size_t size, char* out) {
  for (std::size_t i = 0; i < size; ++i) {
    *out++ = kHexDigits[bytes[i] >> 4];
    *out++ = kHexDigits[bytes[i] & 0x0f];
  }
  return out;
}

std::mt19937_64& generator() {
  // Seeded once per thread from the OS; afterwards a draw is a few instructions, shared by nobody.
  thread_local std::mt19937_64 engine = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  return engine;
}

template <std::size_t N>
void fillRandom(std::array<std::uint8_t, N>& bytes) {
  static_assert(N % 8 == 0);
  // An all-zero id means "absent" to every tracer; 2^-64 odds, but the rule is cheap to keep.
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      std::uint64_t word = generator()();
      for (std::size_t j = 0; j < 8; ++j, word >>= 8) bytes[i + j] = static_cast<std::uint8_t>(word);
    }
  } while (std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; }));
}

}  // namespace

bool TraceId::valid() const {
  return std::any_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b != 0; });
}

bool SpanId::valid() const {
  return std::any_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b != 0; });
}

std::optional<TraceParent> parseTraceparent(std::string_view value) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2.
  if (value.size() < kTraceparentSize) return std::nullopt;
  std::array<std::uint8_t, 1> version{};
  if (!parseHex(value.substr(0, 2), version) || version[0] == 0xff) return std::nullopt;
  // Version 00 is exactly this size; a later version may add fields after a '-', which we ignore.
  if (version[0] == 0 && value.size() != kTraceparentSize) return std::nullopt;
  if (value.size() > kTraceparentSize && value[kTraceparentSize] != '-') return std::nullopt;
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return std::nullopt;
  TraceParent parsed;
  std::array<std::uint8_t, 1> flags{};
  if (!parseHex(value.substr(3, 32), parsed.trace.bytes) || !parseHex(value.substr(36, 16), parsed.parent.bytes) ||
      !parseHex(value.substr(53, 2), flags)) {
    return std::nullopt;
  }
  if (!parsed.trace.valid() || !parsed.parent.valid()) return std::nullopt;
  parsed.flags = flags[0];
  return parsed;
}

std::array<char, kTraceparentSize> formatTraceparent(const TraceId& trace, const SpanId& span, std::uint8_t flags) {
  std::array<char, kTraceparentSize> out{};
  char* p = out.data();
  *p++ = '0';
  *p++ = '0';
  *p++ = '-';
  p = writeHex(trace.bytes.data(), trace.bytes.size(), p);
  *p++ = '-';
  p = writeHex(span.bytes.data(), span.bytes.size(), p);
  *p++ = '-';
  writeHex(&flags, 1, p);
  return out;
}

TraceId newTraceId() {
  TraceId id;
  fillRandom(id.bytes);
  return id;
}

SpanId newSpanId() {
  SpanId id;
  fillRandom(id.bytes);
  return id;
}

double traceRandom01() {
  // The top 53 bits: every double in [0, 1) on the 2^-53 grid, equally likely.
  return static_cast<double>(generator()() >> 11) * 0x1.0p-53;
}

}  // namespace switchyard::observability
