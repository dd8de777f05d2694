#pragma once
// W3C Trace Context: the ids a request's spans carry. A client's `traceparent` is read so that the
// gateway's spans join the client's trace, and each upstream attempt is sent one naming the
// attempt's span as its parent. https://www.w3.org/TR/trace-context/
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace switchyard::observability {

struct TraceId {
  std::array<std::uint8_t, 16> bytes{};
  bool valid() const;  // not all zero
};

struct SpanId {
  std::array<std::uint8_t, 8> bytes{};
  bool valid() const;  // not all zero
};

inline constexpr std::uint8_t kTraceFlagSampled = 0x01;

struct TraceParent {
  TraceId trace;
  SpanId parent;
  std::uint8_t flags = 0;
  bool sampled() const { return (flags & kTraceFlagSampled) != 0; }
};

// "00-<32 lowercase hex>-<16 lowercase hex>-<2 hex>"; also accepts a later version's header by its
// first four fields, as the specification asks. nullopt when malformed or when an id is all zero.
std::optional<TraceParent> parseTraceparent(std::string_view value);

// The header value, version 00.
inline constexpr std::size_t kTraceparentSize = 55;
std::array<char, kTraceparentSize> formatTraceparent(const TraceId& trace, const SpanId& span, std::uint8_t flags);

// Random, never all-zero ids from a generator per thread (seeded once from std::random_device; no
// lock, no system call afterwards).
TraceId newTraceId();
SpanId newSpanId();
// A uniform draw in [0, 1) from the same generator (for sampling).
double traceRandom01();

}  // namespace switchyard::observability
