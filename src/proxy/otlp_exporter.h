#pragma once
// `otlp:` (issue 14): spans exported over OTLP/HTTP, protobuf, to a collector, off the event loop.
//
// Workers append encoded spans (observability/otlp_span.h) to a buffer of their own (a
// BatchedWriter: no lock shared between workers, no wake-up per span); the exporter's thread takes
// the buffers every `interval` (or earlier when one is half full), wraps each batch in an
// ExportTraceServiceRequest and POSTs it to `<endpoint>/v1/traces` within `timeout`, from an
// io_context of its own (http or https; one kept-alive connection). A full buffer, an unreachable
// or failing collector: the spans are dropped and counted, and no request ever waits for any of it.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "observability/trace_context.h"

namespace switchyard::proxy {

class OtlpExporter {
 public:
  // `service_version`: the resource's service.version. Starts the exporter's thread.
  OtlpExporter(const config::OtlpSettings& settings, std::string service_version);
  // Sends what is buffered (within one timeout), then stops the thread.
  ~OtlpExporter();
  OtlpExporter(const OtlpExporter&) = delete;
  OtlpExporter& operator=(const OtlpExporter&) = delete;

  // Whether a new request is traced: a client's traceparent decides when it has one (its sampled
  // flag), else `sample` (a ratio in [0, 1]).
  bool sample(const observability::TraceParent* client) const;

  // Any thread: queues `count` spans encoded by SpanEncoder. Never blocks on the network; when the
  // calling thread's buffer is full the spans are dropped (counted).
  void submit(std::string_view spans, std::size_t count);

  // Since the start: spans the collector accepted (2xx), spans dropped (buffer full, export failed or
  // refused), and export requests that failed.
  std::uint64_t exported() const;
  std::uint64_t dropped() const;
  std::uint64_t failedExports() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace switchyard::proxy
