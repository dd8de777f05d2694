#include "observability/otlp_span.h"

#include <bit>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace switchyard::observability {
namespace {

// A protobuf reader just large enough to check the encoding: one message's fields, in order, or
// nullopt when the bytes are not a well-formed message.
struct Field {
  std::uint32_t number = 0;
  int wire = 0;
  std::uint64_t value = 0;  // varint and fixed64
  std::string_view bytes;   // length-delimited
};

std::optional<std::uint64_t> readVarint(std::string_view data, std::size_t& at) {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at >= data.size()) return std::nullopt;
    const auto byte = static_cast<std::uint8_t>(data[at++]);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      // Canonical: no redundant trailing zero groups (a collector accepts them, but we never write them).
      if (byte == 0 && shift > 0) return std::nullopt;
      return value;
    }
  }
  return std::nullopt;
}

std::optional<std::vector<Field>> parse(std::string_view data) {
  std::vector<Field> fields;
  std::size_t at = 0;
  while (at < data.size()) {
    const auto key = readVarint(data, at);
    if (!key) return std::nullopt;
    Field field;
    field.number = static_cast<std::uint32_t>(*key >> 3);
    field.wire = static_cast<int>(*key & 7);
    if (field.wire == 0) {
      const auto value = readVarint(data, at);
      if (!value) return std::nullopt;
      field.value = *value;
    } else if (field.wire == 1) {
      if (data.size() - at < 8) return std::nullopt;
      for (int i = 7; i >= 0; --i) field.value = field.value << 8 | static_cast<std::uint8_t>(data[at + i]);
      at += 8;
    } else if (field.wire == 2) {
      const auto size = readVarint(data, at);
      if (!size || *size > data.size() - at) return std::nullopt;
      field.bytes = data.substr(at, *size);
      at += *size;
    } else {
      return std::nullopt;
    }
    fields.push_back(field);
  }
  return fields;
}

std::vector<Field> all(const std::vector<Field>& fields, std::uint32_t number) {
  std::vector<Field> found;
  for (const Field& field : fields) {
    if (field.number == number) found.push_back(field);
  }
  return found;
}

// The one field `number`, failing the test when there is not exactly one.
Field one(const std::vector<Field>& fields, std::uint32_t number) {
  const auto found = all(fields, number);
  EXPECT_EQ(found.size(), 1u) << "field " << number;
  return found.empty() ? Field{} : found.front();
}

std::vector<Field> parsed(std::string_view data) {
  auto fields = parse(data);
  EXPECT_TRUE(fields.has_value()) << "malformed message";
  return fields.value_or(std::vector<Field>{});
}

template <std::size_t N>
std::string_view view(const std::array<std::uint8_t, N>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), N};
}

// The span of a run holding exactly one ScopeSpans.spans entry.
std::vector<Field> onlySpan(std::string_view run) {
  const auto entries = parsed(run);
  EXPECT_EQ(entries.size(), 1u);
  if (entries.empty()) return {};
  EXPECT_EQ(entries[0].number, 2u);
  EXPECT_EQ(entries[0].wire, 2);
  return parsed(entries[0].bytes);
}

// Attribute `key`'s AnyValue fields.
std::vector<Field> attribute(const std::vector<Field>& span, std::string_view key) {
  for (const Field& field : all(span, 9)) {
    const auto key_value = parsed(field.bytes);
    if (one(key_value, 1).bytes == key) return parsed(one(key_value, 2).bytes);
  }
  ADD_FAILURE() << "no attribute " << key;
  return {};
}

struct Ids {
  TraceId trace = newTraceId();
  SpanId span = newSpanId();
  SpanId parent = newSpanId();
};

TEST(OtlpSpan, EncodesIdsParentNameKindAndTimes) {
  const Ids ids;
  std::string out = "kept";
  SpanEncoder encoder(out);
  encoder.begin(ids.trace, ids.span, &ids.parent, "chat gpt-4o", SpanKind::Client, 1'700'000'000'123'456'789ull,
                1'700'000'001'000'000'000ull);
  encoder.end();
  ASSERT_EQ(out.substr(0, 4), "kept");  // appended, never cleared
  const auto span = onlySpan(std::string_view(out).substr(4));
  EXPECT_EQ(one(span, 1).bytes, view(ids.trace.bytes));
  EXPECT_EQ(one(span, 2).bytes, view(ids.span.bytes));
  EXPECT_EQ(one(span, 4).bytes, view(ids.parent.bytes));
  EXPECT_EQ(one(span, 5).bytes, "chat gpt-4o");
  EXPECT_EQ(one(span, 6).wire, 0);
  EXPECT_EQ(one(span, 6).value, 3u);  // SPAN_KIND_CLIENT
  EXPECT_EQ(one(span, 7).wire, 1);    // fixed64
  EXPECT_EQ(one(span, 7).value, 1'700'000'000'123'456'789ull);
  EXPECT_EQ(one(span, 8).value, 1'700'000'001'000'000'000ull);
  EXPECT_TRUE(all(span, 15).empty());  // no status set
  EXPECT_TRUE(all(span, 16).empty());  // no flags
}

TEST(OtlpSpan, RootSpanHasNoParent) {
  const Ids ids;
  std::string out;
  SpanEncoder encoder(out);
  encoder.begin(ids.trace, ids.span, nullptr, "request", SpanKind::Server, 1, 2);
  encoder.end();
  const auto span = onlySpan(out);
  EXPECT_TRUE(all(span, 4).empty());
  EXPECT_EQ(one(span, 6).value, 2u);  // SPAN_KIND_SERVER
}

TEST(OtlpSpan, EncodesEachAttributeType) {
  const Ids ids;
  std::string out;
  SpanEncoder encoder(out);
  encoder.begin(ids.trace, ids.span, nullptr, "request", SpanKind::Server, 1, 2);
  encoder.text("gen_ai.request.model", "gpt-4o");
  encoder.text("empty", "");
  encoder.integer("gen_ai.usage.input_tokens", 1234);
  encoder.integer("negative", -5);
  encoder.integer("zero", 0);
  encoder.flag("stream", true);
  encoder.flag("cached", false);
  encoder.number("cost", 0.125);
  const std::string_view reasons[] = {"stop", "length"};
  encoder.textList("gen_ai.response.finish_reasons", reasons);
  encoder.end();
  const auto span = onlySpan(out);
  EXPECT_EQ(all(span, 9).size(), 9u);

  EXPECT_EQ(one(attribute(span, "gen_ai.request.model"), 1).bytes, "gpt-4o");
  // A set oneof member is written even when it holds the default: present, not absent.
  EXPECT_EQ(one(attribute(span, "empty"), 1).bytes, "");
  EXPECT_EQ(one(attribute(span, "gen_ai.usage.input_tokens"), 3).value, 1234u);
  EXPECT_EQ(static_cast<std::int64_t>(one(attribute(span, "negative"), 3).value), -5);
  EXPECT_EQ(one(attribute(span, "zero"), 3).value, 0u);
  EXPECT_EQ(one(attribute(span, "stream"), 2).value, 1u);
  EXPECT_EQ(one(attribute(span, "cached"), 2).value, 0u);
  const Field cost = one(attribute(span, "cost"), 4);
  EXPECT_EQ(cost.wire, 1);
  EXPECT_EQ(std::bit_cast<double>(cost.value), 0.125);

  const auto array = parsed(one(attribute(span, "gen_ai.response.finish_reasons"), 5).bytes);
  const auto values = all(array, 1);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(one(parsed(values[0].bytes), 1).bytes, "stop");
  EXPECT_EQ(one(parsed(values[1].bytes), 1).bytes, "length");
}

TEST(OtlpSpan, EncodesStatusCodeAndMessage) {
  const Ids ids;
  std::string out;
  SpanEncoder encoder(out);
  encoder.begin(ids.trace, ids.span, nullptr, "attempt", SpanKind::Client, 1, 2);
  encoder.status(SpanStatusCode::Error, "upstream 503");
  encoder.end();
  const auto status = parsed(one(onlySpan(out), 15).bytes);
  EXPECT_TRUE(all(status, 1).empty());  // reserved
  EXPECT_EQ(one(status, 2).bytes, "upstream 503");
  EXPECT_EQ(one(status, 3).value, 2u);  // STATUS_CODE_ERROR

  out.clear();
  SpanEncoder ok(out);
  ok.begin(ids.trace, ids.span, nullptr, "attempt", SpanKind::Client, 1, 2);
  ok.status(SpanStatusCode::Ok);
  ok.end();
  const auto ok_status = parsed(one(onlySpan(out), 15).bytes);
  EXPECT_EQ(one(ok_status, 3).value, 1u);
  EXPECT_TRUE(all(ok_status, 2).empty());  // no message
}

TEST(OtlpSpan, LongSpanGetsAMultiByteLength) {
  const Ids ids;
  std::string out;
  SpanEncoder encoder(out);
  encoder.begin(ids.trace, ids.span, nullptr, "request", SpanKind::Server, 1, 2);
  const std::string long_value(20000, 'x');  // a three-byte length for the span
  encoder.text("long", long_value);
  encoder.end();
  EXPECT_EQ(one(attribute(onlySpan(out), "long"), 1).bytes, long_value);
  EXPECT_EQ(countSpans(out), 1u);
}

TEST(OtlpSpan, CountsAppendedSpansAndRejectsBrokenRuns) {
  const Ids ids;
  std::string out;
  for (int i = 0; i < 2; ++i) {
    SpanEncoder encoder(out);
    encoder.begin(ids.trace, ids.span, nullptr, "request", SpanKind::Server, 1, 2);
    encoder.text("k", "v");
    encoder.end();
  }
  EXPECT_EQ(countSpans(out), 2u);
  EXPECT_EQ(countSpans(""), 0u);
  EXPECT_EQ(countSpans(std::string_view(out).substr(0, out.size() - 1)), 0u);  // truncated
  EXPECT_EQ(countSpans(std::string_view(out).substr(1)), 0u);                  // not at an entry
  EXPECT_EQ(countSpans(std::string("\x12\xff", 2)), 0u);                       // length cut short
}

TEST(OtlpSpan, ExportRequestNestsResourceScopeAndSpansVerbatim) {
  const Ids ids;
  std::string spans;
  for (int i = 0; i < 2; ++i) {
    SpanEncoder encoder(spans);
    encoder.begin(ids.trace, ids.span, &ids.parent, "request", SpanKind::Server, 1, 2);
    encoder.integer("i", i);
    encoder.end();
  }
  const std::pair<std::string_view, std::string_view> resource[] = {{"service.name", "switchyard"},
                                                                      {"service.version", "1.2.3"}};
  std::string body;
  otlpExportRequest(spans, resource, "switchyard", "1.2.3", body);

  const auto request = parsed(body);
  ASSERT_EQ(request.size(), 1u);
  const auto resource_spans = parsed(one(request, 1).bytes);  // ExportTraceServiceRequest.resource_spans
  const auto resource_attributes = all(parsed(one(resource_spans, 1).bytes), 1);
  ASSERT_EQ(resource_attributes.size(), 2u);
  const auto first = parsed(resource_attributes[0].bytes);
  EXPECT_EQ(one(first, 1).bytes, "service.name");
  EXPECT_EQ(one(parsed(one(first, 2).bytes), 1).bytes, "switchyard");
  const auto second = parsed(resource_attributes[1].bytes);
  EXPECT_EQ(one(second, 1).bytes, "service.version");
  EXPECT_EQ(one(parsed(one(second, 2).bytes), 1).bytes, "1.2.3");

  const Field scope_spans_field = one(resource_spans, 2);
  const auto scope_spans = parsed(scope_spans_field.bytes);
  const auto scope = parsed(one(scope_spans, 1).bytes);
  EXPECT_EQ(one(scope, 1).bytes, "switchyard");
  EXPECT_EQ(one(scope, 2).bytes, "1.2.3");
  ASSERT_EQ(all(scope_spans, 2).size(), 2u);
  EXPECT_EQ(one(parsed(all(scope_spans, 2)[1].bytes), 5).bytes, "request");
  // The spans are the ScopeSpans' tail, byte for byte.
  ASSERT_GE(scope_spans_field.bytes.size(), spans.size());
  EXPECT_EQ(scope_spans_field.bytes.substr(scope_spans_field.bytes.size() - spans.size()), spans);
}

}  // namespace
}  // namespace switchyard::observability
