#pragma once
// One request's spans (issue 14, `otlp:`): the request's own (kind SERVER) and one per attempt
// (kind CLIENT: hedges and continuations included), with the OpenTelemetry GenAI attributes
// (gen_ai.operation.name, gen_ai.provider.name, gen_ai.request.model, gen_ai.response.model,
// gen_ai.usage.*, error.type) and the gateway's (switchyard.route, switchyard.failure_kind,
// switchyard.data_class...). Spans are encoded as each attempt ends, into one buffer, and handed to
// the exporter in one piece with the request's audit record; an untraced request costs a branch.
//
// W3C Trace Context: a client's `traceparent` puts the request in the client's trace (and decides
// sampling); each attempt is sent a `traceparent` naming its own span as the parent, and the
// client's `tracestate` unchanged. With tracing off (or the request not sampled), the client's
// headers are passed upstream as they came.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/container/small_vector.hpp>

#include "http/server.h"
#include "observability/trace_context.h"
#include "proxy/upstream_attempt.h"
#include "routing/route_table.h"
#include "store/store.h"

namespace switchyard::proxy {

class OtlpExporter;
struct GatewayState;
struct RequestPolicy;

class RequestTrace {
 public:
  // `exporter` null: tracing is off (the client's headers are still passed on).
  RequestTrace(OtlpExporter* exporter, const http::Request& request);

  bool sampled() const { return sampled_; }
  // A new attempt's span id (all zero when the request is not sampled).
  observability::SpanId attemptSpan() const;
  // The header lines an upstream attempt whose span is `span` carries ("traceparent: ...\r\n", then
  // the client's "tracestate: ...\r\n"), replacing `out`; empty when there is nothing to send.
  void upstreamLines(const observability::SpanId& span, std::string& out) const;

  // What the request's span says beyond its audit record. Views must outlive the trace.
  void requestModel(std::string_view model) { request_model_ = model; }
  void classes(const GatewayState& state, const RequestPolicy& policy);

  struct Attempt {
    const routing::TargetRef& target;
    std::string_view provider_name;  // gen_ai.provider.name
    observability::SpanId span;
    std::chrono::steady_clock::time_point started;
    int number = 0;
    bool hedge = false;
    bool continuation = false;
    const AttemptOutcome& outcome;
    std::string_view result;  // "ok" or the failure token (the audit record's)
  };
  // An attempt ended (now): its span is encoded.
  void attempt(const Attempt& attempt);

  // The request ended with this record: the request's span is encoded and every span goes to the
  // exporter.
  void finish(const store::AuditRecordView& record);

 private:
  std::uint64_t unixNanos(std::chrono::steady_clock::time_point at) const;

  OtlpExporter* exporter_;
  bool sampled_ = false;
  observability::TraceParent client_{};
  bool client_valid_ = false;
  std::string_view tracestate_;  // the client's, as sent (<= 512 bytes), else empty
  observability::TraceId trace_{};
  observability::SpanId span_{};  // the request's own
  std::chrono::system_clock::time_point started_wall_;
  std::chrono::steady_clock::time_point started_;
  static constexpr std::string_view kOperation = "chat";  // gen_ai.operation.name (only chat is traced)
  std::string_view request_model_;
  std::string_view response_model_;  // the model of the last attempt that answered
  boost::container::small_vector<std::string_view, 4> classes_;
  std::int64_t input_tokens_ = 0;
  std::int64_t output_tokens_ = 0;
  bool usage_known_ = false;
  std::size_t spans_count_ = 0;
  std::string spans_;  // encoded attempt spans (only when sampled)
};

}  // namespace switchyard::proxy
