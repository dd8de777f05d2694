#include "observability/prometheus_writer.h"

#include <array>
#include <string>

#include <gtest/gtest.h>

namespace switchyard::observability {
namespace {

std::size_t occurrences(const std::string& text, std::string_view what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST(PrometheusWriter, EscapesLabelValues) {
  PrometheusWriter writer;
  writer.family("x_total", MetricType::Counter, "Help with a \\ and a\nnewline.");
  writer.sample({{"route", "a\"b\\c\nd"}, {"target", "p/m"}}, std::uint64_t{3});
  EXPECT_EQ(writer.text(),
            "# HELP x_total Help with a \\\\ and a\\nnewline.\n"
            "# TYPE x_total counter\n"
            "x_total{route=\"a\\\"b\\\\c\\nd\",target=\"p/m\"} 3\n");
}

TEST(PrometheusWriter, SamplesWithoutLabelsAndNumbers) {
  PrometheusWriter writer;
  writer.family("g", MetricType::Gauge, "g");
  writer.sample({}, 0.25);
  writer.sample({}, -1.0 / 0.0);
  writer.sample({}, 1e-9);
  EXPECT_NE(writer.text().find("\ng 0.25\n"), std::string::npos) << writer.text();
  EXPECT_NE(writer.text().find("\ng -Inf\n"), std::string::npos) << writer.text();
  EXPECT_NE(writer.text().find("\ng 1e-09\n"), std::string::npos) << writer.text();
}

TEST(PrometheusWriter, HistogramBucketsAreCumulativeAndEndWithInf) {
  PrometheusWriter writer;
  writer.family("lat_seconds", MetricType::Histogram, "Latency.");
  const std::array<double, 3> bounds{0.005, 0.5, 2.5};
  const std::array<std::uint64_t, 4> counts{1, 2, 0, 4};  // the last is the +Inf bucket's own
  const std::array<MetricLabel, 1> labels{MetricLabel{"target", "p/m"}};
  writer.histogram(labels, bounds, counts, 12.5);
  EXPECT_EQ(writer.text(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{target=\"p/m\",le=\"0.005\"} 1\n"
            "lat_seconds_bucket{target=\"p/m\",le=\"0.5\"} 3\n"
            "lat_seconds_bucket{target=\"p/m\",le=\"2.5\"} 3\n"
            "lat_seconds_bucket{target=\"p/m\",le=\"+Inf\"} 7\n"
            "lat_seconds_sum{target=\"p/m\"} 12.5\n"
            "lat_seconds_count{target=\"p/m\"} 7\n");
}

TEST(PrometheusWriter, HelpAndTypeOncePerFamily) {
  PrometheusWriter writer;
  EXPECT_TRUE(writer.family("a_total", MetricType::Counter, "A."));
  writer.sample({{"k", "1"}}, std::uint64_t{1});
  writer.sample({{"k", "2"}}, std::uint64_t{2});
  EXPECT_TRUE(writer.family("b", MetricType::Gauge, "B."));
  writer.sample({}, std::uint64_t{0});
  EXPECT_FALSE(writer.family("a_total", MetricType::Counter, "A."));
  const std::string text = writer.text();
  EXPECT_EQ(occurrences(text, "# HELP a_total"), 1u);
  EXPECT_EQ(occurrences(text, "# TYPE a_total counter"), 1u);
  EXPECT_EQ(occurrences(text, "# TYPE b gauge"), 1u);
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace switchyard::observability
