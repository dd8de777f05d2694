#pragma once
// What GET /metrics reports, recorded where it is known (the chat handler, the stream relays) into
// per-thread shards (metric_shards.h): a request costs a few relaxed adds on the worker's own cache
// lines, no lock and no allocation. Series are fixed by the configuration: one per target, per
// route, per route and target; per key only tokens and cost, whose keys come from the key registry.
//
// Counters survive a config reload: the process-wide MetricsRegistry hands out one series object per
// target id, route name and (route, target) pair, and a reload's state takes the same objects for
// the names that still exist (as target health and learning are carried over). The registry's
// mutex is taken only while a configuration is loaded.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/failure.h"
#include "canonical/chat.h"
#include "config/config.h"
#include "proxy/metric_shards.h"
#include "routing/route_table.h"

namespace switchyard::proxy {

struct AttemptOutcome;

// How a chat request ended for its client: the request log's and audit record's outcome.
enum class RequestOutcome : std::uint8_t { Ok, FailedOver, ClientError, Incomplete, Failed, ClientGone, Refused };
inline constexpr std::size_t kRequestOutcomes = 7;
std::string_view outcomeName(RequestOutcome outcome);
RequestOutcome outcomeOf(std::string_view name);  // "refused" for a name it does not know
inline constexpr std::size_t kStatusClasses = 5;  // 1xx .. 5xx

// Requests of one route served by one target (or by none): by status class and outcome.
class RequestCounts {
 public:
  RequestCounts() : cells_(kStatusClasses * kRequestOutcomes) {}
  void add(int status, RequestOutcome outcome) { cells_.add(cell(status, outcome)); }
  std::uint64_t count(std::size_t status_class, RequestOutcome outcome) const {
    return cells_.sum(status_class * kRequestOutcomes + static_cast<std::size_t>(outcome));
  }

 private:
  static std::size_t cell(int status, RequestOutcome outcome);
  ShardedCounters cells_;
};

// Tokens and cost one client key spent at one target.
struct KeyUsage {
  enum Cell : std::size_t { InputTokens, OutputTokens, CostNanoUsd, kCells };
  explicit KeyUsage(std::string_view id) : key(id), cells(kCells) {}
  const std::string key;  // "" for anonymous requests
  ShardedCounters cells;
};

// Per target, the keys seen so far: a lock-free, insert-only open-addressing table. A key's entry is
// allocated the first time the key spends at the target, never per request; keys beyond the
// capacity share one entry labelled "_other" (the label set stays bounded whatever happens).
class KeyUsageTable {
 public:
  static constexpr std::size_t kCapacity = 512;
  KeyUsageTable() = default;
  KeyUsageTable(const KeyUsageTable&) = delete;
  KeyUsageTable& operator=(const KeyUsageTable&) = delete;
  ~KeyUsageTable();

  KeyUsage& find(std::string_view key);
  template <typename Visit>
  void forEach(Visit&& visit) const {
    for (const auto& slot : slots_) {
      if (const KeyUsage* entry = slot.load(std::memory_order_acquire)) visit(*entry);
    }
    visit(overflow_);
  }

 private:
  std::array<std::atomic<KeyUsage*>, kCapacity> slots_{};
  KeyUsage overflow_{"_other"};
};

// One target (provider/model): its attempts, latencies, tokens and cost.
struct TargetMetrics {
  // Attempts by FailureKind (None: a success), then the attempts the client left.
  static constexpr std::size_t kClientGoneCell = static_cast<std::size_t>(base::FailureKind::HedgeLost) + 1;
  TargetMetrics(std::string target_id, std::string provider, std::string target_model);

  // One attempt's end: its result, and for answers delivered whole, its latencies.
  void attempt(const AttemptOutcome& outcome, std::chrono::steady_clock::time_point started,
               std::chrono::steady_clock::time_point ended);
  // What an attempt cost (known usage only), for `key` ("" anonymous).
  void usage(std::string_view key, const canonical::Usage& usage, std::int64_t cost_nano_usd);
  // A stream's data event(s) read `gap` after the previous; `together` more arrived in the same read.
  void tokenGap(std::chrono::steady_clock::duration gap, std::uint64_t together = 0);

  const std::string id;             // "provider/model"
  const std::string provider_name;  // gen_ai.provider.name
  const std::string model;          // gen_ai.request.model: the model asked of the provider
  ShardedCounters attempts{kClientGoneCell + 1};
  ShardedHistogram duration{kDurationBuckets};
  ShardedHistogram first_token{kFirstTokenBuckets};
  ShardedHistogram token_gap{kTokenGapBuckets};
  ShardedHistogram input_tokens{kTokenUsageBuckets};
  ShardedHistogram output_tokens{kTokenUsageBuckets};
  KeyUsageTable keys;
};

// One route: gauges of what is in flight and counts of what the route did.
struct RouteMetrics {
  enum Cell : std::size_t {
    InFlightRequests,
    InFlightStreams,
    HedgesStarted,
    HedgesWon,
    ContinuationsCompleted,
    ContinuationsFailed,
    RetryBudgetRefused,  // a retry the gateway-wide retry budget refused
    HedgeBudgetRefused,  // a hedge the route's hedge budget (or the retry budget) refused
    kCells
  };
  explicit RouteMetrics(std::string route) : name(std::move(route)) {}
  void add(Cell cell, std::int64_t n = 1) { cells.addSigned(cell, n); }
  const std::string name;
  ShardedCounters cells{kCells};
  RequestCounts unserved;  // requests that ended with no target serving them
};

// The process's series, across reloads.
class MetricsRegistry {
 public:
  std::shared_ptr<TargetMetrics> target(const std::string& id, const std::string& provider_name,
                                        const std::string& model);
  std::shared_ptr<RouteMetrics> route(const std::string& name);
  std::shared_ptr<RequestCounts> served(const std::string& route, const std::string& target);
  // Requests that ended before a route was known (refused: authentication, bad body, unknown model).
  RequestCounts& unrouted() { return unrouted_; }

  void reloaded(bool ok) { (ok ? reloads_ok_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t reloads(bool ok) const { return (ok ? reloads_ok_ : reloads_failed_).load(std::memory_order_relaxed); }

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<TargetMetrics>, std::less<>> targets_;
  std::map<std::string, std::shared_ptr<RouteMetrics>, std::less<>> routes_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<RequestCounts>> served_;
  RequestCounts unrouted_;
  std::atomic<std::uint64_t> reloads_ok_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
};

// One configuration generation's view of the registry, indexed like GatewayState's vectors.
struct GatewayMetrics {
  GatewayMetrics() = default;
  GatewayMetrics(const config::Config& config, const routing::RouteTable& routes,
                 std::shared_ptr<MetricsRegistry> carried);

  std::shared_ptr<MetricsRegistry> registry;
  std::vector<std::shared_ptr<TargetMetrics>> targets;  // by TargetRef::health
  std::vector<std::shared_ptr<RouteMetrics>> routes;    // by RouteSpec::index
  std::vector<std::shared_ptr<RequestCounts>> served;   // by TargetRef::slot
  // By route index: its distinct served-by targets (route and rules), for the scrape.
  std::vector<std::vector<std::pair<std::string, std::shared_ptr<RequestCounts>>>> route_targets;
};

// gen_ai.provider.name for a provider: "openai", "anthropic", "gcp.gemini", "aws.bedrock",
// "azure.ai.openai", or an OpenAI-compatible preset's name.
std::string genAiProviderName(const config::Provider& provider);

// One chat request's metrics: in flight from routed() to its end, counted once by end().
class RequestMeter {
 public:
  explicit RequestMeter(const GatewayMetrics& metrics) : metrics_(metrics) {}
  RequestMeter(const RequestMeter&) = delete;
  RequestMeter& operator=(const RequestMeter&) = delete;
  ~RequestMeter();

  void routed(std::size_t route_index, bool stream);
  // `served`: the target that answered (null: none); `outcome` as the request log names it.
  void end(std::string_view outcome, int status, const routing::TargetRef* served = nullptr);

 private:
  const GatewayMetrics& metrics_;
  RouteMetrics* route_ = nullptr;
  bool stream_ = false;
  bool ended_ = false;
};

}  // namespace switchyard::proxy
