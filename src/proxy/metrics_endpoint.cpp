#include "proxy/metrics_endpoint.h"

#include <array>
#include <chrono>
#include <map>
#include <tuple>

#include <boost/beast/http/field.hpp>

#include "accounting/calendar.h"
#include "observability/log.h"
#include "observability/prometheus_writer.h"
#include "proxy/otlp_exporter.h"

namespace switchyard::proxy {

namespace {

using observability::MetricLabel;
using observability::MetricType;
using observability::PrometheusWriter;

constexpr std::array<std::string_view, kStatusClasses> kStatusClassNames{"1xx", "2xx", "3xx", "4xx", "5xx"};

// gen_ai series are per (provider name, model): two targets of one kind serving one model share one.
using GenAiSeries = std::tuple<std::string, std::string>;

// 0 closed, 1 half-open, 2 open: the higher, the less traffic the target gets.
double breakerValue(resilience::BreakerState state) {
  switch (state) {
    case resilience::BreakerState::Closed: return 0;
    case resilience::BreakerState::HalfOpen: return 1;
    case resilience::BreakerState::Open: return 2;
  }
  return 0;
}

void writeRequests(PrometheusWriter& out, const GatewayState& state) {
  out.family("switchyard_requests_total", MetricType::Counter,
             "Chat requests by route, serving target (empty: none), status class and outcome.");
  const auto counts = [&](std::string_view route, std::string_view target, const RequestCounts& requests) {
    for (std::size_t status = 0; status < kStatusClasses; ++status) {
      for (std::size_t o = 0; o < kRequestOutcomes; ++o) {
        const auto outcome = static_cast<RequestOutcome>(o);
        const std::uint64_t n = requests.count(status, outcome);
        if (n == 0) continue;
        out.sample({{"route", route}, {"target", target}, {"status_class", kStatusClassNames[status]},
                    {"outcome", outcomeName(outcome)}},
                   n);
      }
    }
  };
  counts("", "", state.metrics.registry->unrouted());
  for (std::size_t r = 0; r < state.metrics.routes.size(); ++r) {
    const RouteMetrics& route = *state.metrics.routes[r];
    for (const auto& [target, requests] : state.metrics.route_targets[r]) counts(route.name, target, *requests);
    counts(route.name, "", route.unserved);
  }
}

void writeTargets(PrometheusWriter& out, const GatewayState& state) {
  const auto& targets = state.metrics.targets;
  out.family("switchyard_attempts_total", MetricType::Counter,
             "Upstream attempts by target and failure kind (none: succeeded; client_gone: the client left).");
  for (const auto& target : targets) {
    for (std::size_t cell = 0; cell < target->attempts.size(); ++cell) {
      const std::uint64_t n = target->attempts.sum(cell);
      if (n == 0) continue;
      const std::string_view kind = cell == TargetMetrics::kClientGoneCell
                                        ? std::string_view("client_gone")
                                        : base::toToken(static_cast<base::FailureKind>(cell));
      out.sample({{"target", target->id}, {"failure_kind", kind}}, n);
    }
  }
  const auto now = std::chrono::steady_clock::now();
  std::vector<resilience::TargetSnapshot> snapshots;
  for (const auto& health : state.health) snapshots.push_back(health->snapshot(now));
  out.family("switchyard_breaker_state", MetricType::Gauge,
             "Circuit breaker state per target: 0 closed, 1 half-open, 2 open.");
  for (const auto& snapshot : snapshots) out.sample({{"target", snapshot.target}}, breakerValue(snapshot.breaker));
  out.family("switchyard_target_in_flight_attempts", MetricType::Gauge, "Upstream attempts in flight per target.");
  for (const auto& snapshot : snapshots) {
    out.sample({{"target", snapshot.target}}, static_cast<double>(snapshot.in_flight));
  }
  const auto histograms = [&](std::string_view name, std::string_view help, auto member) {
    out.family(name, MetricType::Histogram, help);
    for (const auto& target : targets) {
      ShardedHistogram::Totals totals;
      const ShardedHistogram& histogram = (*target).*member;
      histogram.addTo(totals);
      const std::array<MetricLabel, 1> labels{MetricLabel{"target", target->id}};
      out.histogram(labels, histogram.buckets().upper, totals.counts, totals.sum);
    }
  };
  histograms("switchyard_attempt_duration_seconds",
             "Duration of successful upstream attempts per target, to the answer's end (streams included).",
             &TargetMetrics::duration);
  histograms("switchyard_time_to_first_token_seconds",
             "Time from an upstream attempt's start to the first event relayed to the client, per target (streams).",
             &TargetMetrics::first_token);
  histograms("switchyard_time_between_tokens_seconds",
             "Time between successive data events of a stream relayed to the client, per target.",
             &TargetMetrics::token_gap);
  out.family("switchyard_tokens_total", MetricType::Counter,
             "Tokens billed per target and client key (empty: anonymous; _other: keys past the table's capacity).");
  for (const auto& target : targets) {
    target->keys.forEach([&](const KeyUsage& usage) {
      const std::uint64_t input = usage.cells.sum(KeyUsage::InputTokens);
      const std::uint64_t output = usage.cells.sum(KeyUsage::OutputTokens);
      if (input == 0 && output == 0 && usage.cells.sum(KeyUsage::CostNanoUsd) == 0) return;
      out.sample({{"target", target->id}, {"key", usage.key}, {"token_type", "input"}}, input);
      out.sample({{"target", target->id}, {"key", usage.key}, {"token_type", "output"}}, output);
    });
  }
  out.family("switchyard_cost_usd_total", MetricType::Counter, "Cost in USD per target and client key, at the target's price.");
  for (const auto& target : targets) {
    target->keys.forEach([&](const KeyUsage& usage) {
      const std::uint64_t nano = usage.cells.sum(KeyUsage::CostNanoUsd);
      if (nano == 0 && usage.cells.sum(KeyUsage::InputTokens) == 0 && usage.cells.sum(KeyUsage::OutputTokens) == 0) return;
      out.sample({{"target", target->id}, {"key", usage.key}}, static_cast<double>(nano) / 1e9);
    });
  }
}

// The OpenTelemetry GenAI metrics, by their Prometheus names.
void writeGenAi(PrometheusWriter& out, const GatewayState& state) {
  std::map<std::tuple<std::string, std::string, std::string>, ShardedHistogram::Totals> tokens;
  std::map<GenAiSeries, ShardedHistogram::Totals> first_token;
  for (const auto& target : state.metrics.targets) {
    target->input_tokens.addTo(tokens[{target->provider_name, target->model, "input"}]);
    target->output_tokens.addTo(tokens[{target->provider_name, target->model, "output"}]);
    target->first_token.addTo(first_token[{target->provider_name, target->model}]);
  }
  out.family("gen_ai_client_token_usage", MetricType::Histogram,
             "OpenTelemetry gen_ai.client.token.usage: tokens per upstream attempt whose usage is known.");
  for (const auto& [series, totals] : tokens) {
    const std::array<MetricLabel, 4> labels{MetricLabel{"gen_ai_operation_name", "chat"},
                                            MetricLabel{"gen_ai_provider_name", std::get<0>(series)},
                                            MetricLabel{"gen_ai_request_model", std::get<1>(series)},
                                            MetricLabel{"gen_ai_token_type", std::get<2>(series)}};
    out.histogram(labels, kTokenUsageBuckets.upper, totals.counts, totals.sum);
  }
  out.family("gen_ai_server_time_to_first_token_seconds", MetricType::Histogram,
             "OpenTelemetry gen_ai.server.time_to_first_token: seconds to the first event of a stream.");
  for (const auto& [series, totals] : first_token) {
    const std::array<MetricLabel, 3> labels{MetricLabel{"gen_ai_operation_name", "chat"},
                                            MetricLabel{"gen_ai_provider_name", std::get<0>(series)},
                                            MetricLabel{"gen_ai_request_model", std::get<1>(series)}};
    out.histogram(labels, kFirstTokenBuckets.upper, totals.counts, totals.sum);
  }
}

void writeRoutes(PrometheusWriter& out, const GatewayState& state) {
  const auto& routes = state.metrics.routes;
  const auto gauge = [&](std::string_view name, std::string_view help, RouteMetrics::Cell cell) {
    out.family(name, MetricType::Gauge, help);
    for (const auto& route : routes) out.sample({{"route", route->name}}, static_cast<double>(route->cells.signedSum(cell)));
  };
  gauge("switchyard_in_flight_requests", "Chat requests in flight per route.", RouteMetrics::InFlightRequests);
  gauge("switchyard_in_flight_streams", "Streaming chat requests in flight per route.", RouteMetrics::InFlightStreams);
  const auto counter = [&](std::string_view name, std::string_view help, RouteMetrics::Cell cell) {
    out.family(name, MetricType::Counter, help);
    for (const auto& route : routes) out.sample({{"route", route->name}}, route->cells.sum(cell));
  };
  counter("switchyard_hedges_total", "Hedged attempts started per route.", RouteMetrics::HedgesStarted);
  counter("switchyard_hedge_wins_total", "Hedged attempts that answered before the primary, per route.",
          RouteMetrics::HedgesWon);
  out.family("switchyard_continuations_total", MetricType::Counter,
             "Streams that broke mid-answer, per route, by whether another target completed them.");
  for (const auto& route : routes) {
    out.sample({{"route", route->name}, {"result", "completed"}}, route->cells.sum(RouteMetrics::ContinuationsCompleted));
    out.sample({{"route", route->name}, {"result", "failed"}}, route->cells.sum(RouteMetrics::ContinuationsFailed));
  }
  out.family("switchyard_retry_budget_refusals_total", MetricType::Counter,
             "Retries (budget=retry) and hedges (budget=hedge) not made because a budget was spent, per route.");
  for (const auto& route : routes) {
    out.sample({{"route", route->name}, {"budget", "retry"}}, route->cells.sum(RouteMetrics::RetryBudgetRefused));
    out.sample({{"route", route->name}, {"budget", "hedge"}}, route->cells.sum(RouteMetrics::HedgeBudgetRefused));
  }
}

void writeEconomics(PrometheusWriter& out, const EconomicsState& economics) {
  const auto budgets = economics.ledger.snapshot(std::chrono::system_clock::now());
  for (const auto unit : {accounting::Unit::NanoUsd, accounting::Unit::Tokens}) {
    const bool usd = unit == accounting::Unit::NanoUsd;
    out.family(usd ? "switchyard_budget_remaining_usd" : "switchyard_budget_remaining_tokens", MetricType::Gauge,
               usd ? "What a USD budget can still take this period (limit - spent - reserved; negative: overshot)."
                   : "What a token budget can still take this period (limit - spent - reserved; negative: overshot).");
    for (const auto& budget : budgets) {
      if (budget.unit != unit) continue;
      const double left = static_cast<double>(budget.limit - budget.spent - budget.reserved) / (usd ? 1e9 : 1);
      out.sample({{"budget", budget.budget}, {"scope", accounting::scopeName(budget.scope)}, {"name", budget.name},
                  {"window", accounting::windowName(budget.window)}},
                 left);
    }
  }
  const auto steady = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string_view, accounting::RateLimiter::BucketState>> buckets;
  for (auto& bucket : economics.key_limits.snapshot(steady)) buckets.emplace_back("key", std::move(bucket));
  for (auto& bucket : economics.target_limits.snapshot(steady)) buckets.emplace_back("target", std::move(bucket));
  out.family("switchyard_rate_limit_requests_available", MetricType::Gauge,
             "Requests a key's or target's rpm bucket can take now (set limits only).");
  for (const auto& [scope, bucket] : buckets) {
    if (bucket.limits.rpm > 0) out.sample({{"scope", scope}, {"id", bucket.id}}, bucket.requests_available);
  }
  out.family("switchyard_rate_limit_tokens_available", MetricType::Gauge,
             "Tokens a key's or target's tpm bucket can take now (negative: in debt; set limits only).");
  for (const auto& [scope, bucket] : buckets) {
    if (bucket.limits.tpm > 0) out.sample({{"scope", scope}, {"id", bucket.id}}, bucket.tokens_available);
  }
}

void writeProcess(PrometheusWriter& out, const GatewayState& state, const Governance& governance) {
  out.family("switchyard_config_reloads_total", MetricType::Counter, "Configuration reloads by result.");
  out.sample({{"result", "success"}}, state.metrics.registry->reloads(true));
  out.sample({{"result", "failure"}}, state.metrics.registry->reloads(false));
  out.family("switchyard_log_lines_dropped_total", MetricType::Counter,
             "Log lines dropped because a thread's log buffer was full.");
  out.sample({}, observability::droppedLogLines());
  out.family("switchyard_audit_records_dropped_total", MetricType::Counter,
             "Audit records dropped because the store's queue was full.");
  out.sample({}, governance.store != nullptr ? governance.store->droppedAudit() : std::uint64_t{0});
  if (const OtlpExporter* tracing = governance.tracing) {  // only with an `otlp:` section
    out.family("switchyard_otlp_spans_exported_total", MetricType::Counter, "Spans the OTLP collector accepted.");
    out.sample({}, tracing->exported());
    out.family("switchyard_otlp_spans_dropped_total", MetricType::Counter,
               "Spans dropped: a worker's span buffer was full, or their export failed or was refused.");
    out.sample({}, tracing->dropped());
    out.family("switchyard_otlp_export_failures_total", MetricType::Counter,
               "OTLP export requests that failed (unreachable collector, timeout, non-2xx answer).");
    out.sample({}, tracing->failedExports());
  }
}

}  // namespace

std::string renderMetrics(const GatewayState& state, const Governance& governance) {
  PrometheusWriter out;
  writeRequests(out, state);
  writeTargets(out, state);
  writeGenAi(out, state);
  writeRoutes(out, state);
  writeEconomics(out, *state.economics);
  writeProcess(out, state, governance);
  return out.take();
}

http::Response metricsResponse(const GatewayState& state, const Governance& governance) {
  http::Response response{http::Status::ok, 11};
  response.set(boost::beast::http::field::content_type, observability::kPrometheusContentType);
  response.body() = renderMetrics(state, governance);
  return response;
}

}  // namespace switchyard::proxy
