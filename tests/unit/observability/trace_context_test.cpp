#include "observability/trace_context.h"

#include <set>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace switchyard::observability {
namespace {

constexpr std::string_view kExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::string format(const TraceId& trace, const SpanId& span, std::uint8_t flags) {
  const auto text = formatTraceparent(trace, span, flags);
  return std::string(text.data(), text.size());
}

TEST(TraceContext, ParsesTheSpecificationsExample) {
  const auto parsed = parseTraceparent(kExample);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace.bytes[0], 0x4b);
  EXPECT_EQ(parsed->trace.bytes[15], 0x36);
  EXPECT_EQ(parsed->parent.bytes[0], 0x00);
  EXPECT_EQ(parsed->parent.bytes[7], 0xb7);
  EXPECT_TRUE(parsed->sampled());
  EXPECT_FALSE(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")->sampled());
}

TEST(TraceContext, FormatThenParseRoundTrips) {
  const TraceId trace = newTraceId();
  const SpanId span = newSpanId();
  const std::string text = format(trace, span, kTraceFlagSampled);
  EXPECT_EQ(text.substr(0, 3), "00-");
  const auto parsed = parseTraceparent(text);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace.bytes, trace.bytes);
  EXPECT_EQ(parsed->parent.bytes, span.bytes);
  EXPECT_EQ(parsed->flags, kTraceFlagSampled);
  // And back to the very same text.
  EXPECT_EQ(format(parsed->trace, parsed->parent, parsed->flags), text);
  EXPECT_EQ(format(parsed->trace, parsed->parent, 0).substr(53), "00");
}

TEST(TraceContext, RejectsMalformedValues) {
  const std::string_view bad[] = {
      "",
      "00",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",     // short
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",   // version 00 with more
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",   // version 00, 56 chars
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // uppercase trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",    // uppercase span id
      "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // uppercase version
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0G",    // flags not hex
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // separator
      "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
      "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",    // fields shifted
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // all-zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // all-zero span id
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff is forbidden
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-ab",
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",   // later version, no '-' after flags
  };
  for (const std::string_view value : bad) EXPECT_FALSE(parseTraceparent(value).has_value()) << value;
}

TEST(TraceContext, AcceptsALaterVersionByItsFirstFourFields) {
  for (const std::string_view value : {
           std::string_view("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
           std::string_view("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-adds"),
       }) {
    const auto parsed = parseTraceparent(value);
    ASSERT_TRUE(parsed.has_value()) << value;
    EXPECT_EQ(parsed->trace.bytes, parseTraceparent(kExample)->trace.bytes);
    EXPECT_TRUE(parsed->sampled());
  }
}

TEST(TraceContext, RandomIdsAreValidAndDistinct) {
  std::set<std::array<std::uint8_t, 16>> traces;
  std::set<std::array<std::uint8_t, 8>> spans;
  for (int i = 0; i < 1000; ++i) {
    const TraceId trace = newTraceId();
    const SpanId span = newSpanId();
    EXPECT_TRUE(trace.valid());
    EXPECT_TRUE(span.valid());
    traces.insert(trace.bytes);
    spans.insert(span.bytes);
  }
  EXPECT_EQ(traces.size(), 1000u);
  EXPECT_EQ(spans.size(), 1000u);
  EXPECT_FALSE(TraceId{}.valid());
  EXPECT_FALSE(SpanId{}.valid());
}

TEST(TraceContext, Random01StaysInTheUnitInterval) {
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double draw = traceRandom01();
    ASSERT_GE(draw, 0.0);
    ASSERT_LT(draw, 1.0);
    sum += draw;
  }
  // A mean far from 0.5 would mean a broken draw (sampling ratios would be off); 10 sigma of slack.
  EXPECT_NEAR(sum / 10000, 0.5, 0.03);
}

}  // namespace
}  // namespace switchyard::observability
