#include "proxy/incident_webhook.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "base/executor.h"
#include "http/client.h"
#include "proxy/http_post.h"
#include "observability/log.h"

namespace switchyard::proxy {

namespace asio = boost::asio;
using observability::LogLevel;

struct IncidentWebhook::State {
  State(asio::io_context& io, const config::IncidentSettings& settings)
      : io(io),
        url(settings.webhook),
        endpoint(settings.webhook_endpoint),
        pool(io, http::UpstreamTarget{endpoint.tls, endpoint.host, endpoint.port},
             endpoint.tls ? http::makeClientTlsContext("") : nullptr, 1) {}

  asio::io_context& io;
  const std::string url;
  const config::Endpoint endpoint;
  http::ClientPool pool;
  std::mutex mutex;
  std::deque<std::string> queue;  // under mutex
  bool sending = false;           // under mutex: the coroutine runs
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> delivered{0};
};

namespace {

// One POST; "" on success, else why not.
Task<std::string> postBody(IncidentWebhook::State& state, const std::string& body) {
  const std::string path = state.endpoint.base_path.empty() ? "/" : state.endpoint.base_path;
  const std::string head = "POST " + path + " HTTP/1.1\r\nHost: " + state.endpoint.hostHeader() +
                           "\r\nContent-Type: application/json\r\nUser-Agent: switchyard\r\n";
  co_return co_await postOnce(state.pool, head, body, std::chrono::steady_clock::now() + IncidentWebhook::kTimeout);
}

Task<void> drain(std::shared_ptr<IncidentWebhook::State> state) {
  for (;;) {
    std::string body;
    {
      std::lock_guard lock(state->mutex);
      if (state->queue.empty()) {
        state->sending = false;
        co_return;
      }
      body = std::move(state->queue.front());
      state->queue.pop_front();
    }
    std::string error;
    try {
      error = co_await postBody(*state, body);
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error.empty()) {
      state->delivered.fetch_add(1, std::memory_order_relaxed);
    } else {
      state->dropped.fetch_add(1, std::memory_order_relaxed);
      observability::log(LogLevel::Warn, "incident webhook failed", {{"url", state->url}, {"error", error}});
    }
  }
}

}  // namespace

IncidentWebhook::IncidentWebhook(asio::io_context& io, const config::IncidentSettings& settings)
    : state_(std::make_shared<State>(io, settings)) {}

void IncidentWebhook::send(std::string body) {
  bool start = false;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->queue.size() >= kMaxQueue) {
      state_->dropped.fetch_add(1, std::memory_order_relaxed);
      observability::log(LogLevel::Warn, "incident webhook queue full", {{"url", state_->url}});
      return;
    }
    state_->queue.push_back(std::move(body));
    if (!state_->sending) start = state_->sending = true;
  }
  if (start) {
    auto task = drain(state_);
    asio::co_spawn(state_->io, std::move(task), asio::detached);
  }
}

std::uint64_t IncidentWebhook::dropped() const { return state_->dropped.load(std::memory_order_relaxed); }
std::uint64_t IncidentWebhook::delivered() const { return state_->delivered.load(std::memory_order_relaxed); }

}  // namespace switchyard::proxy
