#include "proxy/otlp_exporter.h"

#include <array>
#include <chrono>
#include <exception>
#include <optional>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "http/client.h"
#include "observability/batched_writer.h"
#include "observability/log.h"
#include "observability/otlp_span.h"
#include "proxy/http_post.h"

namespace switchyard::proxy {

namespace asio = boost::asio;
using observability::LogLevel;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kThreadBufferBytes = 1024 * 1024;
// A dead collector fails every export: one warning per this period, not one per batch.
constexpr std::chrono::seconds kWarnPeriod{10};

std::string requestHead(const config::OtlpSettings& settings) {
  const std::string path = settings.target.base_path.empty() ? "/" : settings.target.base_path;
  std::string head = "POST " + path + " HTTP/1.1\r\nHost: " + settings.target.hostHeader() +
                     "\r\nContent-Type: application/x-protobuf\r\nUser-Agent: switchyard\r\n";
  for (const auto& [name, value] : settings.headers) head += name + ": " + value + "\r\n";
  return head;
}

}  // namespace

struct OtlpExporter::State {
  State(const config::OtlpSettings& settings, std::string service_version)
      : settings(settings),
        version(std::move(service_version)),
        head(requestHead(settings)),
        pool(io, http::UpstreamTarget{settings.target.tls, settings.target.host, settings.target.port},
             settings.target.tls ? http::makeClientTlsContext("") : nullptr, 1),
        writer(observability::BatchedWriter::Options{kThreadBufferBytes, settings.interval, "sy-otlp"},
               [this](std::string_view spans) { exportBatch(spans); },
               [](std::uint64_t) { return std::string(); }) {}

  void exportBatch(std::string_view spans);

  const config::OtlpSettings settings;
  const std::string version;
  const std::string head;  // the request line and headers, without Content-Length
  std::atomic<std::uint64_t> exported{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> failed{0};

  // The writer thread's alone (or the destructor's, once that thread has ended).
  asio::io_context io;
  http::ClientPool pool;
  std::string body;  // reused from batch to batch
  std::optional<Clock::time_point> last_warning;
  std::uint64_t unreported_failures = 0;  // since the last warning

  // Last, so destroyed first: its destructor exports what is left with everything above.
  observability::BatchedWriter writer;
};

void OtlpExporter::State::exportBatch(std::string_view spans) {
  if (spans.empty()) return;  // the dropped-count line, which the exporter counts itself
  const std::size_t count = observability::countSpans(spans);
  const std::array<std::pair<std::string_view, std::string_view>, 4> resource{{
      {"service.name", "switchyard"},
      {"service.version", version},
      {"telemetry.sdk.name", "switchyard"},
      {"telemetry.sdk.language", "cpp"},
  }};
  body.clear();
  observability::otlpExportRequest(spans, resource, "switchyard", version, body);

  // Synchronous on this thread: the private io_context runs only while this export does.
  std::string error;
  asio::co_spawn(io, postOnce(pool, head, body, Clock::now() + settings.timeout), [&error](std::exception_ptr failure, std::string result) {
    error = std::move(result);
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown error";
    }
  });
  io.restart();
  io.run();

  if (error.empty()) {
    exported.fetch_add(count, std::memory_order_relaxed);
    return;
  }
  dropped.fetch_add(count, std::memory_order_relaxed);
  const std::uint64_t failures = failed.fetch_add(1, std::memory_order_relaxed) + 1;
  ++unreported_failures;
  const auto now = Clock::now();
  if (last_warning && now - *last_warning < kWarnPeriod) return;
  last_warning = now;
  observability::log(LogLevel::Warn, "otlp export failed",
                     {{"endpoint", settings.endpoint},
                      {"error", error},
                      {"spans_dropped", static_cast<unsigned long long>(count)},
                      {"failed_exports", static_cast<unsigned long long>(unreported_failures)},
                      {"failed_exports_total", static_cast<unsigned long long>(failures)}});
  unreported_failures = 0;
}

OtlpExporter::OtlpExporter(const config::OtlpSettings& settings, std::string service_version)
    : state_(std::make_unique<State>(settings, std::move(service_version))) {}

OtlpExporter::~OtlpExporter() = default;

bool OtlpExporter::sample(const observability::TraceParent* client) const {
  if (client != nullptr) return client->sampled();
  const double ratio = state_->settings.sample;
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  return observability::traceRandom01() < ratio;
}

void OtlpExporter::submit(std::string_view spans, std::size_t count) {
  if (count == 0 || spans.empty()) return;
  if (!state_->writer.append(spans)) state_->dropped.fetch_add(count, std::memory_order_relaxed);
}

std::uint64_t OtlpExporter::exported() const { return state_->exported.load(std::memory_order_relaxed); }
std::uint64_t OtlpExporter::dropped() const { return state_->dropped.load(std::memory_order_relaxed); }
std::uint64_t OtlpExporter::failedExports() const { return state_->failed.load(std::memory_order_relaxed); }

}  // namespace switchyard::proxy
