#pragma once
// What every worker reads and nobody writes after start-up: the configuration, the route table and
// everything derived from it once (upstream endpoints, TLS contexts).
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "config/config.h"
#include "policy/data_class_table.h"
#include "policy/pii_detector.h"
#include "proxy/economics.h"
#include "proxy/gateway_metrics.h"
#include "canonical/chat.h"
#include "providers/forward_endpoint.h"
#include "providers/target_codec.h"
#include "resilience/retry_budget.h"
#include "resilience/target_health.h"
#include "routing/route_table.h"
#include "proxy/target_learning.h"

namespace switchyard::proxy {

struct GatewayState {
  // With `previous` (a reload), every target that still exists keeps what was learnt about it:
  // its breaker, latencies, incidents (the incident log is carried over whole) and learnt windows.
  explicit GatewayState(config::Config loaded, const GatewayState* previous = nullptr);

  const config::Config config;
  const routing::RouteTable routes;
  // Every per-slot vector below covers every route's and every rule's targets (routes.targets()).
  // Indexed by TargetRef::slot: the same-dialect fast path (absent for gemini and bedrock targets)
  // and the codec of the translated path.
  std::vector<std::optional<providers::ForwardEndpoint>> forward;
  std::vector<std::unique_ptr<providers::TargetCodec>> codecs;
  // Indexed by TargetRef::slot: Anthropic's count_tokens at anthropic targets.
  std::vector<std::optional<providers::ForwardEndpoint>> count_tokens;
  // Indexed by TargetRef::slot: how the target continues a partial answer (None: it cannot).
  std::vector<canonical::Prefill> prefill;
  // Indexed by TargetRef::slot: the x-switchyard-route/-target header lines of its answers.
  std::vector<std::string> served_by;
  // What every worker learns about every target, shared (thread-safe inside): indexed by
  // TargetRef::health. The incident log behind them, and the gateway-wide retry budget.
  // Shared with the states before and after a reload.
  std::shared_ptr<resilience::IncidentLog> incidents;
  std::vector<std::shared_ptr<resilience::TargetHealth>> health;
  // Indexed by TargetRef::health: context windows and prefill refusals learnt from answers.
  std::vector<std::shared_ptr<TargetLearning>> learned;
  std::unique_ptr<resilience::RetryBudget> retry_budget;
  // Indexed like routes.routes(): each hedging route's budget (null when it does not hedge).
  std::vector<std::unique_ptr<resilience::RetryBudget>> hedge_budgets;
  // Indexed by provider; null for plain-HTTP providers.
  std::vector<std::shared_ptr<boost::asio::ssl::context>> tls;
  // Governance: the data classes, what each route target's provider satisfies (indexed by
  // TargetRef::slot), and per route (indexed like routes.routes()) its classes and PII policy.
  const policy::DataClassTable classes;
  std::vector<policy::ClassMask> slot_classes;
  struct RoutePolicy {
    policy::ClassMask classes = 0;
    const config::PiiPolicy* pii = nullptr;           // null: the route has none
    std::unique_ptr<policy::PiiDetector> detector;    // compiled from *pii
  };
  std::vector<RoutePolicy> route_policy;
  // Config keys' PII policies by key name, and every built-in detector for the store's keys.
  std::map<std::string, std::unique_ptr<policy::PiiDetector>, std::less<>> key_pii;
  std::unique_ptr<policy::PiiDetector> builtin_pii;
  // Budgets and rate limits; a reload's state shares the previous one's counters (spend and the
  // reservations of requests still in flight on it).
  std::shared_ptr<EconomicsState> economics;
  // What GET /metrics reports: series of this generation's targets and routes, taken from the
  // process-wide registry the previous generation had (counters survive a reload).
  GatewayMetrics metrics;
  const std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
};

}  // namespace switchyard::proxy
