#include "proxy/otlp_exporter.h"

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>

#include "observability/otlp_span.h"

namespace switchyard::proxy {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A collector on the loopback that answers one request with `status`, then stops; its thread never
// runs longer than a few seconds, whatever the exporter does.
class Collector {
 public:
  explicit Collector(unsigned status) : status_(status) {
    asio::co_spawn(io_, serve(), asio::detached);
    thread_ = std::thread([this] { io_.run_for(5s); });
  }
  ~Collector() { thread_.join(); }

  std::uint16_t port() const { return port_; }
  // The request received, within a bounded wait.
  http::request<http::string_body> request() {
    auto future = received_.get_future();
    EXPECT_EQ(future.wait_for(5s), std::future_status::ready) << "no request reached the collector";
    return future.valid() && future.wait_for(0s) == std::future_status::ready ? future.get()
                                                                              : http::request<http::string_body>{};
  }

 private:
  asio::awaitable<void> serve() {
    try {
      tcp::socket socket = co_await acceptor_.async_accept(asio::use_awaitable);
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> request;
      co_await http::async_read(socket, buffer, request, asio::use_awaitable);
      received_.set_value(request);
      http::response<http::string_body> response{static_cast<http::status>(status_), 11};
      response.prepare_payload();
      co_await http::async_write(socket, response, asio::use_awaitable);
    } catch (const std::exception&) {
      // The test sees no request: request() fails it.
    }
  }

  const unsigned status_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  const std::uint16_t port_ = acceptor_.local_endpoint().port();
  std::promise<http::request<http::string_body>> received_;
  std::thread thread_;
};

config::OtlpSettings settingsFor(std::uint16_t port, std::chrono::milliseconds interval) {
  config::OtlpSettings settings;
  settings.endpoint = "http://127.0.0.1:" + std::to_string(port);
  settings.target.host = "127.0.0.1";
  settings.target.port = port;
  settings.target.base_path = "/v1/traces";
  settings.headers = {{"x-api-key", "secret"}};
  settings.interval = interval;
  settings.timeout = 2000ms;
  return settings;
}

std::string twoSpans() {
  std::string spans;
  for (const char* name : {"request", "attempt"}) {
    observability::SpanEncoder encoder(spans);
    encoder.begin(observability::newTraceId(), observability::newSpanId(), nullptr, name,
                  observability::SpanKind::Server, 1, 2);
    encoder.end();
  }
  return spans;
}

// Polls `done` for up to five seconds.
template <typename Done>
bool eventually(Done done) {
  for (int i = 0; i < 500 && !done(); ++i) std::this_thread::sleep_for(10ms);
  return done();
}

TEST(OtlpExporter, PostsBatchesAsProtobufWithTheConfiguredHeaders) {
  Collector collector(200);
  OtlpExporter exporter(settingsFor(collector.port(), 50ms), "1.2.3");
  const std::string spans = twoSpans();
  exporter.submit(spans, 2);

  const auto request = collector.request();
  EXPECT_EQ(request.method(), http::verb::post);
  EXPECT_EQ(request.target(), "/v1/traces");
  EXPECT_EQ(request[http::field::content_type], "application/x-protobuf");
  EXPECT_EQ(request["x-api-key"], "secret");
  EXPECT_NE(request.body().find(spans), std::string::npos);  // the spans, verbatim
  EXPECT_NE(request.body().find("1.2.3"), std::string::npos);  // service.version
  EXPECT_TRUE(eventually([&] { return exporter.exported() == 2; }));
  EXPECT_EQ(exporter.dropped(), 0u);
  EXPECT_EQ(exporter.failedExports(), 0u);
}

TEST(OtlpExporter, DestructionSendsWhatIsBuffered) {
  Collector collector(200);
  {
    // An interval far beyond the test: only the destructor can send.
    OtlpExporter exporter(settingsFor(collector.port(), 60s), "1.2.3");
    exporter.submit(twoSpans(), 2);
  }
  EXPECT_EQ(collector.request().target(), "/v1/traces");
}

TEST(OtlpExporter, RefusedExportDropsAndCountsTheSpans) {
  Collector collector(503);
  OtlpExporter exporter(settingsFor(collector.port(), 50ms), "1.2.3");
  exporter.submit(twoSpans(), 2);
  collector.request();
  EXPECT_TRUE(eventually([&] { return exporter.failedExports() == 1; }));
  EXPECT_EQ(exporter.dropped(), 2u);
  EXPECT_EQ(exporter.exported(), 0u);
}

TEST(OtlpExporter, UnreachableCollectorDropsTheSpansAndStopsPromptly) {
  std::uint16_t port = 0;
  {
    // A port that was just free and is now closed: connecting is refused at once.
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = acceptor.local_endpoint().port();
  }
  auto exporter = std::make_unique<OtlpExporter>(settingsFor(port, 50ms), "1.2.3");
  exporter->submit(twoSpans(), 2);
  exporter->submit(twoSpans(), 2);
  EXPECT_TRUE(eventually([&] { return exporter->dropped() == 4; }));
  EXPECT_GE(exporter->failedExports(), 1u);
  EXPECT_EQ(exporter->exported(), 0u);
  const auto start = std::chrono::steady_clock::now();
  exporter.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);  // the timeout is 2 s; refusal is immediate
}

TEST(OtlpExporter, SamplesByTheClientsFlagElseByTheRatio) {
  config::OtlpSettings settings = settingsFor(9, 60s);
  observability::TraceParent client;
  client.flags = observability::kTraceFlagSampled;
  settings.sample = 0;
  {
    OtlpExporter exporter(settings, "1");
    EXPECT_TRUE(exporter.sample(&client));
    EXPECT_FALSE(exporter.sample(nullptr));
    client.flags = 0;
    EXPECT_FALSE(exporter.sample(&client));
  }
  settings.sample = 1;
  OtlpExporter exporter(settings, "1");
  EXPECT_TRUE(exporter.sample(nullptr));
}

}  // namespace
}  // namespace switchyard::proxy
