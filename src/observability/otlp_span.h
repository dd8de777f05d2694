#pragma once
// Spans in the OTLP protobuf encoding (opentelemetry/proto/trace/v1/trace.proto and
// collector/trace/v1/trace_service.proto), written by hand: the few messages a span needs, without
// a protobuf runtime.
//
// SpanEncoder appends one Span framed as one entry of ScopeSpans.spans (field 2, length-delimited),
// so that spans appended one after the other ARE that repeated field's encoding: workers append
// encoded spans to their buffers and the exporter wraps a whole batch with otlpExportRequest()
// without decoding or copying a span again.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "observability/trace_context.h"

namespace switchyard::observability {

enum class SpanKind : std::uint8_t { Internal = 1, Server = 2, Client = 3 };
enum class SpanStatusCode : std::uint8_t { Unset = 0, Ok = 1, Error = 2 };

class SpanEncoder {
 public:
  // Appends to `out` (never clears it).
  explicit SpanEncoder(std::string& out) : out_(out) {}

  // Opens the span. `parent`: null for a root span. Times in nanoseconds since the Unix epoch.
  void begin(const TraceId& trace, const SpanId& span, const SpanId* parent, std::string_view name, SpanKind kind,
             std::uint64_t start_unix_nano, std::uint64_t end_unix_nano);
  // Attributes (KeyValue, field 9), any number, in any order, between begin() and end(). Distinct
  // names so that a string literal never turns into a bool.
  void text(std::string_view key, std::string_view value);
  void integer(std::string_view key, std::int64_t value);
  void flag(std::string_view key, bool value);
  void number(std::string_view key, double value);
  void textList(std::string_view key, std::span<const std::string_view> values);  // ArrayValue of strings
  // The span's status (field 15); unset when never called.
  void status(SpanStatusCode code, std::string_view message = {});
  // Closes the span: its length prefix is written.
  void end();

 private:
  std::string& out_;
  std::size_t entry_start_ = 0;  // where the ScopeSpans.spans entry's tag begins
};

// One ExportTraceServiceRequest holding `spans` (entries appended by SpanEncoder) in one
// ResourceSpans, with the resource's string attributes (service.name...) and one ScopeSpans named
// `scope_name` / `scope_version`. Appends to `out`.
void otlpExportRequest(std::string_view spans, std::span<const std::pair<std::string_view, std::string_view>> resource,
                       std::string_view scope_name, std::string_view scope_version, std::string& out);

// How many spans a run of SpanEncoder entries holds; 0 for bytes that are not such a run.
std::size_t countSpans(std::string_view spans);

}  // namespace switchyard::observability
