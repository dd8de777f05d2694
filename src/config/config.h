#pragma once
// The gateway's configuration: parsed from YAML, validated, immutable once loaded.
// Every default below is documented in the README's configuration section.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::config {

using Millis = std::chrono::milliseconds;

inline constexpr int kDefaultMaxAttempts = 4;  // never fewer than the route's number of targets
inline constexpr Millis kDefaultBackoffBase{50};
inline constexpr Millis kDefaultBackoffMax{2000};
inline constexpr Millis kDefaultRetryAfterMax{10000};
inline constexpr int kDefaultSameTargetRetries = 0;  // 0: a failure moves to the next target at once
inline constexpr Millis kDefaultSameTargetWaitMax{2000};
inline constexpr Millis kDefaultAttemptTimeout{30000};
inline constexpr Millis kDefaultFirstTokenTimeout{10000};
inline constexpr Millis kDefaultTotalTimeout{120000};
inline constexpr Millis kDefaultInterTokenTimeout{30000};
inline constexpr std::size_t kDefaultMaxBodyBytes = 8 * 1024 * 1024;
inline constexpr std::size_t kDefaultMaxHeaderBytes = 16 * 1024;
inline constexpr Millis kDefaultIdleTimeout{60000};
inline constexpr std::size_t kDefaultMaxConnections = 10000;      // client connections, whole gateway
inline constexpr Millis kDefaultClientWriteTimeout{30000};       // a client that takes no bytes that long is dropped
inline constexpr std::size_t kDefaultMaxResponseBytes = 64 * 1024 * 1024;  // a whole upstream answer
inline constexpr std::size_t kDefaultMaxEventBytes = 1024 * 1024;          // one upstream SSE event
inline constexpr std::size_t kDefaultMaxResumeBytes = 1024 * 1024;  // answer text kept to continue a stream
inline constexpr Millis kDefaultShutdownGrace{30000};
// `store: {retention: ...}`: audit records are kept 30 days and at most 10 million (about 10 GB at
// a typical 1 KB a record); 0 is unlimited.
inline constexpr Millis kDefaultRetentionMaxAge{30LL * 24 * 3600 * 1000};
inline constexpr std::int64_t kDefaultRetentionMaxRows = 10'000'000;
inline constexpr std::size_t kDefaultPoolMaxIdle = 64;  // idle keep-alive connections per provider per worker

// Circuit breakers (per target), retry budget (gateway-wide), health checks and hedging.
inline constexpr int kDefaultBreakerConsecutiveFailures = 5;
inline constexpr double kDefaultBreakerFailureRate = 0.5;
inline constexpr int kDefaultBreakerMinRequests = 20;
inline constexpr Millis kDefaultBreakerWindow{30000};
inline constexpr Millis kDefaultBreakerOpen{5000};
inline constexpr Millis kDefaultBreakerOpenMax{120000};
inline constexpr int kDefaultBreakerHalfOpenProbes = 2;
inline constexpr int kDefaultBreakerProbesToClose = 2;
inline constexpr double kDefaultRetryBudgetRatio = 0.2;
inline constexpr int kDefaultRetryBudgetMinPerSecond = 10;
inline constexpr Millis kDefaultRetryBudgetWindow{10000};
inline constexpr Millis kDefaultHealthCheckInterval{10000};
inline constexpr Millis kDefaultHealthCheckTimeout{2000};
inline constexpr double kDefaultHedgeMaxRatio = 0.1;

// Where a provider lives, from its base_url.
struct Endpoint {
  bool tls = false;
  std::string host;       // a name or IP literal; IPv6 without brackets ("::1")
  std::uint16_t port = 0;
  std::string base_path;  // without trailing '/', e.g. "/v1"; requests go to base_path + "/chat/completions"

  // The Host header: "host", or "host:port" when the port is not the scheme's default; IPv6 bracketed.
  std::string hostHeader() const;
};

struct Provider {
  std::string name;
  std::string kind;      // the wire format: openai | anthropic | gemini | bedrock | azure
  std::string preset;    // the kind as written when it is an OpenAI-compatible preset (groq, vllm...)
  std::string base_url;  // as written (after ${NAME} interpolation); presets and bedrock have defaults
  Endpoint endpoint;
  std::string api_key;   // may be empty (local servers); never logged
  // azure: the api-version query value; anthropic: the anthropic-version header sent upstream.
  std::string api_version;
  // bedrock: SigV4 credentials and region (the endpoint defaults to bedrock-runtime.REGION.amazonaws.com).
  std::string region;
  std::string aws_access_key_id;
  std::string aws_secret_access_key;  // never logged
  std::string aws_session_token;      // optional; never logged
  std::map<std::string, std::string> labels;
  std::vector<std::string> compliance;
  std::string ca_file;   // optional extra trust anchor (PEM); relative paths resolved against the config's directory
  // Whether (and how) the target can continue a partial assistant turn (mid-stream failover's
  // prefill): "auto" (the kind's or preset's documented default), "false", or one of the ways:
  // "trailing_assistant", "continue_final_message" (vLLM), "prefix" (DeepSeek, Mistral).
  // `prefill: true` is read as the kind's way, trailing_assistant for a generic OpenAI server.
  std::string prefill = "auto";
  // Active health check: a cheap request (the kind's model list) every `interval`; off unless set.
  struct HealthCheck {
    bool enabled = false;
    Millis interval = kDefaultHealthCheckInterval;
    Millis timeout = kDefaultHealthCheckTimeout;
  } health_check;
  int line = 0;          // where it was declared, for messages
};

struct RetryPolicy {
  int max_attempts = kDefaultMaxAttempts;
  Millis backoff_base = kDefaultBackoffBase;
  Millis backoff_max = kDefaultBackoffMax;
  Millis retry_after_max = kDefaultRetryAfterMax;  // cap on an honoured Retry-After
  // Same-target retry: a transient failure is retried on the same target up to this many times
  // before the plan moves on, after the backoff or a Retry-After of at most same_target_wait_max.
  int same_target = kDefaultSameTargetRetries;
  Millis same_target_wait_max = kDefaultSameTargetWaitMax;
};

struct Timeouts {
  Millis attempt = kDefaultAttemptTimeout;          // one upstream exchange (streams: until headers)
  Millis first_token = kDefaultFirstTokenTimeout;   // streams: request sent -> first event
  Millis inter_token = kDefaultInterTokenTimeout;   // streams: the longest silence between two events
  Millis total = kDefaultTotalTimeout;              // the whole request, every attempt and wait included
};

// USD per million tokens.
struct Price {
  double input = 0;
  double output = 0;
  std::optional<double> cached_input;  // unset: the input price
};

// Requests and tokens per minute; 0: no limit.
struct RateLimits {
  std::int64_t rpm = 0;
  std::int64_t tpm = 0;
};

// Spend limits per UTC day and calendar month (UTC); 0: no limit.
struct BudgetLimits {
  double usd_per_day = 0;
  double usd_per_month = 0;
  std::int64_t tokens_per_day = 0;
  std::int64_t tokens_per_month = 0;
  bool any() const { return usd_per_day > 0 || usd_per_month > 0 || tokens_per_day > 0 || tokens_per_month > 0; }
};

struct Target {
  std::string provider;  // name of a provider in Config::providers
  std::string model;     // upstream model name; may contain '/'
  std::int64_t context_window = 0;  // tokens, as declared; 0: from the bundled catalog, if it knows the model
  // `{target: p/m, price: {...}, weight: 3, limits: {rpm, tpm}, max_output_tokens: N}`; a plain
  // "p/m" string leaves these unset.
  std::optional<Price> price;        // unset: the bundled catalog's list price, else 0 (local kinds: 0)
  int weight = 1;                    // strategy weighted
  RateLimits limits;                 // this target's own RPM/TPM (besides what its provider says)
  std::int64_t max_output_tokens = 0;  // the most one answer may hold, for budget reservations; 0: catalog/default
  std::string id() const { return provider + "/" + model; }
};

// Hybrid routing: the first rule of a route whose every condition holds picks its target list.
struct RuleCondition {
  std::optional<std::int64_t> max_prompt_tokens;  // estimated prompt tokens <= this
  std::optional<std::int64_t> min_prompt_tokens;  // >= this
  std::optional<bool> stream;
  std::optional<bool> tools;      // the request declares tools
  std::optional<bool> images;     // any message holds an image
  std::optional<bool> json_mode;  // response_format json_object/json_schema
  std::map<std::string, std::string> headers;  // header name (lowercase) -> exact value
  std::vector<std::string> keys;  // client key names (any of them)
  std::vector<std::string> key_tags;  // any tag of the client key
};

struct RouteRule {
  RuleCondition when;
  std::vector<Target> targets;
  int line = 0;
};

// Hedging: when the first attempt has shown no first token after `delay` (or the target's observed
// p95 time to first token), the next target starts in parallel; the first token wins.
struct HedgePolicy {
  bool enabled = false;
  bool delay_is_p95 = false;
  Millis delay{0};
  double max_ratio = kDefaultHedgeMaxRatio;  // hedges at most this share of the route's requests
};

// PII detection (policy/pii): what a route or a client key does when a request's text holds
// personal data. The stricter of a request's key and route policies applies
// (block > redact > escalate > audit > none).
enum class PiiAction { None, Audit, Block, Escalate, Redact };

struct PiiPattern {
  std::string name;   // the kind reported and the placeholder's stem ("employee_id" -> [EMPLOYEE_ID_1])
  std::string regex;  // RE2 syntax
};

struct PiiPolicy {
  PiiAction action = PiiAction::None;
  // Built-in detectors to run: email, phone, ssn, card, iban, ip. Empty: all of them.
  std::vector<std::string> detect;
  std::vector<PiiPattern> patterns;   // custom detectors, in file order
  std::string escalate_to = "pii";    // action escalate: the data class added to the request
  int line = 0;
};

struct Route {
  std::string name;
  std::string strategy = "fallback";  // fallback | cheapest | fastest | weighted
  // A failover target priced more than this many times the first target's price (input + output,
  // per token) is skipped; 0: no limit.
  double max_cost_ratio = 0;
  std::vector<RouteRule> rules;  // in file order
  std::vector<Target> targets;
  RetryPolicy retry;
  Timeouts timeouts;
  std::string diversity = "none";   // none | provider | cloud | region
  HedgePolicy hedge;
  bool mid_stream_failover = true;  // continue a broken stream on the next target
  // `mid_stream_failover: best_effort`: a target that can neither prefill nor replay the answer
  // exactly is asked to continue by instruction (its text is another model's guess at the rest).
  bool best_effort_continuation = false;
  std::vector<std::string> data_classes;  // `data_class: phi` or `[phi, eu]`: every request of the route has them
  PiiPolicy pii;
  int line = 0;
};

// A data class: what a target's provider must hold to see a request of that class.
struct DataClass {
  std::string name;
  std::vector<std::string> requires_compliance;  // `requires:` provider `compliance` attributes, all of them
  // `labels:` provider label -> accepted values; the provider must carry each label with one of them.
  std::map<std::string, std::vector<std::string>> labels;
  int line = 0;
};

// A client key declared in config (`keys:`). More are made through POST /admin/keys (the store).
struct ClientKey {
  std::string name;          // the key's id in audit records and /admin/keys
  std::string sha256_hex;    // of the secret: `key:` is hashed at load, or given as "sha256:<hex>"
  std::vector<std::string> routes;        // empty: every route
  std::vector<std::string> data_classes;  // added to every request made with the key
  PiiPolicy pii;
  std::optional<std::int64_t> expires_at;  // unix seconds (`expires: 2027-01-01` or RFC 3339)
  bool enabled = true;
  BudgetLimits budget;             // `budget: {usd_per_day, usd_per_month, tokens_per_day, tokens_per_month}`
  RateLimits limits;               // `limits: {rpm, tpm}`
  std::vector<std::string> tags;   // for routing rules (`when: {key_tags: [...]}`)
  int line = 0;
};

struct AuthSettings {
  std::vector<std::string> admin_key_sha256_hex;  // `admin_keys:` entries, hashed at load
  // `anonymous:` as written; unset means true on a loopback listen address, false otherwise.
  std::optional<bool> anonymous;
};

struct StoreSettings {
  // `store: {sqlite: PATH}`, resolved against the config's directory; default "switchyard.db" beside
  // the config file. ":memory:" keeps nothing across restarts.
  std::string sqlite_path;
  // `retention: {max_age: 30d, max_rows: 10000000}`: audit records older than max_age, or beyond
  // the newest max_rows, are deleted (spend totals are kept). 0 (or `unlimited`) keeps them all.
  Millis retention_max_age = kDefaultRetentionMaxAge;
  std::int64_t retention_max_rows = kDefaultRetentionMaxRows;
};

// `incidents: {webhook: URL}` (issue 14): each incident's opening and closing is POSTed as JSON to
// the webhook (http or https), from the control thread, with a bounded queue and a timeout.
struct IncidentSettings {
  std::string webhook;  // empty: none
  Endpoint webhook_endpoint;  // parsed from webhook; base_path is the request path ("" is "/")
};

// `otlp: {endpoint: http://host:4318, headers: {...}, sample: 1.0}` (issue 14): a span per request
// and per attempt, exported over OTLP/HTTP (protobuf) in batches from a thread of its own.
struct OtlpSettings {
  std::string endpoint;       // as written; empty: tracing off
  Endpoint target;            // parsed; base_path is the request path (".../v1/traces")
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every export (e.g. an API key)
  double sample = 1.0;        // the share of requests traced when the client sent no sampled traceparent
  Millis interval = Millis(1000);  // how often spans are sent (`interval`)
  Millis timeout = Millis(5000);   // one export's bound (`timeout`); a failed export's spans are dropped
  bool enabled() const { return !endpoint.empty(); }
};

struct BreakerSettings {
  int consecutive_failures = kDefaultBreakerConsecutiveFailures;
  double failure_rate = kDefaultBreakerFailureRate;
  int min_requests = kDefaultBreakerMinRequests;
  Millis window = kDefaultBreakerWindow;
  Millis open = kDefaultBreakerOpen;
  Millis open_max = kDefaultBreakerOpenMax;
  int half_open_probes = kDefaultBreakerHalfOpenProbes;
  int probes_to_close = kDefaultBreakerProbesToClose;
};

struct RetryBudgetSettings {
  double ratio = kDefaultRetryBudgetRatio;
  int min_per_second = kDefaultRetryBudgetMinPerSecond;
  Millis window = kDefaultRetryBudgetWindow;
};

struct ResilienceSettings {
  BreakerSettings breaker;
  RetryBudgetSettings retry_budget;
};

struct Limits {
  std::size_t max_body_bytes = kDefaultMaxBodyBytes;
  std::size_t max_header_bytes = kDefaultMaxHeaderBytes;
  Millis idle_timeout = kDefaultIdleTimeout;  // keep-alive client connections
  std::size_t max_connections = kDefaultMaxConnections;
  Millis client_write_timeout = kDefaultClientWriteTimeout;
  std::size_t max_response_bytes = kDefaultMaxResponseBytes;
  std::size_t max_event_bytes = kDefaultMaxEventBytes;
  // A stream whose answer text grows past this can no longer be continued on another target if it
  // breaks (it ends with the dialect's error event): memory per stream stays bounded.
  std::size_t max_resume_bytes = kDefaultMaxResumeBytes;
};

struct Config {
  std::string source;  // the file it was read from, for messages
  std::string listen_host = "127.0.0.1";  // IPv4 or IPv6 literal, without brackets
  std::uint16_t listen_port = 8080;
  int workers = 0;  // 0: one per core
  Limits limits;
  Millis shutdown_grace = kDefaultShutdownGrace;  // SIGTERM: how long in-flight requests may finish
  std::vector<Provider> providers;  // in file order
  std::vector<Route> routes;        // in file order
  ResilienceSettings resilience;
  StoreSettings store;
  IncidentSettings incidents;
  OtlpSettings otlp;
  AuthSettings auth;
  std::vector<ClientKey> keys;            // in file order
  std::vector<DataClass> data_classes;    // in file order
  // `budgets: {gateway: {...}, routes: {chat: {...}}}`: spend limits across every key.
  struct Budgets {
    BudgetLimits gateway;
    std::map<std::string, BudgetLimits> routes;
  } budgets;
  // "FILE:LINE: key '...': warning: ..." for what loading forgave (a trailing newline removed from
  // a secret); serve and check print them to stderr.
  std::vector<std::string> warnings;

  const Provider* findProvider(std::string_view name) const;
  const Route* findRoute(std::string_view name) const;
  const DataClass* findDataClass(std::string_view name) const;
  // Whether anonymous clients (no key) are served: auth.anonymous, else whether listen is loopback.
  bool anonymousAllowed() const;
  bool listensOnLoopback() const;
};

// A configuration error: names the file, line and key so the user can fix it.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Looks up an environment variable; returns nullopt when unset. Injected so tests control it.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup processEnv();

// Parses and validates. Throws ConfigError with every problem found, one per line,
// each as "FILE:LINE: key 'path.to.key': what is wrong".
// ${NAME}, ${NAME:-default} and ${NAME:?message} in any scalar value are replaced from env ("$${"
// writes a literal "${"); see env_interpolation.h.
// file_name is used in messages and, through its directory, to resolve relative ca_file paths.
Config loadFile(const std::string& path, const EnvLookup& env = processEnv());
Config loadString(const std::string& yaml, const std::string& file_name, const EnvLookup& env);

// The resolved routing table as `switchyard check` prints it (human-readable, secrets masked).
std::string describe(const Config& config);

}  // namespace switchyard::config
