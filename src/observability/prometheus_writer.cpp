#include "observability/prometheus_writer.h"

#include <charconv>
#include <cmath>

namespace switchyard::observability {

namespace {

std::string_view typeName(MetricType type) {
  switch (type) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
  }
  return "untyped";
}

// HELP text escapes only backslash and newline.
void appendHelp(std::string& out, std::string_view help) {
  for (const char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
}

}  // namespace

void PrometheusWriter::appendEscapedLabelValue(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
}

void PrometheusWriter::appendNumber(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
  }
}

bool PrometheusWriter::family(std::string_view name, MetricType type, std::string_view help) {
  if (written_.contains(name)) return false;
  written_.emplace(name);
  name_.assign(name);
  out_ += "# HELP ";
  out_ += name;
  out_.push_back(' ');
  appendHelp(out_, help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_.push_back(' ');
  out_ += typeName(type);
  out_.push_back('\n');
  return true;
}

void PrometheusWriter::line(std::string_view suffix, MetricLabels labels, const MetricLabel* extra) {
  out_ += name_;
  out_ += suffix;
  if (!labels.empty() || extra != nullptr) {
    out_.push_back('{');
    bool first = true;
    const auto label = [&](const MetricLabel& pair) {
      if (!first) out_.push_back(',');
      first = false;
      out_ += pair.first;
      out_ += "=\"";
      appendEscapedLabelValue(out_, pair.second);
      out_.push_back('"');
    };
    for (const auto& pair : labels) label(pair);
    if (extra != nullptr) label(*extra);
    out_.push_back('}');
  }
  out_.push_back(' ');
}

void PrometheusWriter::sample(MetricLabels labels, double value, std::string_view suffix) {
  line(suffix, labels, nullptr);
  appendNumber(out_, value);
  out_.push_back('\n');
}

void PrometheusWriter::sample(MetricLabels labels, std::uint64_t value, std::string_view suffix) {
  line(suffix, labels, nullptr);
  out_ += std::to_string(value);
  out_.push_back('\n');
}

void PrometheusWriter::histogram(MetricLabels labels, std::span<const double> bounds,
                                 std::span<const std::uint64_t> counts, double sum) {
  std::uint64_t cumulative = 0;
  std::string le;
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += i < counts.size() ? counts[i] : 0;
    le.clear();
    if (i < bounds.size()) appendNumber(le, bounds[i]);
    else le = "+Inf";
    const MetricLabel bucket{"le", le};
    line("_bucket", labels, &bucket);
    out_ += std::to_string(cumulative);
    out_.push_back('\n');
  }
  sample(labels, sum, "_sum");
  sample(labels, cumulative, "_count");
}

}  // namespace switchyard::observability
