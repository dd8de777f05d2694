#include "proxy/health_checker.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <random>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/asio_fwd.h"
#include "http/client.h"
#include "observability/log.h"
#include "proxy/gateway_state.h"

namespace switchyard::proxy {

namespace asio = boost::asio;
using base::FailureKind;
using observability::LogLevel;
using Clock = std::chrono::steady_clock;

namespace {

// A model list is a few tens of KiB at most; a body past this is not worth reading to keep the
// connection (it is closed instead).
constexpr std::size_t kMaxProbeBody = 1 << 20;
constexpr std::string_view kVertexHostSuffix = "aiplatform.googleapis.com";

std::string getHead(const std::string& path, const config::Provider& provider) {
  return "GET " + path + " HTTP/1.1\r\nHost: " + provider.endpoint.hostHeader() +
         "\r\nAccept: application/json\r\nUser-Agent: switchyard/0.1\r\n";
}

std::string describeStatus(unsigned status) {
  switch (status) {
    case 401: return " (the API key is rejected: check api_key)";
    case 403: return " (the API key may not list models: check api_key and its permissions)";
    case 404: return " (no model list at this path: check base_url)";
    case 429: return " (rate limited)";
    default: return "";
  }
}

}  // namespace

HealthProbe makeHealthProbe(const config::Provider& provider) {
  HealthProbe probe;
  const auto& base_path = provider.endpoint.base_path;
  std::string credentials;
  if (provider.kind == "openai") {
    probe.path = base_path + "/models";
    if (!provider.api_key.empty()) credentials = "Authorization: Bearer " + provider.api_key + "\r\n";
  } else if (provider.kind == "azure") {
    probe.path = base_path + "/openai/models?api-version=" + provider.api_version;
    if (!provider.api_key.empty()) credentials = "api-key: " + provider.api_key + "\r\n";
  } else if (provider.kind == "anthropic") {
    probe.path = base_path + "/v1/models";
    if (!provider.api_key.empty()) credentials = "x-api-key: " + provider.api_key + "\r\n";
    if (!provider.api_version.empty()) credentials += "anthropic-version: " + provider.api_version + "\r\n";
  } else if (provider.kind == "gemini") {
    if (std::string_view(provider.endpoint.host).ends_with(kVertexHostSuffix)) {
      probe.skipped = "Vertex AI has no model list under an API key";
      return probe;
    }
    probe.path = base_path + "/v1beta/models";
    if (!provider.api_key.empty()) credentials = "x-goog-api-key: " + provider.api_key + "\r\n";
  } else if (provider.kind == "bedrock") {
    probe.skipped = "bedrock has no cheap runtime endpoint to probe";
    return probe;
  } else {
    probe.skipped = "no health check for kind " + provider.kind;
    return probe;
  }
  probe.request = getHead(probe.path, provider) + credentials + "\r\n";
  return probe;
}

ProbeVerdict judgeProbeStatus(unsigned status, const std::string& path) {
  ProbeVerdict verdict;
  verdict.passed = status >= 200 && status < 300;
  if (verdict.passed) return verdict;
  // Anything else fails, as in Envoy's default expected_statuses: a 401/403/404 does not mean the
  // provider is down, but a probe that cannot pass would hide a real outage; the detail says why.
  verdict.failure = FailureKind::UpstreamStatus;
  verdict.detail = "health check: HTTP " + std::to_string(status) + " on GET " + path + describeStatus(status);
  return verdict;
}

struct HealthChecker::Loop {
  Loop(asio::io_context& io, const config::Provider& provider, std::shared_ptr<asio::ssl::context> tls,
       HealthProbe probe_in, std::vector<resilience::TargetHealth*> targets_in)
      : name(provider.name),
        interval(std::max(provider.health_check.interval, config::Millis(1))),
        timeout(std::max(provider.health_check.timeout, config::Millis(1))),
        probe(std::move(probe_in)),
        targets(std::move(targets_in)),
        timer(io),
        pool(io, http::UpstreamTarget{provider.endpoint.tls, provider.endpoint.host, provider.endpoint.port},
             std::move(tls), 1) {}

  const std::string name;
  const config::Millis interval;
  const config::Millis timeout;
  const HealthProbe probe;
  const std::vector<resilience::TargetHealth*> targets;  // owned by the GatewayState
  SteadyTimer timer;
  http::ClientPool pool;
  http::UpstreamConnection* active = nullptr;  // the probe's connection while one is in flight
  bool stopped = false;
  bool failing = false;  // the last verdict, to log changes only
};

namespace {

using Loop = HealthChecker::Loop;

ProbeVerdict ioVerdict(const boost::beast::error_code& ec, bool during_connect, std::string_view step,
                       const Loop& loop) {
  ProbeVerdict verdict;
  verdict.failure = http::classifyIoError(ec, during_connect);
  verdict.detail = "health check: " + std::string(step) + " GET " + loop.probe.path + ": " + ec.message();
  return verdict;
}

// One probe: at most `timeout` from connect to the last body byte. The connection goes back to the
// pool only when the whole answer was read.
Task<ProbeVerdict> probeOnce(Loop& loop) {
  const auto deadline = Clock::now() + loop.timeout;
  auto acquired = co_await loop.pool.acquire(deadline);
  if (acquired.error) co_return ioVerdict(acquired.error, acquired.during_connect, "connect for", loop);
  std::unique_ptr<http::UpstreamConnection> connection = std::move(acquired.connection);
  loop.active = connection.get();
  const asio::const_buffer request(loop.probe.request.data(), loop.probe.request.size());
  if (const auto ec = co_await connection->send({&request, 1}, deadline)) {
    loop.active = nullptr;
    co_return ioVerdict(ec, false, "send", loop);
  }
  if (const auto ec = co_await connection->readHeader(deadline)) {
    loop.active = nullptr;
    co_return ioVerdict(ec, false, "answer to", loop);
  }
  const unsigned status = connection->header().result_int();
  std::string body;
  bool done = false;
  boost::beast::error_code body_error;
  while (!done && !body_error && body.size() <= kMaxProbeBody) {
    body_error = co_await connection->readSome(body, done, deadline);
  }
  loop.active = nullptr;
  if (body_error) co_return ioVerdict(body_error, false, "body of", loop);
  if (done) loop.pool.release(std::move(connection));
  co_return judgeProbeStatus(status, loop.probe.path);
}

void report(Loop& loop, const ProbeVerdict& verdict) {
  const auto now = Clock::now();
  for (auto* target : loop.targets) {
    if (verdict.passed) {
      target->healthCheckPassed(now);
    } else {
      target->healthCheckFailed(now, verdict.failure, verdict.detail);
    }
  }
  const bool failing = !verdict.passed;
  if (failing == loop.failing) {
    if (failing) observability::log(LogLevel::Debug, "health check failed", {{"provider", loop.name}, {"detail", verdict.detail}});
    return;
  }
  loop.failing = failing;
  if (failing) {
    observability::log(LogLevel::Warn, "health check failed",
                       {{"provider", loop.name},
                        {"failure", base::toToken(verdict.failure)},
                        {"detail", verdict.detail}});
  } else {
    observability::log(LogLevel::Info, "health check passed",
                       {{"provider", loop.name}, {"detail", "GET " + loop.probe.path + " answered 2xx"}});
  }
}

// Probes are strictly sequential and each starts at least `interval` after the one before
// started, so the rate never exceeds 1/interval even when a probe takes longer than that.
Task<void> runLoop(std::shared_ptr<Loop> loop, config::Millis first_delay) {
  auto next = Clock::now() + first_delay;
  for (;;) {
    loop->timer.expires_at(next);
    co_await loop->timer.async_wait(http::kAwaitTuple);
    if (loop->stopped) co_return;
    const auto started = Clock::now();
    next = started + loop->interval;
    // Suspended while every target of the provider is out of rotation for a drill (issue 14): the
    // drill must not touch the provider at all.
    if (!loop->targets.empty() &&
        std::all_of(loop->targets.begin(), loop->targets.end(), [](const auto* target) { return target->inDrill(); })) {
      continue;
    }
    const ProbeVerdict verdict = co_await probeOnce(*loop);
    if (loop->stopped) co_return;  // a probe cut short by stop() says nothing about the provider
    report(*loop, verdict);
  }
}

}  // namespace

HealthChecker::HealthChecker(asio::io_context& io, const GatewayState& state) : io_(io), state_(state) {}

HealthChecker::~HealthChecker() { stop(); }

void HealthChecker::start() {
  const auto& providers = state_.config.providers;
  const auto& known = state_.routes.healthTargets();
  std::mt19937_64 random(std::random_device{}());
  for (std::size_t p = 0; p < providers.size(); ++p) {
    const auto& provider = providers[p];
    if (!provider.health_check.enabled) continue;
    HealthProbe probe = makeHealthProbe(provider);
    if (!probe.skipped.empty()) {
      observability::log(LogLevel::Info, "health check skipped", {{"provider", provider.name}, {"reason", probe.skipped}});
      continue;
    }
    std::vector<resilience::TargetHealth*> targets;
    for (std::size_t i = 0; i < known.size(); ++i) {
      if (known[i].provider == p) targets.push_back(state_.health[i].get());
    }
    if (targets.empty()) continue;  // no route uses the provider: nothing would read the verdict
    auto loop = std::make_shared<Loop>(io_, provider, state_.tls[p], std::move(probe), std::move(targets));
    // The first probe at a random point of the first interval, so that providers (and gateways
    // restarted together) do not probe in lockstep.
    std::uniform_int_distribution<config::Millis::rep> jitter(0, loop->interval.count());
    const config::Millis first_delay(jitter(random));
    observability::log(LogLevel::Info, "health check started",
                       {{"provider", provider.name},
                        {"path", loop->probe.path},
                        {"interval_ms", static_cast<long long>(loop->interval.count())},
                        {"timeout_ms", static_cast<long long>(loop->timeout.count())}});
    loops_.push_back(loop);
    asio::co_spawn(io_, runLoop(std::move(loop), first_delay), [name = provider.name](std::exception_ptr error) {
      if (!error) return;
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        observability::log(LogLevel::Error, "health check loop ended", {{"provider", name}, {"error", e.what()}});
      } catch (...) {
        observability::log(LogLevel::Error, "health check loop ended", {{"provider", name}});
      }
    });
  }
}

void HealthChecker::stop() {
  if (loops_.empty()) return;
  // Timers and connections belong to the io_context's thread: the cancel runs there. The handler
  // holds only weak references, so it is harmless if the io_context never runs it.
  asio::post(io_, [loops = loops_] {
    for (const auto& weak : loops) {
      const auto loop = weak.lock();
      if (!loop) continue;
      loop->stopped = true;
      loop->timer.cancel();
      if (loop->active != nullptr) loop->active->close();
    }
  });
  loops_.clear();
}

}  // namespace switchyard::proxy
