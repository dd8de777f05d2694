// YAML text -> validated Config. The schema lives here; yaml_reader.cpp does the typed reads.
#include <algorithm>
#include <cctype>
#include <array>
#include <filesystem>
#include <limits>

#include "base/duration.h"
#include "config/address.h"
#include "config/config.h"
#include "config/economics_loader.h"
#include "config/governance_loader.h"
#include "config/provider_kinds.h"
#include "config/yaml_reader.h"

namespace switchyard::config {
namespace {

constexpr std::array<std::string_view, 4> kStrategies{"fallback", "cheapest", "fastest", "weighted"};
constexpr std::array<std::string_view, 4> kDiversities{"none", "provider", "cloud", "region"};
constexpr std::int64_t kMaxWorkers = 1024;
constexpr std::int64_t kMaxSize = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMaxAttemptsLimit = std::numeric_limits<int>::max();

template <std::size_t N>
std::string joinNames(const std::array<std::string_view, N>& names) {
  std::string joined;
  for (std::string_view name : names) joined += (joined.empty() ? "" : ", ") + std::string(name);
  return joined;
}

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// A target as written, checked against the providers once the whole file has been read
// (routes may come before providers).
struct PendingTarget {
  std::string provider;
  Field field;
};

class ConfigParser {
 public:
  ConfigParser(YamlReader& reader, std::filesystem::path base_dir)
      : reader_(reader),
        base_dir_(std::move(base_dir)),
        governance_(reader_, base_dir_, config_),
        economics_(reader_, config_, [this](const std::string& provider, const Field& item) {
          pending_targets_.push_back({provider, item});
        }) {}

  Config parse(const Field& root) {
    reader_.forEachEntry(root,
                         {"listen", "workers", "limits", "shutdown_grace", "resilience", "providers", "routes",
                          "data_classes", "keys", "auth", "store", "budgets", "incidents", "otlp"},
                         [&](const Field& field) { readTopLevel(field); });
    checkTargets();
    governance_.finish();  // after checkTargets: its warnings look at the targets' providers
    economics_.finish();
    return std::move(config_);
  }

 private:
  void readTopLevel(const Field& field) {
    if (field.key == "incidents") {
      reader_.forEachEntry(field, {"webhook"}, [&](const Field& entry) { readIncidentWebhook(entry); });
    } else if (field.key == "otlp") {
      readOtlp(field);
    } else if (field.key == "listen") {
      readListen(field);
    } else if (field.key == "workers") {
      if (auto workers = reader_.readInteger(field, 0, kMaxWorkers)) {
        config_.workers = static_cast<int>(*workers);
      }
    } else if (field.key == "limits") {
      reader_.forEachEntry(field,
                           {"max_body_bytes", "max_header_bytes", "idle_timeout", "max_connections",
                            "client_write_timeout", "max_response_bytes", "max_event_bytes", "max_resume_bytes"},
                           [&](const Field& limit) { readLimit(limit, config_.limits); });
    } else if (field.key == "shutdown_grace") {
      if (auto grace = reader_.readDuration(field, true)) config_.shutdown_grace = *grace;
    } else if (field.key == "resilience") {
      reader_.forEachEntry(field, {"breaker", "retry_budget"}, [&](const Field& part) {
        if (part.key == "breaker") readBreaker(part, config_.resilience.breaker);
        else readRetryBudget(part, config_.resilience.retry_budget);
      });
    } else if (field.key == "providers") {
      reader_.forEachEntry(field, [&](const Field& provider) { readProvider(provider); });
    } else if (field.key == "routes") {
      reader_.forEachEntry(field, [&](const Field& route) { readRoute(route); });
    } else if (!economics_.readTopLevel(field)) {  // budgets
      governance_.readTopLevel(field);             // data_classes, keys, auth, store
    }
  }

  // A key whose value the user must give: "kind:" with nothing after it is reported, not defaulted.
  std::optional<std::string> readRequiredString(const Field& field) {
    if (reader_.isNull(field)) {
      reader_.fail(field, "must not be empty");
      return std::nullopt;
    }
    return reader_.readString(field);
  }

  // As readRequiredString, for a value that reaches an upstream request head (YamlReader::readHeadValue).
  std::optional<std::string> readRequiredHead(const Field& field, bool allow_spaces = true) {
    if (reader_.isNull(field)) {
      reader_.fail(field, "must not be empty");
      return std::nullopt;
    }
    return reader_.readHeadValue(field, allow_spaces);
  }

  // Provider and route names end up in the x-switchyard-route/-target response headers.
  void checkName(const Field& node) {
    const bool control = std::any_of(node.key.begin(), node.key.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
    });
    if (!control) return;
    // Named by its parent ("providers"): the name itself is what cannot be printed.
    const std::size_t parent_size = node.path.size() - std::min(node.path.size(), node.key.size() + 1);
    reader_.fail(node.line, node.path.substr(0, parent_size), "a name cannot contain control characters");
  }

  void readListen(const Field& field) {
    if (field.node.IsSequence()) {
      reader_.fail(field, "expected HOST:PORT, got a list (quote IPv6 addresses: \"[::1]:8080\")");
      return;
    }
    const std::optional<std::string> text = readRequiredString(field);
    if (!text) return;
    const ListenParse parsed = parseListenAddress(*text);
    if (!parsed.error.empty()) {
      reader_.fail(field, parsed.error);
      return;
    }
    config_.listen_host = parsed.address.host;
    config_.listen_port = parsed.address.port;
  }

  void readBreaker(const Field& node, BreakerSettings& breaker) {
    reader_.forEachEntry(node,
                         {"consecutive_failures", "failure_rate", "min_requests", "window", "open", "open_max",
                          "half_open_probes", "probes_to_close"},
                         [&](const Field& field) {
                           if (field.key == "failure_rate") {
                             if (auto rate = reader_.readNumber(field, 0.01, 1.0)) breaker.failure_rate = *rate;
                           } else if (field.key == "window" || field.key == "open" || field.key == "open_max") {
                             auto& slot = field.key == "window" ? breaker.window
                                          : field.key == "open" ? breaker.open : breaker.open_max;
                             if (auto value = reader_.readDuration(field, false)) slot = *value;
                           } else if (auto count = reader_.readInteger(field, 1, 1'000'000)) {
                             auto& slot = field.key == "consecutive_failures" ? breaker.consecutive_failures
                                          : field.key == "min_requests"       ? breaker.min_requests
                                          : field.key == "half_open_probes"   ? breaker.half_open_probes
                                                                              : breaker.probes_to_close;
                             slot = static_cast<int>(*count);
                           }
                         });
    if (breaker.open > breaker.open_max) {
      reader_.fail(node, "open " + base::formatDuration(breaker.open) + " is greater than open_max " +
                             base::formatDuration(breaker.open_max));
    }
  }

  void readRetryBudget(const Field& node, RetryBudgetSettings& budget) {
    reader_.forEachEntry(node, {"ratio", "min_per_second", "window"}, [&](const Field& field) {
      if (field.key == "ratio") {
        if (auto ratio = reader_.readNumber(field, 0.0, 100.0)) budget.ratio = *ratio;
      } else if (field.key == "min_per_second") {
        if (auto count = reader_.readInteger(field, 0, 1'000'000)) budget.min_per_second = static_cast<int>(*count);
      } else if (auto window = reader_.readDuration(field, false)) {
        budget.window = *window;
      }
    });
  }

  void readHealthCheck(const Field& node, Provider::HealthCheck& check) {
    check.enabled = true;  // "health_check: {}" turns it on with the defaults
    reader_.forEachEntry(node, {"enabled", "interval", "timeout"}, [&](const Field& field) {
      if (field.key == "enabled") {
        if (auto enabled = reader_.readBool(field)) check.enabled = *enabled;
      } else if (auto value = reader_.readDuration(field, false)) {
        (field.key == "interval" ? check.interval : check.timeout) = *value;
      }
    });
  }

  void readHedge(const Field& node, HedgePolicy& hedge) {
    hedge.enabled = true;
    reader_.forEachEntry(node, {"enabled", "delay", "max_ratio"}, [&](const Field& field) {
      if (field.key == "enabled") {
        if (auto enabled = reader_.readBool(field)) hedge.enabled = *enabled;
      } else if (field.key == "max_ratio") {
        if (auto ratio = reader_.readNumber(field, 0.0, 1.0)) hedge.max_ratio = *ratio;
      } else if (auto text = reader_.readString(field)) {
        if (*text == "p95") {
          hedge.delay_is_p95 = true;
        } else if (auto delay = reader_.readDuration(field, false)) {
          hedge.delay = *delay;
        }
      }
    });
    if (hedge.enabled && !hedge.delay_is_p95 && hedge.delay.count() == 0) {
      reader_.fail(node, "hedge needs a delay: a duration (e.g. 500ms) or p95");
    }
  }

  void readLimit(const Field& field, Limits& limits) {
    if (field.key == "idle_timeout" || field.key == "client_write_timeout") {
      if (auto timeout = reader_.readDuration(field, false)) {
        (field.key == "idle_timeout" ? limits.idle_timeout : limits.client_write_timeout) = *timeout;
      }
      return;
    }
    const std::optional<std::int64_t> value = reader_.readInteger(field, 1, kMaxSize);
    if (!value) return;
    const auto size = static_cast<std::size_t>(*value);
    if (field.key == "max_body_bytes") limits.max_body_bytes = size;
    else if (field.key == "max_header_bytes") limits.max_header_bytes = size;
    else if (field.key == "max_connections") limits.max_connections = size;
    else if (field.key == "max_response_bytes") limits.max_response_bytes = size;
    else if (field.key == "max_event_bytes") limits.max_event_bytes = size;
    else limits.max_resume_bytes = size;
  }

  void readProvider(const Field& node) {
    Provider provider;
    provider.name = node.key;
    provider.line = node.line;
    provider_names_.push_back(node.key);
    checkName(node);
    if (node.key.empty() || node.key.find('/') != std::string::npos) {
      reader_.fail(node,
                   "a provider name must be non-empty and cannot contain '/' "
                   "(targets are PROVIDER/MODEL)");
    }
    const auto seen = reader_.forEachEntry(
        node,
        {"kind", "base_url", "api_key", "api_version", "region", "aws_access_key_id",
         "aws_secret_access_key", "aws_session_token", "labels", "compliance", "ca_file", "health_check", "prefill"},
        [&](const Field& field) { readProviderField(field, provider); });
    if (!seen) return;
    reader_.requireKeys(node, *seen, {"kind"}, "one of: " + providerKindNames());
    if (!provider.kind.empty()) checkKindFields(node, *seen, provider);
    config_.providers.push_back(std::move(provider));
  }

  // What each kind needs and allows, and the defaults it brings (base_url, api_version).
  void checkKindFields(const Field& node, const std::set<std::string>& seen, Provider& provider) {
    const auto has = [&](std::string_view key) { return seen.count(std::string(key)) > 0; };
    const ProviderKind* kind = findProviderKind(provider.preset.empty() ? provider.kind : provider.preset);
    const bool bedrock = provider.kind == "bedrock";
    for (std::string_view key : {"region", "aws_access_key_id", "aws_secret_access_key", "aws_session_token"}) {
      if (has(key) && !bedrock) reader_.fail(node, "'" + std::string(key) + "' applies only to kind bedrock");
    }
    if (has("api_version") && provider.kind != "azure" && provider.kind != "anthropic") {
      reader_.fail(node, "'api_version' applies only to kinds azure and anthropic");
    }
    if (bedrock) {
      reader_.requireKeys(node, seen, {"region"}, "e.g. us-east-1");
      reader_.requireKeys(node, seen, {"aws_access_key_id", "aws_secret_access_key"},
                          "e.g. ${AWS_ACCESS_KEY_ID}");
      if (!has("base_url") && !provider.region.empty()) {
        setBaseUrl(node, bedrockBaseUrl(provider.region), provider);
      }
    } else if (!has("base_url")) {
      if (kind->default_base_url.empty()) {
        reader_.requireKeys(node, seen, {"base_url"}, "e.g. https://RESOURCE.openai.azure.com");
      } else {
        setBaseUrl(node, std::string(kind->default_base_url), provider);
      }
    }
    if (provider.api_version.empty()) {
      if (provider.kind == "azure") provider.api_version = kDefaultAzureApiVersion;
      if (provider.kind == "anthropic") provider.api_version = kDefaultAnthropicVersion;
    }
  }

  void setBaseUrl(const Field& node, const std::string& url, Provider& provider) {
    EndpointParse parsed = parseBaseUrl(url);
    if (!parsed.error.empty()) {
      reader_.fail(node, "default base_url: " + parsed.error);
      return;
    }
    provider.base_url = url;
    provider.endpoint = std::move(parsed.endpoint);
  }

  void readProviderField(const Field& field, Provider& provider) {
    if (field.key == "kind") {
      readKind(field, provider);
    } else if (field.key == "base_url") {
      readBaseUrl(field, provider);
    } else if (field.key == "api_key") {
      provider.api_key = reader_.readHeadValue(field).value_or("");  // "api_key:" alone means none
    } else if (field.key == "api_version") {
      provider.api_version = readRequiredHead(field, false).value_or("");
    } else if (field.key == "region") {
      provider.region = readRequiredHead(field, false).value_or("");
    } else if (field.key == "aws_access_key_id") {
      provider.aws_access_key_id = readRequiredHead(field, false).value_or("");
    } else if (field.key == "aws_secret_access_key") {
      provider.aws_secret_access_key = readRequiredHead(field, false).value_or("");
    } else if (field.key == "aws_session_token") {
      provider.aws_session_token = reader_.readHeadValue(field, false).value_or("");
    } else if (field.key == "health_check") {
      readHealthCheck(field, provider.health_check);
    } else if (field.key == "prefill") {
      readPrefill(field, provider);
    } else if (field.key == "labels") {
      if (auto labels = reader_.readStringMap(field)) provider.labels = std::move(*labels);
    } else if (field.key == "compliance") {
      if (auto compliance = reader_.readStringList(field))
        provider.compliance = std::move(*compliance);
    } else {
      readCaFile(field, provider);
    }
  }

  // true | false | trailing_assistant | continue_final_message | prefix
  void readPrefill(const Field& field, Provider& provider) {
    const std::optional<std::string> value = readRequiredString(field);
    if (!value) return;
    static constexpr std::string_view kWays[] = {"true", "false", "trailing_assistant", "continue_final_message",
                                                 "prefix"};
    if (std::find(std::begin(kWays), std::end(kWays), *value) == std::end(kWays)) {
      reader_.fail(field, "unknown prefill '" + *value +
                              "' (allowed: true, false, trailing_assistant, continue_final_message, prefix)");
      return;
    }
    provider.prefill = *value;
  }

  void readKind(const Field& field, Provider& provider) {
    const std::optional<std::string> kind = readRequiredString(field);
    if (!kind) return;
    const ProviderKind* known = findProviderKind(*kind);
    if (known == nullptr) {
      reader_.fail(field, "unknown kind '" + *kind + "' (allowed kinds: " + providerKindNames() + ")");
      return;
    }
    provider.kind = std::string(known->wire);
    if (known->wire != known->name) provider.preset = *kind;
  }

  void readIncidentWebhook(const Field& field) {
    const std::optional<std::string> url = readRequiredHead(field, false);
    if (!url) return;
    if (!url->starts_with("http://") && !url->starts_with("https://")) {
      reader_.fail(field, "the webhook must be an http:// or https:// URL, e.g. https://hooks.example.com/switchyard");
      return;
    }
    EndpointParse parsed = parseBaseUrl(*url);
    if (!parsed.error.empty()) {
      reader_.fail(field, parsed.error);
      return;
    }
    config_.incidents.webhook = *url;
    config_.incidents.webhook_endpoint = std::move(parsed.endpoint);
  }

  // `otlp: {endpoint, headers, sample, interval, timeout}`. The endpoint is the collector's base URL
  // (as OTEL_EXPORTER_OTLP_ENDPOINT): spans go to its path + "/v1/traces", unless it already ends so.
  void readOtlp(const Field& field) {
    OtlpSettings& otlp = config_.otlp;
    const auto seen = reader_.forEachEntry(
        field, {"endpoint", "headers", "sample", "interval", "timeout"}, [&](const Field& entry) {
          if (entry.key == "endpoint") {
            const std::optional<std::string> url = readRequiredHead(entry, false);
            if (!url) return;
            EndpointParse parsed = parseBaseUrl(*url);
            if (!url->starts_with("http://") && !url->starts_with("https://")) {
              reader_.fail(entry, "the endpoint must be an http:// or https:// URL, e.g. http://127.0.0.1:4318");
            } else if (!parsed.error.empty()) {
              reader_.fail(entry, parsed.error);
            } else {
              otlp.endpoint = *url;
              otlp.target = std::move(parsed.endpoint);
              if (!otlp.target.base_path.ends_with("/v1/traces")) otlp.target.base_path += "/v1/traces";
            }
          } else if (entry.key == "headers") {
            reader_.forEachEntry(entry, [&](const Field& header) {
              if (!isHeaderName(header.key)) {
                reader_.fail(header, "is not a valid HTTP header name");
                return;
              }
              if (auto value = readRequiredHead(header)) otlp.headers.emplace_back(header.key, std::move(*value));
            });
          } else if (entry.key == "sample") {
            if (auto ratio = reader_.readNumber(entry, 0.0, 1.0)) otlp.sample = *ratio;
          } else if (auto value = reader_.readDuration(entry, false)) {
            (entry.key == "interval" ? otlp.interval : otlp.timeout) = *value;
          }
        });
    if (seen && !seen->contains("endpoint")) reader_.fail(field, "needs an endpoint, e.g. endpoint: http://127.0.0.1:4318");
  }

  // RFC 9110 token characters.
  static bool isHeaderName(std::string_view name) {
    if (name.empty()) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
  }

  void readBaseUrl(const Field& field, Provider& provider) {
    const std::optional<std::string> url = readRequiredHead(field);
    if (!url) return;
    EndpointParse parsed = parseBaseUrl(*url);
    if (!parsed.error.empty()) {
      reader_.fail(field, parsed.error);
      return;
    }
    provider.base_url = *url;
    provider.endpoint = std::move(parsed.endpoint);
  }

  // Relative paths are relative to the config file, so a config and its certificates move together.
  void readCaFile(const Field& field, Provider& provider) {
    const std::optional<std::string> written = reader_.readString(field);
    if (!written || written->empty()) return;
    std::filesystem::path path(*written);
    if (path.is_relative()) path = base_dir_ / path;
    std::string shown = "'" + *written + "'";
    if (path.string() != *written) shown += " (resolved to '" + path.string() + "')";
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
      reader_.fail(field, "file " + shown + " does not exist");
    } else if (!std::filesystem::is_regular_file(path, error)) {
      reader_.fail(field, shown + " is not a regular file");
    } else {
      provider.ca_file = path.string();
    }
  }

  void readRoute(const Field& node) {
    Route route;
    route.name = node.key;
    route.line = node.line;
    if (node.key.empty()) reader_.fail(node, "a route name must be non-empty");
    checkName(node);
    bool max_attempts_set = false;
    std::optional<Field> strategy_field;
    const auto seen = reader_.forEachEntry(
        node,
        {"strategy", "targets", "retry", "timeouts", "diversity", "hedge", "mid_stream_failover", "data_class", "pii",
         "max_cost_ratio", "rules"},
        [&](const Field& field) {
          if (governance_.readRouteField(field, route)) return;  // data_class, pii
          if (economics_.readRouteField(field, route)) return;   // targets, max_cost_ratio, rules
          if (field.key == "strategy") {
            strategy_field.emplace(field);
            readStrategy(field, route);
          } else if (field.key == "diversity") {
            if (auto diversity = readRequiredString(field)) {
              if (contains(kDiversities, *diversity)) {
                route.diversity = *diversity;
              } else {
                reader_.fail(field, "unknown diversity '" + *diversity + "' (allowed: " + joinNames(kDiversities) + ")");
              }
            }
          } else if (field.key == "hedge") {
            readHedge(field, route.hedge);
          } else if (field.key == "mid_stream_failover") {
            readMidStreamFailover(field, route);
          } else if (field.key == "retry") {
            max_attempts_set = readRetry(field, route.retry);
          } else {
            reader_.forEachEntry(
                field, {"attempt", "first_token", "inter_token", "total"},
                [&](const Field& timeout) { readTimeout(timeout, route.timeouts); });
          }
        });
    if (!seen) return;
    reader_.requireKeys(node, *seen, {"targets"}, "a list of PROVIDER/MODEL");
    economics_.finishRoute(strategy_field ? &*strategy_field : nullptr, route);
    if (!max_attempts_set) {  // enough for every target of the longest list a request may get
      std::size_t targets = route.targets.size();
      for (const RouteRule& rule : route.rules) targets = std::max(targets, rule.targets.size());
      route.retry.max_attempts = std::max(kDefaultMaxAttempts, static_cast<int>(targets));
    }
    config_.routes.push_back(std::move(route));
  }

  // true | false | best_effort
  void readMidStreamFailover(const Field& field, Route& route) {
    const std::optional<std::string> value = readRequiredString(field);
    if (!value) return;
    if (*value == "best_effort") {
      route.mid_stream_failover = true;
      route.best_effort_continuation = true;
    } else if (*value == "true" || *value == "false") {
      route.mid_stream_failover = *value == "true";
    } else {
      reader_.fail(field, "must be true, false or best_effort");
    }
  }

  void readStrategy(const Field& field, Route& route) {
    const std::optional<std::string> strategy = readRequiredString(field);
    if (!strategy) return;
    if (!contains(kStrategies, *strategy)) {
      reader_.fail(field, "unknown strategy '" + *strategy +
                              "' (allowed strategies: " + joinNames(kStrategies) + ")");
      return;
    }
    route.strategy = *strategy;
  }

  // Returns whether max_attempts was given, since its default depends on the number of targets.
  bool readRetry(const Field& node, RetryPolicy& retry) {
    bool max_attempts_set = false;
    int blame_line = node.line;  // where to report backoff_base > backoff_max
    std::string blame_path = node.path + ".backoff_base";
    reader_.forEachEntry(node,
                         {"max_attempts", "backoff_base", "backoff_max", "retry_after_max", "same_target",
                          "same_target_wait_max"},
                         [&](const Field& field) {
                           if (field.key == "same_target") {
                             if (auto count = reader_.readInteger(field, 0, kMaxAttemptsLimit)) {
                               retry.same_target = static_cast<int>(*count);
                             }
                             return;
                           }
                           if (field.key == "max_attempts") {
                             max_attempts_set = true;
                             if (auto attempts = reader_.readInteger(field, 1, kMaxAttemptsLimit)) {
                               retry.max_attempts = static_cast<int>(*attempts);
                             }
                             return;
                           }
                           const std::optional<Millis> value = reader_.readDuration(field, true);
                           if (!value) return;
                           if (field.key == "retry_after_max") {
                             retry.retry_after_max = *value;
                             return;
                           }
                           if (field.key == "same_target_wait_max") {
                             retry.same_target_wait_max = *value;
                             return;
                           }
                           (field.key == "backoff_base" ? retry.backoff_base : retry.backoff_max) =
                               *value;
                           // The later of the two is where the user wrote the conflict.
                           blame_line = field.line;
                           blame_path = field.path;
                         });
    if (retry.backoff_base > retry.backoff_max) {
      reader_.fail(blame_line, blame_path,
                   "backoff_base " + base::formatDuration(retry.backoff_base) +
                       " is greater than backoff_max " + base::formatDuration(retry.backoff_max));
    }
    return max_attempts_set;
  }

  void readTimeout(const Field& field, Timeouts& timeouts) {
    const std::optional<Millis> value = reader_.readDuration(field, false);
    if (!value) return;
    if (field.key == "attempt") {
      timeouts.attempt = *value;
    } else if (field.key == "first_token") {
      timeouts.first_token = *value;
    } else if (field.key == "inter_token") {
      timeouts.inter_token = *value;
    } else {
      timeouts.total = *value;
    }
  }

  void checkTargets() {
    std::string known;
    for (const std::string& name : provider_names_) known += (known.empty() ? "" : ", ") + name;
    for (const PendingTarget& target : pending_targets_) {
      const auto& names = provider_names_;
      if (std::find(names.begin(), names.end(), target.provider) != names.end()) continue;
      reader_.fail(target.field, "unknown provider '" + target.provider + "' (known providers: " +
                                     (known.empty() ? "none" : known) + ")");
    }
  }

  YamlReader& reader_;
  std::filesystem::path base_dir_;
  Config config_;
  GovernanceParser governance_;  // after config_, which it fills
  EconomicsParser economics_;    // likewise; it adds to pending_targets_
  // Every declared name, valid or not, so that one mistake in a provider is reported once.
  std::vector<std::string> provider_names_;
  std::vector<PendingTarget> pending_targets_;
};

}  // namespace

Config loadString(const std::string& yaml, const std::string& file_name, const EnvLookup& env) {
  const YAML::Node root = [&] {
    try {
      return YAML::Load(yaml);
    } catch (const YAML::ParserException& error) {
      throw ConfigError(syntaxErrorMessage(yaml, file_name, error));
    }
  }();
  YamlReader reader(file_name, env);
  if (root.IsNull()) {
    reader.fail(1, "", "the config is empty; expected a mapping with listen, providers and routes");
    throw ConfigError(reader.report());
  }
  ConfigParser parser(reader, std::filesystem::path(file_name).parent_path());
  Config config = parser.parse(Field{root, "", "", lineOf(root, 1)});
  if (reader.hasProblems()) throw ConfigError(reader.report());
  config.source = file_name;
  config.warnings = reader.warnings();
  return config;
}

}  // namespace switchyard::config
