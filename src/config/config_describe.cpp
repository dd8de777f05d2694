// The resolved routing table that `switchyard check` prints. Secrets are shown only as set/none;
// client and admin keys not even as their hashes (a hash of a short key can be brute-forced).
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "base/duration.h"
#include "config/address.h"
#include "config/config.h"
#include "config/governance_loader.h"

namespace switchyard::config {
namespace {

using base::formatDuration;

std::string hostPort(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

void describeProvider(std::ostringstream& out, const Provider& provider) {
  out << "  " << provider.name << "\n";
  out << "    kind        " << provider.kind;
  if (!provider.preset.empty()) out << " (preset " << provider.preset << ")";
  out << "\n";
  out << "    base_url    " << provider.base_url << "\n";
  if (provider.kind == "bedrock") {
    out << "    region      " << provider.region << "\n";
    out << "    aws keys    " << (provider.aws_access_key_id.empty() ? "none" : "set")
        << (provider.aws_session_token.empty() ? "" : " (with session token)") << "\n";
  } else {
    out << "    api_key     " << (provider.api_key.empty() ? "none" : "set") << "\n";
  }
  if (!provider.api_version.empty()) out << "    api_version " << provider.api_version << "\n";
  if (!provider.labels.empty()) {
    out << "    labels     ";
    for (const auto& [name, value] : provider.labels) out << " " << name << "=" << value;
    out << "\n";
  }
  if (!provider.compliance.empty()) {
    out << "    compliance ";
    for (const std::string& item : provider.compliance) out << " " << item;
    out << "\n";
  }
  if (!provider.ca_file.empty()) out << "    ca_file     " << provider.ca_file << "\n";
  if (provider.prefill != "auto") out << "    prefill     " << provider.prefill << "\n";
}

std::string joinNames(const std::vector<std::string>& names, const char* none) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined.empty() ? none : joined;
}

// 2.5 -> "2.5", 2000 -> "2000": as the user would write it.
std::string formatNumber(double value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

// "usd_per_day=50 tokens_per_month=1000000": the limits that are set, as config keys.
std::string describeBudget(const BudgetLimits& budget) {
  std::string text;
  const auto add = [&](const char* key, const std::string& value) {
    text += (text.empty() ? "" : " ") + std::string(key) + "=" + value;
  };
  if (budget.usd_per_day > 0) add("usd_per_day", formatNumber(budget.usd_per_day));
  if (budget.usd_per_month > 0) add("usd_per_month", formatNumber(budget.usd_per_month));
  if (budget.tokens_per_day > 0) add("tokens_per_day", std::to_string(budget.tokens_per_day));
  if (budget.tokens_per_month > 0) add("tokens_per_month", std::to_string(budget.tokens_per_month));
  return text.empty() ? "none" : text;
}

// "rpm=100 tpm=50000", the limits that are set; empty when neither is.
std::string describeRateLimits(const RateLimits& limits) {
  std::string text;
  if (limits.rpm > 0) text += "rpm=" + std::to_string(limits.rpm);
  if (limits.tpm > 0) text += (text.empty() ? "" : " ") + std::string("tpm=") + std::to_string(limits.tpm);
  return text;
}

// "price input=2.5 output=10 cached_input=1.25 weight=3 rpm=100 max_output_tokens=16384": what the
// config sets for a target beyond its id (prices in USD per 1M tokens); empty when nothing is set.
// The weight is shown when it is not 1, or always under strategy weighted.
std::string describeTargetSettings(const Target& target, bool weighted) {
  std::string text;
  const auto add = [&](const std::string& part) {
    if (!part.empty()) text += (text.empty() ? "" : " ") + part;
  };
  if (target.price) {
    add("price input=" + formatNumber(target.price->input) + " output=" + formatNumber(target.price->output) +
        (target.price->cached_input ? " cached_input=" + formatNumber(*target.price->cached_input) : ""));
  }
  if (weighted || target.weight != 1) add("weight=" + std::to_string(target.weight));
  add(describeRateLimits(target.limits));
  if (target.max_output_tokens > 0) add("max_output_tokens=" + std::to_string(target.max_output_tokens));
  if (target.context_window > 0) add("context_window=" + std::to_string(target.context_window));
  return text;
}

// "max_prompt_tokens=2000 stream=true header x-tier=gold keys=[team-a]"; "always" for an empty condition.
std::string describeCondition(const RuleCondition& when) {
  std::string text;
  const auto add = [&](const std::string& part) { text += (text.empty() ? "" : " ") + part; };
  const auto flag = [&](const char* key, const std::optional<bool>& value) {
    if (value) add(std::string(key) + "=" + (*value ? "true" : "false"));
  };
  if (when.min_prompt_tokens) add("min_prompt_tokens=" + std::to_string(*when.min_prompt_tokens));
  if (when.max_prompt_tokens) add("max_prompt_tokens=" + std::to_string(*when.max_prompt_tokens));
  flag("stream", when.stream);
  flag("tools", when.tools);
  flag("images", when.images);
  flag("json_mode", when.json_mode);
  for (const auto& [name, value] : when.headers) add("header " + name + "=" + value);
  std::string keys;
  for (const std::string& key : when.keys) keys += (keys.empty() ? "" : ", ") + key;
  if (!keys.empty()) add("keys=[" + keys + "]");
  std::string tags;
  for (const std::string& tag : when.key_tags) tags += (tags.empty() ? "" : ", ") + tag;
  if (!tags.empty()) add("key_tags=[" + tags + "]");
  return text.empty() ? "always" : text;
}

// "redact (detect: all)", "escalate to pii (detect: email, ssn; patterns: employee_id)".
std::string describePii(const PiiPolicy& pii) {
  std::string text(piiActionName(pii.action));
  if (pii.action == PiiAction::Escalate) text += " to " + pii.escalate_to;
  text += " (detect: " + joinNames(pii.detect, "all");
  if (!pii.patterns.empty()) {
    text += "; patterns:";
    for (const PiiPattern& pattern : pii.patterns) text += " " + pattern.name;
  }
  return text + ")";
}

// Unix seconds as RFC 3339 UTC, the form `expires:` accepts.
std::string formatTime(std::int64_t unix_seconds) {
  using namespace std::chrono;
  const sys_seconds time{seconds(unix_seconds)};
  const sys_days day = floor<days>(time);
  const year_month_day date(day);
  const hh_mm_ss<seconds> clock(time - day);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return text;
}

void describeAuth(std::ostringstream& out, const Config& config) {
  out << "auth     admin_keys=" << config.auth.admin_key_sha256_hex.size()
      << " anonymous=" << (config.anonymousAllowed() ? "yes" : "no");
  if (!config.auth.anonymous) {
    out << " (default: listen is " << (config.listensOnLoopback() ? "" : "not ") << "loopback)";
  }
  out << "\n";
  out << "store    sqlite=" << config.store.sqlite_path << "\n";
  const auto age = config.store.retention_max_age;
  out << "         retention max_age="
      << (age.count() == 0                ? std::string("unlimited")
          : age.count() % 86'400'000 == 0 ? std::to_string(age.count() / 86'400'000) + "d"
                                          : formatDuration(age))
      << " max_rows="
      << (config.store.retention_max_rows == 0 ? std::string("unlimited")
                                               : std::to_string(config.store.retention_max_rows))
      << "\n";
}

// Each class with the targets (of any route) whose provider satisfies it.
void describeDataClass(std::ostringstream& out, const Config& config, const DataClass& data_class) {
  out << "  " << data_class.name << "\n";
  out << "    needs       " << describeRequirements(data_class) << "\n";
  std::vector<std::string> targets;
  for (const Route& route : config.routes) {
    for (const Target& target : route.targets) {
      const Provider* provider = config.findProvider(target.provider);
      const std::string id = target.id();
      if (provider == nullptr || !satisfies(*provider, data_class)) continue;
      if (std::find(targets.begin(), targets.end(), id) == targets.end()) targets.push_back(id);
    }
  }
  out << "    targets     " << joinNames(targets, "none (its requests are refused)") << "\n";
}

// Never the secret nor its hash.
void describeKey(std::ostringstream& out, const ClientKey& key) {
  out << "  " << key.name << "\n";
  out << "    routes      " << joinNames(key.routes, "all") << "\n";
  out << "    classes     " << joinNames(key.data_classes, "none") << "\n";
  if (key.pii.action != PiiAction::None) out << "    pii         " << describePii(key.pii) << "\n";
  out << "    expires     " << (key.expires_at ? formatTime(*key.expires_at) : "never") << "\n";
  out << "    enabled     " << (key.enabled ? "yes" : "no") << "\n";
  if (key.budget.any()) out << "    budget      " << describeBudget(key.budget) << "\n";
  if (const std::string limits = describeRateLimits(key.limits); !limits.empty()) {
    out << "    limits      " << limits << "\n";
  }
  if (!key.tags.empty()) out << "    tags        " << joinNames(key.tags, "none") << "\n";
}

void describeBudgets(std::ostringstream& out, const Config& config) {
  const Config::Budgets& budgets = config.budgets;
  if (!budgets.gateway.any() && budgets.routes.empty()) return;
  out << "\nbudgets\n";
  out << "  gateway     " << describeBudget(budgets.gateway) << "\n";
  for (const auto& [route, budget] : budgets.routes) {
    out << "  route " << route << "  " << describeBudget(budget) << "\n";
  }
}

void describeRoute(std::ostringstream& out, const Config& config, const Route& route) {
  out << "  " << route.name << " (" << route.strategy << ")\n";
  const bool weighted = route.strategy == "weighted";
  int position = 1;
  for (const Target& target : route.targets) {
    out << "    " << position++ << ". " << target.id();
    if (const Provider* provider = config.findProvider(target.provider)) {
      out << " -> " << chatUrl(*provider, target.model);
    }
    out << "\n";
    const std::string settings = describeTargetSettings(target, weighted);
    if (!settings.empty()) out << "       " << settings << "\n";
  }
  if (route.max_cost_ratio > 0) {
    out << "    max_cost    " << formatNumber(route.max_cost_ratio)
        << "x the first target's price (dearer fallbacks are skipped)\n";
  }
  // One line per rule: its conditions and its targets (with their settings, if any).
  position = 1;
  for (const RouteRule& rule : route.rules) {
    out << (position == 1 ? "    rules       " : "                ") << position << ". "
        << describeCondition(rule.when) << " ->";
    const char* separator = " ";
    for (const Target& target : rule.targets) {
      out << separator << target.id();
      if (const std::string settings = describeTargetSettings(target, weighted); !settings.empty()) {
        out << " (" << settings << ")";
      }
      separator = ", ";
    }
    out << "\n";
    ++position;
  }
  const RetryPolicy& retry = route.retry;
  out << "    retry       max_attempts=" << retry.max_attempts
      << " backoff_base=" << formatDuration(retry.backoff_base)
      << " backoff_max=" << formatDuration(retry.backoff_max)
      << " retry_after_max=" << formatDuration(retry.retry_after_max);
  if (retry.same_target > 0) {
    out << " same_target=" << retry.same_target
        << " same_target_wait_max=" << formatDuration(retry.same_target_wait_max);
  }
  out << "\n";
  if (!route.mid_stream_failover || route.best_effort_continuation) {
    out << "    mid_stream  " << (route.best_effort_continuation ? "best_effort" : "off") << "\n";
  }
  const Timeouts& timeouts = route.timeouts;
  out << "    timeouts    attempt=" << formatDuration(timeouts.attempt)
      << " first_token=" << formatDuration(timeouts.first_token)
      << " inter_token=" << formatDuration(timeouts.inter_token)
      << " total=" << formatDuration(timeouts.total) << "\n";
  if (!route.data_classes.empty()) out << "    classes     " << joinNames(route.data_classes, "none") << "\n";
  if (route.pii.action != PiiAction::None) out << "    pii         " << describePii(route.pii) << "\n";
}

}  // namespace

std::string describe(const Config& config) {
  std::ostringstream out;
  out << "listen   " << hostPort(config.listen_host, config.listen_port)
      << (config.listen_port == 0 ? " (any free port)" : "") << "\n";
  out << "workers  ";
  if (config.workers == 0) {
    out << "one per core\n";
  } else {
    out << config.workers << "\n";
  }
  out << "limits   max_body_bytes=" << config.limits.max_body_bytes
      << " max_header_bytes=" << config.limits.max_header_bytes
      << " idle_timeout=" << formatDuration(config.limits.idle_timeout)
      << " max_connections=" << config.limits.max_connections
      << " client_write_timeout=" << formatDuration(config.limits.client_write_timeout) << "\n"
      << "         max_response_bytes=" << config.limits.max_response_bytes
      << " max_event_bytes=" << config.limits.max_event_bytes
      << " max_resume_bytes=" << config.limits.max_resume_bytes
      << " shutdown_grace=" << formatDuration(config.shutdown_grace) << "\n";
  describeAuth(out, config);

  out << "\nproviders (" << config.providers.size() << ")\n";
  for (const Provider& provider : config.providers) describeProvider(out, provider);

  out << "\nroutes (" << config.routes.size() << ")\n";
  for (const Route& route : config.routes) describeRoute(out, config, route);

  if (!config.data_classes.empty()) {
    out << "\ndata classes (" << config.data_classes.size() << ")\n";
    for (const DataClass& data_class : config.data_classes) describeDataClass(out, config, data_class);
  }
  if (!config.keys.empty()) {
    out << "\nkeys (" << config.keys.size() << ")\n";
    for (const ClientKey& key : config.keys) describeKey(out, key);
  }
  describeBudgets(out, config);
  return out.str();
}

}  // namespace switchyard::config
