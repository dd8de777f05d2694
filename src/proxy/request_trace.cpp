#include "proxy/request_trace.h"

#include "http/field_lookup.h"
#include "observability/otlp_span.h"
#include "proxy/gateway_state.h"
#include "proxy/otlp_exporter.h"
#include "proxy/request_policy.h"

namespace switchyard::proxy {

namespace {

using observability::SpanEncoder;
using observability::SpanKind;
using observability::SpanStatusCode;

// W3C: a vendor may drop a tracestate it cannot carry; 512 bytes is what it must carry.
constexpr std::size_t kMaxTracestate = 512;
// Room for one attempt's span, so that most requests' spans fit in one allocation.
constexpr std::size_t kSpanBytesHint = 640;

void usageAttributes(SpanEncoder& span, std::int64_t input, std::int64_t output) {
  span.integer("gen_ai.usage.input_tokens", input);
  span.integer("gen_ai.usage.output_tokens", output);
}

}  // namespace

RequestTrace::RequestTrace(OtlpExporter* exporter, const http::Request& request) : exporter_(exporter) {
  const std::string_view parent = http::fieldValue(request, "traceparent");
  if (parent.empty()) {
    if (exporter_ == nullptr) return;  // an empty line is no parent either
  } else if (auto parsed = observability::parseTraceparent(parent)) {
    client_ = *parsed;
    client_valid_ = true;
    if (const std::string_view state = http::fieldValue(request, "tracestate");
        !state.empty() && state.size() <= kMaxTracestate) {
      tracestate_ = state;
    }
  }
  if (exporter_ == nullptr || !exporter_->sample(client_valid_ ? &client_ : nullptr)) return;
  sampled_ = true;
  trace_ = client_valid_ ? client_.trace : observability::newTraceId();
  span_ = observability::newSpanId();
  started_wall_ = std::chrono::system_clock::now();
  started_ = std::chrono::steady_clock::now();
  spans_.reserve(2 * kSpanBytesHint);
}

observability::SpanId RequestTrace::attemptSpan() const {
  return sampled_ ? observability::newSpanId() : observability::SpanId{};
}

void RequestTrace::upstreamLines(const observability::SpanId& span, std::string& out) const {
  out.clear();
  if (!sampled_ && !client_valid_) return;
  const auto value = sampled_ ? observability::formatTraceparent(trace_, span, observability::kTraceFlagSampled)
                              : observability::formatTraceparent(client_.trace, client_.parent, client_.flags);
  out.append("traceparent: ").append(value.data(), value.size()).append("\r\n");
  if (!tracestate_.empty()) out.append("tracestate: ").append(tracestate_).append("\r\n");
}

void RequestTrace::classes(const GatewayState& state, const RequestPolicy& policy) {
  if (!sampled_) return;
  classes_.clear();
  for (const auto& origin : policy.origins) classes_.push_back(state.config.data_classes[origin.index].name);
}

std::uint64_t RequestTrace::unixNanos(std::chrono::steady_clock::time_point at) const {
  const auto wall = started_wall_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(at - started_);
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(wall.time_since_epoch()).count());
}

void RequestTrace::attempt(const Attempt& attempt) {
  if (!sampled_) return;
  const AttemptOutcome& outcome = attempt.outcome;
  const bool ok = outcome.failure == base::FailureKind::None && outcome.kind == AttemptOutcome::Kind::Delivered;
  SpanEncoder span(spans_);
  std::string name(kOperation);
  name.append(" ").append(attempt.target.model);
  span.begin(trace_, attempt.span, &span_, name, SpanKind::Client, unixNanos(attempt.started),
             unixNanos(std::chrono::steady_clock::now()));
  span.text("gen_ai.operation.name", kOperation);
  span.text("gen_ai.provider.name", attempt.provider_name);
  span.text("gen_ai.request.model", attempt.target.model);
  if (ok) span.text("gen_ai.response.model", attempt.target.model);
  if (outcome.usage_known) usageAttributes(span, outcome.usage.input_tokens, outcome.usage.output_tokens);
  span.text("switchyard.target", attempt.target.id);
  span.integer("switchyard.attempt", attempt.number);
  if (attempt.hedge) span.flag("switchyard.hedge", true);
  if (attempt.continuation) span.flag("switchyard.continuation", true);
  if (outcome.status != 0) span.integer("http.response.status_code", outcome.status);
  if (outcome.failure != base::FailureKind::None) {
    span.text("error.type", base::toToken(outcome.failure));
    span.text("switchyard.failure_kind", base::toToken(outcome.failure));
    span.status(SpanStatusCode::Error, outcome.detail);
  }
  span.text("switchyard.result", attempt.result);
  span.end();
  ++spans_count_;
  if (ok) response_model_ = attempt.target.model;
  if (outcome.usage_known) {
    usage_known_ = true;
    input_tokens_ += outcome.usage.input_tokens;
    output_tokens_ += outcome.usage.output_tokens;
  }
}

void RequestTrace::finish(const store::AuditRecordView& record) {
  if (!sampled_) return;
  SpanEncoder span(spans_);
  std::string name(kOperation);
  if (!request_model_.empty()) name.append(" ").append(request_model_);
  span.begin(trace_, span_, client_valid_ ? &client_.parent : nullptr, name, SpanKind::Server,
             unixNanos(started_), unixNanos(std::chrono::steady_clock::now()));
  span.text("gen_ai.operation.name", kOperation);
  if (!request_model_.empty()) span.text("gen_ai.request.model", request_model_);
  if (!response_model_.empty()) span.text("gen_ai.response.model", response_model_);
  if (usage_known_) usageAttributes(span, input_tokens_, output_tokens_);
  span.text("switchyard.request_id", record.request_id);
  if (!record.route.empty()) span.text("switchyard.route", record.route);
  if (!record.key_id.empty()) span.text("switchyard.key_id", record.key_id);
  if (!classes_.empty()) span.textList("switchyard.data_class", classes_);
  span.text("switchyard.outcome", record.outcome);
  span.number("switchyard.cost_usd", static_cast<double>(record.cost_nano_usd) / 1e9);
  if (record.status != 0) span.integer("http.response.status_code", record.status);
  // As HTTP server spans do: a 4xx (the client's mistake, a refusal) is not the gateway's error.
  if (record.status >= 500 || record.outcome == "failed" || record.outcome == "incomplete") {
    const std::string status = std::to_string(record.status);
    span.text("error.type", record.status >= 500 ? std::string_view(status) : std::string_view(record.outcome));
    span.status(SpanStatusCode::Error, record.outcome);
  }
  span.end();
  exporter_->submit(spans_, spans_count_ + 1);
}

}  // namespace switchyard::proxy
