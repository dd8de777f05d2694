#pragma once
// The Prometheus text exposition format 0.0.4 (what GET /metrics answers): a family's HELP and TYPE
// lines once, then its samples, one per line; label values escaped (\\, \", \n); histograms as
// cumulative _bucket lines ending with le="+Inf", then _sum and _count. The writer only formats:
// callers bring every sample of a family together (the format requires it).
#include <cstdint>
#include <initializer_list>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace switchyard::observability {

// The Content-Type of the format.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

using MetricLabel = std::pair<std::string_view, std::string_view>;
using MetricLabels = std::span<const MetricLabel>;

enum class MetricType { Counter, Gauge, Histogram };

class PrometheusWriter {
 public:
  // Opens a family: its HELP and TYPE lines. A name already written is not written again (its
  // samples would then be split, which the format forbids): returns false and writes nothing.
  bool family(std::string_view name, MetricType type, std::string_view help);

  // One sample of the open family (a counter's or gauge's value), `suffix` appended to its name.
  void sample(MetricLabels labels, double value, std::string_view suffix = {});
  void sample(MetricLabels labels, std::uint64_t value, std::string_view suffix = {});
  void sample(std::initializer_list<MetricLabel> labels, double value) { sample(MetricLabels(labels.begin(), labels.size()), value); }
  void sample(std::initializer_list<MetricLabel> labels, std::uint64_t value) {
    sample(MetricLabels(labels.begin(), labels.size()), value);
  }

  // One histogram series of the open family: `bounds` are the buckets' upper bounds (ascending,
  // +Inf excluded); `counts` holds one count per bound then the +Inf bucket's, not cumulative.
  void histogram(MetricLabels labels, std::span<const double> bounds, std::span<const std::uint64_t> counts,
                 double sum);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

  // "a\"b" for a\"b... as the format writes a label value (without the quotes).
  static void appendEscapedLabelValue(std::string& out, std::string_view value);
  // Shortest text that reads back as the same double; "+Inf", "-Inf", "NaN".
  static void appendNumber(std::string& out, double value);

 private:
  void line(std::string_view suffix, MetricLabels labels, const MetricLabel* extra);

  std::string out_;
  std::string name_;  // the open family
  std::set<std::string, std::less<>> written_;
};

}  // namespace switchyard::observability
