#include "observability/otlp_span.h"

#include <array>
#include <bit>

namespace switchyard::observability {

namespace {

// Protobuf wire types.
constexpr std::uint8_t kVarint = 0;
constexpr std::uint8_t kFixed64 = 1;
constexpr std::uint8_t kLength = 2;

// Every field number used here is below 16, so each tag is one byte.
constexpr char tag(std::uint8_t field, std::uint8_t wire_type) { return static_cast<char>(field << 3 | wire_type); }

std::size_t varintSize(std::uint64_t value) {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

void putVarint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void putFixed64(std::string& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i, value >>= 8) out.push_back(static_cast<char>(value & 0xff));
}

// A length-delimited field whose content is `size` bytes: its whole encoded size.
std::size_t fieldSize(std::size_t size) { return 1 + varintSize(size) + size; }

void putHeader(std::string& out, std::uint8_t field, std::size_t size) {
  out.push_back(tag(field, kLength));
  putVarint(out, size);
}

void putBytes(std::string& out, std::uint8_t field, std::string_view bytes) {
  putHeader(out, field, bytes.size());
  out.append(bytes);
}

// proto3: an empty string is the default, which the canonical encoding leaves out.
std::size_t optionalStringSize(std::string_view text) { return text.empty() ? 0 : fieldSize(text.size()); }

void putOptionalString(std::string& out, std::uint8_t field, std::string_view text) {
  if (!text.empty()) putBytes(out, field, text);
}

template <std::size_t N>
std::string_view view(const std::array<std::uint8_t, N>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), N};
}

// AnyValue's oneof members: a set member is written even when it holds its type's default.
std::size_t stringValueSize(std::string_view text) { return fieldSize(text.size()); }

// A KeyValue (as the content of its enclosing field `field`) whose AnyValue is `value_size` bytes;
// the caller then writes the AnyValue's content.
void putKeyValueHead(std::string& out, std::uint8_t field, std::string_view key, std::size_t value_size) {
  putHeader(out, field, optionalStringSize(key) + fieldSize(value_size));
  putOptionalString(out, 1, key);
  putHeader(out, 2, value_size);
}

// Span fields.
constexpr std::uint8_t kSpanTraceId = 1;
constexpr std::uint8_t kSpanSpanId = 2;
constexpr std::uint8_t kSpanParentSpanId = 4;
constexpr std::uint8_t kSpanName = 5;
constexpr std::uint8_t kSpanKind = 6;
constexpr std::uint8_t kSpanStart = 7;
constexpr std::uint8_t kSpanEnd = 8;
constexpr std::uint8_t kSpanAttributes = 9;
constexpr std::uint8_t kSpanStatus = 15;
// ScopeSpans.spans: the field each encoded span is an entry of.
constexpr std::uint8_t kScopeSpansSpans = 2;
constexpr char kSpanEntryTag = tag(kScopeSpansSpans, kLength);

}  // namespace

void SpanEncoder::begin(const TraceId& trace, const SpanId& span, const SpanId* parent, std::string_view name,
                        SpanKind kind, std::uint64_t start_unix_nano, std::uint64_t end_unix_nano) {
  entry_start_ = out_.size();
  out_.push_back(kSpanEntryTag);
  // The length goes between the tag and the content in end(), once the content's size is known.
  putBytes(out_, kSpanTraceId, view(trace.bytes));
  putBytes(out_, kSpanSpanId, view(span.bytes));
  if (parent != nullptr) putBytes(out_, kSpanParentSpanId, view(parent->bytes));
  putOptionalString(out_, kSpanName, name);
  out_.push_back(tag(kSpanKind, kVarint));
  putVarint(out_, static_cast<std::uint64_t>(kind));
  if (start_unix_nano != 0) {
    out_.push_back(tag(kSpanStart, kFixed64));
    putFixed64(out_, start_unix_nano);
  }
  if (end_unix_nano != 0) {
    out_.push_back(tag(kSpanEnd, kFixed64));
    putFixed64(out_, end_unix_nano);
  }
}

void SpanEncoder::text(std::string_view key, std::string_view value) {
  putKeyValueHead(out_, kSpanAttributes, key, stringValueSize(value));
  putBytes(out_, 1, value);
}

void SpanEncoder::integer(std::string_view key, std::int64_t value) {
  const auto bits = static_cast<std::uint64_t>(value);  // int64: two's complement, ten bytes when negative
  putKeyValueHead(out_, kSpanAttributes, key, 1 + varintSize(bits));
  out_.push_back(tag(3, kVarint));
  putVarint(out_, bits);
}

void SpanEncoder::flag(std::string_view key, bool value) {
  putKeyValueHead(out_, kSpanAttributes, key, 2);
  out_.push_back(tag(2, kVarint));
  out_.push_back(static_cast<char>(value ? 1 : 0));
}

void SpanEncoder::number(std::string_view key, double value) {
  putKeyValueHead(out_, kSpanAttributes, key, 9);
  out_.push_back(tag(4, kFixed64));
  putFixed64(out_, std::bit_cast<std::uint64_t>(value));
}

void SpanEncoder::textList(std::string_view key, std::span<const std::string_view> values) {
  // ArrayValue { repeated AnyValue values = 1 }, each AnyValue { string_value = 1 }.
  std::size_t array_size = 0;
  for (const std::string_view value : values) array_size += fieldSize(stringValueSize(value));
  putKeyValueHead(out_, kSpanAttributes, key, fieldSize(array_size));
  putHeader(out_, 5, array_size);
  for (const std::string_view value : values) {
    putHeader(out_, 1, stringValueSize(value));
    putBytes(out_, 1, value);
  }
}

void SpanEncoder::status(SpanStatusCode code, std::string_view message) {
  const auto code_value = static_cast<std::uint64_t>(code);
  const std::size_t code_size = code_value == 0 ? 0 : 1 + varintSize(code_value);
  putHeader(out_, kSpanStatus, optionalStringSize(message) + code_size);
  putOptionalString(out_, 2, message);
  if (code_size != 0) {
    out_.push_back(tag(3, kVarint));
    putVarint(out_, code_value);
  }
}

void SpanEncoder::end() {
  const std::size_t content_start = entry_start_ + 1;
  std::uint64_t size = out_.size() - content_start;
  // The minimal varint, slid in before the content: a move of one span's bytes, within the
  // capacity the caller reserved, rather than a second pass to size every field first.
  char length[10];
  std::size_t length_size = 0;
  while (size >= 0x80) {
    length[length_size++] = static_cast<char>(size | 0x80);
    size >>= 7;
  }
  length[length_size++] = static_cast<char>(size);
  out_.insert(content_start, length, length_size);
}

void otlpExportRequest(std::string_view spans, std::span<const std::pair<std::string_view, std::string_view>> resource,
                       std::string_view scope_name, std::string_view scope_version, std::string& out) {
  // Sizes from the inside out, then one pass writing from the outside in.
  auto key_value_size = [](const std::pair<std::string_view, std::string_view>& attribute) {
    return optionalStringSize(attribute.first) + fieldSize(stringValueSize(attribute.second));
  };
  std::size_t resource_size = 0;  // Resource { repeated KeyValue attributes = 1 }
  for (const auto& attribute : resource) resource_size += fieldSize(key_value_size(attribute));
  // InstrumentationScope { name = 1, version = 2 }
  const std::size_t scope_size = optionalStringSize(scope_name) + optionalStringSize(scope_version);
  // ScopeSpans { scope = 1, spans = 2 (already framed) }
  const std::size_t scope_spans_size = fieldSize(scope_size) + spans.size();
  // ResourceSpans { resource = 1, scope_spans = 2 }
  const std::size_t resource_spans_size = fieldSize(resource_size) + fieldSize(scope_spans_size);

  out.reserve(out.size() + fieldSize(resource_spans_size));
  putHeader(out, 1, resource_spans_size);  // ExportTraceServiceRequest.resource_spans
  putHeader(out, 1, resource_size);
  for (const auto& attribute : resource) {
    putKeyValueHead(out, 1, attribute.first, stringValueSize(attribute.second));
    putBytes(out, 1, attribute.second);
  }
  putHeader(out, 2, scope_spans_size);
  putHeader(out, 1, scope_size);
  putOptionalString(out, 1, scope_name);
  putOptionalString(out, 2, scope_version);
  out.append(spans);
}

std::size_t countSpans(std::string_view spans) {
  std::size_t count = 0;
  std::size_t at = 0;
  while (at < spans.size()) {
    if (spans[at++] != kSpanEntryTag) return 0;
    std::uint64_t size = 0;
    for (int shift = 0;; shift += 7) {
      if (at >= spans.size() || shift > 63) return 0;
      const auto byte = static_cast<std::uint8_t>(spans[at++]);
      size |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    if (size > spans.size() - at) return 0;
    at += size;
    ++count;
  }
  return count;
}

}  // namespace switchyard::observability
