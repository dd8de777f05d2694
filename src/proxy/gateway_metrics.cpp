#include "proxy/gateway_metrics.h"

#include <algorithm>
#include <set>

#include "proxy/upstream_attempt.h"

namespace switchyard::proxy {

namespace {

constexpr std::string_view kOutcomeNames[kRequestOutcomes] = {"ok",     "failed_over", "client_error", "incomplete",
                                                              "failed", "client_gone", "refused"};

std::uint64_t nanos(std::chrono::steady_clock::duration duration) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count(), 0));
}

}  // namespace

std::string_view outcomeName(RequestOutcome outcome) { return kOutcomeNames[static_cast<std::size_t>(outcome)]; }

RequestOutcome outcomeOf(std::string_view name) {
  for (std::size_t i = 0; i < kRequestOutcomes; ++i) {
    if (kOutcomeNames[i] == name) return static_cast<RequestOutcome>(i);
  }
  return RequestOutcome::Refused;
}

std::size_t RequestCounts::cell(int status, RequestOutcome outcome) {
  const std::size_t status_class = static_cast<std::size_t>(std::clamp(status / 100, 1, 5) - 1);
  return status_class * kRequestOutcomes + static_cast<std::size_t>(outcome);
}

KeyUsageTable::~KeyUsageTable() {
  for (auto& slot : slots_) delete slot.load(std::memory_order_relaxed);
}

KeyUsage& KeyUsageTable::find(std::string_view key) {
  const std::size_t hash = std::hash<std::string_view>{}(key);
  for (std::size_t probe = 0; probe < kCapacity; ++probe) {
    auto& slot = slots_[(hash + probe) % kCapacity];
    KeyUsage* entry = slot.load(std::memory_order_acquire);
    if (entry == nullptr) {
      // The key's first spend at this target: the only allocation a key ever costs here.
      auto fresh = std::make_unique<KeyUsage>(key);
      if (slot.compare_exchange_strong(entry, fresh.get(), std::memory_order_acq_rel, std::memory_order_acquire)) {
        return *fresh.release();
      }
      // Another thread filled the slot first: `entry` is its entry.
    }
    if (entry->key == key) return *entry;
  }
  return overflow_;
}

TargetMetrics::TargetMetrics(std::string target_id, std::string provider, std::string target_model)
    : id(std::move(target_id)), provider_name(std::move(provider)), model(std::move(target_model)) {}

void TargetMetrics::attempt(const AttemptOutcome& outcome, std::chrono::steady_clock::time_point started,
                            std::chrono::steady_clock::time_point ended) {
  const bool gone = outcome.kind == AttemptOutcome::Kind::ClientGone;
  attempts.add(gone ? kClientGoneCell : static_cast<std::size_t>(outcome.failure));
  if (gone || outcome.kind != AttemptOutcome::Kind::Delivered || outcome.failure != base::FailureKind::None) return;
  duration.observe(nanos(ended - started));
  if (outcome.first_token_at != std::chrono::steady_clock::time_point{}) {
    first_token.observe(nanos(outcome.first_token_at - started));
  }
}

void TargetMetrics::usage(std::string_view key, const canonical::Usage& usage, std::int64_t cost_nano_usd) {
  const auto input = static_cast<std::uint64_t>(std::max<std::int64_t>(usage.input_tokens, 0));
  const auto output = static_cast<std::uint64_t>(std::max<std::int64_t>(usage.output_tokens, 0));
  input_tokens.observe(input);
  output_tokens.observe(output);
  KeyUsage& spent = keys.find(key);
  spent.cells.add(KeyUsage::InputTokens, input);
  spent.cells.add(KeyUsage::OutputTokens, output);
  spent.cells.add(KeyUsage::CostNanoUsd, static_cast<std::uint64_t>(std::max<std::int64_t>(cost_nano_usd, 0)));
}

void TargetMetrics::tokenGap(std::chrono::steady_clock::duration gap, std::uint64_t together) {
  token_gap.observe(nanos(gap));
  if (together > 0) token_gap.observe(0, together);
}

std::shared_ptr<TargetMetrics> MetricsRegistry::target(const std::string& id, const std::string& provider_name,
                                                       const std::string& model) {
  const std::lock_guard lock(mutex_);
  auto& entry = targets_[id];
  if (!entry) entry = std::make_shared<TargetMetrics>(id, provider_name, model);
  return entry;
}

std::shared_ptr<RouteMetrics> MetricsRegistry::route(const std::string& name) {
  const std::lock_guard lock(mutex_);
  auto& entry = routes_[name];
  if (!entry) entry = std::make_shared<RouteMetrics>(name);
  return entry;
}

std::shared_ptr<RequestCounts> MetricsRegistry::served(const std::string& route, const std::string& target) {
  const std::lock_guard lock(mutex_);
  auto& entry = served_[{route, target}];
  if (!entry) entry = std::make_shared<RequestCounts>();
  return entry;
}

std::string genAiProviderName(const config::Provider& provider) {
  if (provider.kind == "gemini") return "gcp.gemini";
  if (provider.kind == "bedrock") return "aws.bedrock";
  if (provider.kind == "azure") return "azure.ai.openai";
  if (provider.kind == "openai" && !provider.preset.empty()) {
    if (provider.preset == "mistral") return "mistral_ai";
    if (provider.preset == "xai") return "x_ai";
    return provider.preset;
  }
  return provider.kind;
}

GatewayMetrics::GatewayMetrics(const config::Config& config, const routing::RouteTable& table,
                               std::shared_ptr<MetricsRegistry> carried)
    : registry(carried ? std::move(carried) : std::make_shared<MetricsRegistry>()) {
  for (const auto& target : table.healthTargets()) {
    targets.push_back(registry->target(target.id, genAiProviderName(config.providers[target.provider]), target.model));
  }
  served.resize(table.targets().size());
  for (const auto& route : table.routes()) {
    routes.push_back(registry->route(route.name));
    auto& distinct = route_targets.emplace_back();
    std::set<std::string_view> seen;
    const auto add = [&](const routing::TargetRef& target) {
      served[target.slot] = registry->served(route.name, target.id);
      if (seen.insert(target.id).second) distinct.emplace_back(target.id, served[target.slot]);
    };
    for (const auto& target : route.targets) add(target);
    for (const auto& rule : route.rules) {
      for (const auto& target : rule.spec.targets) add(target);
    }
  }
}

RequestMeter::~RequestMeter() {
  if (route_ == nullptr) return;
  route_->add(RouteMetrics::InFlightRequests, -1);
  if (stream_) route_->add(RouteMetrics::InFlightStreams, -1);
}

void RequestMeter::routed(std::size_t route_index, bool stream) {
  route_ = metrics_.routes[route_index].get();
  stream_ = stream;
  route_->add(RouteMetrics::InFlightRequests);
  if (stream_) route_->add(RouteMetrics::InFlightStreams);
}

void RequestMeter::end(std::string_view outcome, int status, const routing::TargetRef* served) {
  if (ended_) return;
  ended_ = true;
  const RequestOutcome kind = outcomeOf(outcome);
  if (served != nullptr) {
    metrics_.served[served->slot]->add(status, kind);
  } else if (route_ != nullptr) {
    route_->unserved.add(status, kind);
  } else {
    metrics_.registry->unrouted().add(status, kind);
  }
}

}  // namespace switchyard::proxy
