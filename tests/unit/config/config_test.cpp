#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace switchyard::config {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::filesystem::path kFixtures =
    std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "fixtures" / "config";

EnvLookup fakeEnv(std::map<std::string, std::string> variables = {}) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

Config load(const std::string& yaml, const EnvLookup& env = fakeEnv()) {
  return loadString(yaml, "test.yaml", env);
}

// The error lines of a config that must fail; an empty list when it loads.
std::vector<std::string> problems(const std::string& yaml, const EnvLookup& env = fakeEnv()) {
  try {
    load(yaml, env);
  } catch (const ConfigError& error) {
    std::vector<std::string> lines;
    std::istringstream text(error.what());
    for (std::string line; std::getline(text, line);) lines.push_back(line);
    return lines;
  }
  return {};
}

// A valid providers block that tests extend: it takes lines 1-4, so an appended line is line 5.
constexpr const char* kProvidersBlock =
    "providers:\n"                               // 1
    "  local:\n"                                 // 2
    "    kind: openai\n"                         // 3
    "    base_url: http://127.0.0.1:9001/v1\n";  // 4

TEST(ConfigLoad, ContractExampleLoadsWithItsValues) {
  const Config config = loadFile((kFixtures / "contract.yaml").string(),
                                 fakeEnv({{"SY_TEST_LOCAL_KEY", "sk-local-123"}}));
  EXPECT_EQ(config.listen_host, "127.0.0.1");
  EXPECT_EQ(config.listen_port, 8080);
  EXPECT_EQ(config.workers, 2);
  EXPECT_EQ(config.limits.max_body_bytes, 8388608u);
  EXPECT_EQ(config.limits.max_header_bytes, 16384u);
  EXPECT_EQ(config.limits.idle_timeout, Millis(60000));

  ASSERT_EQ(config.providers.size(), 2u);
  const Provider& local = config.providers[0];
  EXPECT_EQ(local.name, "local");
  EXPECT_EQ(local.kind, "openai");
  EXPECT_EQ(local.base_url, "http://127.0.0.1:9001/v1");
  EXPECT_FALSE(local.endpoint.tls);
  EXPECT_EQ(local.endpoint.host, "127.0.0.1");
  EXPECT_EQ(local.endpoint.port, 9001);
  EXPECT_EQ(local.endpoint.base_path, "/v1");
  EXPECT_EQ(local.api_key, "sk-local-123");
  EXPECT_EQ(local.labels,
            (std::map<std::string, std::string>{{"region", "eu"}, {"tier", "local"}}));
  EXPECT_THAT(local.compliance, ElementsAre("gdpr", "no-training"));
  EXPECT_EQ(local.line, 6);
  const Provider& cloud = config.providers[1];
  EXPECT_TRUE(cloud.endpoint.tls);
  EXPECT_EQ(cloud.endpoint.host, "api.example.com");
  EXPECT_EQ(cloud.endpoint.port, 443);
  EXPECT_EQ(cloud.endpoint.base_path, "/v1");
  EXPECT_EQ(cloud.api_key, "");

  ASSERT_EQ(config.routes.size(), 1u);
  const Route& chat = config.routes[0];
  EXPECT_EQ(chat.name, "chat");
  EXPECT_EQ(chat.strategy, "fallback");
  EXPECT_EQ(chat.line, 16);
  ASSERT_EQ(chat.targets.size(), 2u);
  EXPECT_EQ(chat.targets[0].provider, "local");
  EXPECT_EQ(chat.targets[0].model, "gpt-4o-mini");
  EXPECT_EQ(chat.targets[1].provider, "cloud");
  EXPECT_EQ(chat.targets[1].model, "meta-llama/Llama-3-70b");
  EXPECT_EQ(chat.retry.max_attempts, 4);
  EXPECT_EQ(chat.retry.backoff_base, Millis(50));
  EXPECT_EQ(chat.retry.backoff_max, Millis(2000));
  EXPECT_EQ(chat.retry.retry_after_max, Millis(10000));
  EXPECT_EQ(chat.timeouts.attempt, Millis(30000));
  EXPECT_EQ(chat.timeouts.first_token, Millis(10000));
  EXPECT_EQ(chat.timeouts.total, Millis(120000));

  EXPECT_EQ(config.findProvider("cloud"), &config.providers[1]);
  EXPECT_EQ(config.findRoute("chat"), &config.routes[0]);
  EXPECT_EQ(config.findRoute("nope"), nullptr);
}

TEST(ConfigLoad, OmittedKeysTakeTheirDefaults) {
  const Config config = load(std::string(kProvidersBlock) +
                             "routes:\n"
                             "  chat:\n"
                             "    targets: [local/m]\n");
  EXPECT_EQ(config.listen_host, "127.0.0.1");
  EXPECT_EQ(config.listen_port, 8080);
  EXPECT_EQ(config.workers, 0);
  EXPECT_EQ(config.limits.max_body_bytes, kDefaultMaxBodyBytes);
  EXPECT_EQ(config.limits.max_header_bytes, kDefaultMaxHeaderBytes);
  EXPECT_EQ(config.limits.idle_timeout, kDefaultIdleTimeout);
  const Route& chat = config.routes.at(0);
  EXPECT_EQ(chat.strategy, "fallback");
  EXPECT_EQ(chat.retry.max_attempts, kDefaultMaxAttempts);
  EXPECT_EQ(chat.retry.backoff_base, kDefaultBackoffBase);
  EXPECT_EQ(chat.retry.backoff_max, kDefaultBackoffMax);
  EXPECT_EQ(chat.retry.retry_after_max, kDefaultRetryAfterMax);
  EXPECT_EQ(chat.timeouts.attempt, kDefaultAttemptTimeout);
  EXPECT_EQ(chat.timeouts.first_token, kDefaultFirstTokenTimeout);
  EXPECT_EQ(chat.timeouts.total, kDefaultTotalTimeout);
  EXPECT_TRUE(config.providers.at(0).labels.empty());
  EXPECT_TRUE(config.providers.at(0).compliance.empty());
}

TEST(ConfigLoad, ExplicitValuesOverrideDefaults) {
  const Config config = load(
      "listen: 0.0.0.0:0\n"
      "workers: 3\n"
      "limits: {max_body_bytes: 1024, max_header_bytes: 2048, idle_timeout: 1.5s}\n" +
      std::string(kProvidersBlock) +
      "routes:\n"
      "  chat:\n"
      "    targets: [local/m]\n"
      "    retry: {max_attempts: 7, backoff_base: 10ms, backoff_max: 1m, retry_after_max: 0s}\n"
      "    timeouts: {attempt: 5s, first_token: 250ms, total: 1h}\n");
  EXPECT_EQ(config.listen_host, "0.0.0.0");
  EXPECT_EQ(config.listen_port, 0);
  EXPECT_EQ(config.workers, 3);
  EXPECT_EQ(config.limits.max_body_bytes, 1024u);
  EXPECT_EQ(config.limits.max_header_bytes, 2048u);
  EXPECT_EQ(config.limits.idle_timeout, Millis(1500));
  const Route& chat = config.routes.at(0);
  EXPECT_EQ(chat.retry.max_attempts, 7);
  EXPECT_EQ(chat.retry.backoff_base, Millis(10));
  EXPECT_EQ(chat.retry.backoff_max, Millis(60000));
  EXPECT_EQ(chat.retry.retry_after_max, Millis(0));
  EXPECT_EQ(chat.timeouts.attempt, Millis(5000));
  EXPECT_EQ(chat.timeouts.first_token, Millis(250));
  EXPECT_EQ(chat.timeouts.total, Millis(3600000));
}

TEST(ConfigLoad, SameTargetRetryPrefillAndBestEffortContinuation) {
  const Config config = load(R"(
providers:
  local: {kind: vllm, base_url: http://127.0.0.1:8000/v1, prefill: false}
  other: {kind: openai, base_url: http://127.0.0.1:9000/v1, prefill: continue_final_message}
  plain: {kind: openai, base_url: http://127.0.0.1:9001/v1}
routes:
  chat:
    targets: [local/m, other/m, plain/m]
    retry: {same_target: 2, same_target_wait_max: 1500ms}
    mid_stream_failover: best_effort
  strict:
    targets: [plain/m]
    mid_stream_failover: false
)");
  EXPECT_EQ(config.providers[0].prefill, "false");
  EXPECT_EQ(config.providers[1].prefill, "continue_final_message");
  EXPECT_EQ(config.providers[2].prefill, "auto");
  const Route& chat = config.routes[0];
  EXPECT_EQ(chat.retry.same_target, 2);
  EXPECT_EQ(chat.retry.same_target_wait_max, Millis(1500));
  EXPECT_TRUE(chat.mid_stream_failover);
  EXPECT_TRUE(chat.best_effort_continuation);
  const Route& strict = config.routes[1];
  EXPECT_EQ(strict.retry.same_target, 0);  // default: today's round-by-round order
  EXPECT_EQ(strict.retry.same_target_wait_max, Millis(2000));
  EXPECT_FALSE(strict.mid_stream_failover);
  EXPECT_FALSE(strict.best_effort_continuation);
}

TEST(ConfigDescribe, CheckShowsSameTargetRetryPrefillAndBestEffort) {
  const Config config = load(R"(
providers:
  local: {kind: vllm, base_url: http://127.0.0.1:8000/v1, prefill: false}
routes:
  chat:
    targets: [local/m]
    retry: {same_target: 2, same_target_wait_max: 1500ms}
    mid_stream_failover: best_effort
  plain: {targets: [local/m]}
)");
  const std::string table = describe(config);
  EXPECT_THAT(table, HasSubstr("same_target=2 same_target_wait_max=1500ms"));
  EXPECT_THAT(table, HasSubstr("mid_stream  best_effort"));
  EXPECT_THAT(table, HasSubstr("prefill     false"));
}

TEST(ConfigErrors, UnknownPrefillAndMidStreamValuesAreRejected) {
  const auto lines = problems(R"(
providers:
  p: {kind: openai, base_url: http://127.0.0.1:1/v1, prefill: sometimes}
routes:
  chat: {targets: [p/m], mid_stream_failover: maybe, retry: {same_target: -1}}
)");
  EXPECT_THAT(lines, Contains(AllOf(HasSubstr("prefill"), HasSubstr("sometimes"))));
  EXPECT_THAT(lines, Contains(AllOf(HasSubstr("mid_stream_failover"), HasSubstr("best_effort"))));
  EXPECT_THAT(lines, Contains(HasSubstr("same_target")));
}

TEST(ConfigLoad, IncidentWebhookIsAnHttpOrHttpsUrl) {
  const std::string routes = "routes:\n  chat: {targets: [local/m]}\n";
  const Config config = load(std::string(kProvidersBlock) + routes +
                             "incidents: {webhook: \"https://hooks.example.com:8443/switchyard/incidents\"}\n");
  EXPECT_EQ(config.incidents.webhook, "https://hooks.example.com:8443/switchyard/incidents");
  EXPECT_TRUE(config.incidents.webhook_endpoint.tls);
  EXPECT_EQ(config.incidents.webhook_endpoint.host, "hooks.example.com");
  EXPECT_EQ(config.incidents.webhook_endpoint.port, 8443);
  EXPECT_EQ(config.incidents.webhook_endpoint.base_path, "/switchyard/incidents");
  EXPECT_TRUE(load(std::string(kProvidersBlock) + routes).incidents.webhook.empty());
  EXPECT_THAT(problems(std::string(kProvidersBlock) + routes + "incidents: {webhook: \"ftp://x/y\"}\n"),
              Contains(HasSubstr("http:// or https://")));
  EXPECT_THAT(problems(std::string(kProvidersBlock) + routes + "incidents: {hook: \"http://x/y\"}\n"),
              Contains(HasSubstr("hook")));
}

TEST(ConfigLoad, OtlpEndpointGetsItsTracesPathHeadersAndSample) {
  const std::string routes = "routes:\n  chat: {targets: [local/m]}\n";
  const Config config = load(std::string(kProvidersBlock) + routes +
                             "otlp: {endpoint: \"https://otel.example.com:4318\", headers: {x-api-key: abc},"
                             " sample: 0.25, interval: 2s, timeout: 500ms}\n");
  EXPECT_TRUE(config.otlp.enabled());
  EXPECT_TRUE(config.otlp.target.tls);
  EXPECT_EQ(config.otlp.target.host, "otel.example.com");
  EXPECT_EQ(config.otlp.target.port, 4318);
  EXPECT_EQ(config.otlp.target.base_path, "/v1/traces");
  ASSERT_EQ(config.otlp.headers.size(), 1u);
  EXPECT_EQ(config.otlp.headers[0].first, "x-api-key");
  EXPECT_EQ(config.otlp.headers[0].second, "abc");
  EXPECT_DOUBLE_EQ(config.otlp.sample, 0.25);
  EXPECT_EQ(config.otlp.interval, std::chrono::milliseconds(2000));
  EXPECT_EQ(config.otlp.timeout, std::chrono::milliseconds(500));
  // A path is kept, and one that already names the traces endpoint is not doubled.
  EXPECT_EQ(load(std::string(kProvidersBlock) + routes + "otlp: {endpoint: \"http://c:4318/otel\"}\n").otlp.target.base_path,
            "/otel/v1/traces");
  EXPECT_EQ(
      load(std::string(kProvidersBlock) + routes + "otlp: {endpoint: \"http://c:4318/v1/traces\"}\n").otlp.target.base_path,
      "/v1/traces");
  EXPECT_FALSE(load(std::string(kProvidersBlock) + routes).otlp.enabled());
  EXPECT_THAT(problems(std::string(kProvidersBlock) + routes + "otlp: {endpoint: \"grpc://c:4317\"}\n"),
              Contains(HasSubstr("http:// or https://")));
  EXPECT_THAT(problems(std::string(kProvidersBlock) + routes + "otlp: {endpoint: \"http://c:4318\", sample: 2}\n"),
              Contains(HasSubstr("sample")));
  EXPECT_THAT(problems(std::string(kProvidersBlock) + routes + "otlp: {sample: 1}\n"),
              Contains(HasSubstr("needs an endpoint")));
  EXPECT_THAT(problems(std::string(kProvidersBlock) + routes +
                       "otlp: {endpoint: \"http://c:4318\", headers: {\"bad name\": x}}\n"),
              Contains(HasSubstr("not a valid HTTP header name")));
  EXPECT_THAT(problems(std::string(kProvidersBlock) + routes +
                       "otlp: {endpoint: \"http://c:4318\", headers: {x-k: \"a\\r\\nInjected: 1\"}}\n"),
              Contains(HasSubstr("x-k")));
}

TEST(ConfigLoad, DefaultMaxAttemptsCoversEveryTarget) {
  const Config config = load(std::string(kProvidersBlock) +
                             "routes:\n"
                             "  wide:\n"
                             "    targets: [local/a, local/b, local/c, local/d, local/e, local/f]\n"
                             "  capped:\n"
                             "    targets: [local/a, local/b, local/c, local/d, local/e, local/f]\n"
                             "    retry: {max_attempts: 2}\n");
  EXPECT_EQ(config.findRoute("wide")->retry.max_attempts, 6);
  EXPECT_EQ(config.findRoute("capped")->retry.max_attempts, 2);
}

TEST(ConfigLoad, TargetSplitsAtTheFirstSlash) {
  const Config config = load(std::string(kProvidersBlock) +
                             "routes:\n"
                             "  chat:\n"
                             "    targets: [local/org/model/v2:latest]\n");
  const Target& target = config.routes.at(0).targets.at(0);
  EXPECT_EQ(target.provider, "local");
  EXPECT_EQ(target.model, "org/model/v2:latest");
  EXPECT_EQ(target.id(), "local/org/model/v2:latest");
}

TEST(ConfigLoad, BaseUrlResolvesSchemePortAndPath) {
  struct Case {
    std::string url;
    bool tls;
    std::string host;
    std::uint16_t port;
    std::string base_path;
  };
  const Case cases[] = {
      {"http://example.com", false, "example.com", 80, ""},
      {"http://example.com/", false, "example.com", 80, ""},
      {"https://example.com/openai/v1/", true, "example.com", 443, "/openai/v1"},
      {"HTTPS://example.com:8443/v1", true, "example.com", 8443, "/v1"},
      {"http://[::1]:9001/v1", false, "::1", 9001, "/v1"},
  };
  for (const Case& c : cases) {
    const Config config = load("providers:\n  p: {kind: openai, base_url: '" + c.url + "'}\n");
    const Endpoint& endpoint = config.providers.at(0).endpoint;
    EXPECT_EQ(endpoint.tls, c.tls) << c.url;
    EXPECT_EQ(endpoint.host, c.host) << c.url;
    EXPECT_EQ(endpoint.port, c.port) << c.url;
    EXPECT_EQ(endpoint.base_path, c.base_path) << c.url;
  }
}

TEST(ConfigLoad, ListenAcceptsIpv4AndBracketedIpv6) {
  Config config = load("listen: \"[::1]:0\"\n");
  EXPECT_EQ(config.listen_host, "::1");
  EXPECT_EQ(config.listen_port, 0);
  config = load("listen: 10.1.2.3:65535\n");
  EXPECT_EQ(config.listen_host, "10.1.2.3");
  EXPECT_EQ(config.listen_port, 65535);
}

TEST(ConfigLoad, ListenAcceptsLocalhostAsTheIpv4Loopback) {
  Config config = load("listen: localhost:8080\n");
  EXPECT_EQ(config.listen_host, "127.0.0.1");
  EXPECT_EQ(config.listen_port, 8080);
  config = load("listen: LocalHost:0\n");
  EXPECT_EQ(config.listen_host, "127.0.0.1");
  EXPECT_EQ(config.listen_port, 0);
  config = load("listen: \"[::1]:8080\"\n");  // unchanged by the above
  EXPECT_EQ(config.listen_host, "::1");
}

TEST(ConfigErrors, MalformedListenIsRejectedWithItsLine) {
  for (const char* listen : {"localhost", "localhost:http", "example.com:8080", "127.0.0.1",
                             "127.0.0.1:70000", "::1:80", "'[::1]'", "'[localhost]:80'"}) {
    EXPECT_THAT(problems("workers: 1\nlisten: " + std::string(listen) + "\n"),
                ElementsAre(StartsWith("test.yaml:2: key 'listen': malformed listen address")))
        << listen;
  }
}

TEST(ConfigErrors, UnknownKeyIsRejectedWithItsLine) {
  EXPECT_THAT(problems("lisen: 127.0.0.1:80\n"),
              ElementsAre("test.yaml:1: key 'lisen': unknown key (did you mean 'listen'?); allowed "
                          "keys: listen, workers, limits, shutdown_grace, resilience, providers, routes, "
                          "data_classes, keys, auth, store, budgets, incidents, otlp"));
  EXPECT_THAT(
      problems(std::string(kProvidersBlock) + "    bse_url: x\n"),
      ElementsAre(AllOf(StartsWith("test.yaml:5: key 'providers.local.bse_url': unknown key"),
                        HasSubstr("did you mean 'base_url'?"))));
  EXPECT_THAT(
      problems(std::string(kProvidersBlock) + "routes:\n"
                                              "  chat:\n"
                                              "    targets: [local/m]\n"
                                              "    retry:\n"
                                              "      attempts: 3\n"
                                              "    timeouts: {atempt: 1s}\n"
                                              "limits: {body: 1}\n"),
      ElementsAre(StartsWith("test.yaml:9: key 'routes.chat.retry.attempts': unknown key"),
                  StartsWith("test.yaml:10: key 'routes.chat.timeouts.atempt': unknown key"),
                  StartsWith("test.yaml:11: key 'limits.body': unknown key")));
}

TEST(ConfigErrors, DuplicateKeyIsRejectedWithItsLine) {
  EXPECT_THAT(problems("workers: 1\nworkers: 2\n"),
              ElementsAre("test.yaml:2: key 'workers': duplicate key"));
}

TEST(ConfigErrors, TargetNamingAnUnknownProviderIsRejectedWithItsLine) {
  EXPECT_THAT(problems("routes:\n"
                       "  chat:\n"
                       "    targets:\n"
                       "      - local/m\n"
                       "      - remote/m\n" +
                       std::string(kProvidersBlock)),
              ElementsAre("test.yaml:5: key 'routes.chat.targets[1]': unknown provider 'remote' "
                          "(known providers: local)"));
}

TEST(ConfigErrors, TargetWithoutProviderOrModelIsRejectedWithItsLine) {
  for (const char* target : {"gpt-4o", "local/", "/gpt-4o"}) {
    EXPECT_THAT(
        problems(std::string(kProvidersBlock) +
                 "routes:\n"
                 "  chat:\n"
                 "    targets: ['" +
                 target + "']\n"),
        ElementsAre(StartsWith("test.yaml:7: key 'routes.chat.targets[0]': malformed target '" +
                               std::string(target) + "' (expected PROVIDER/MODEL")))
        << target;
  }
}

TEST(ConfigErrors, EmptyOrMissingTargetsAreRejectedWithTheRouteLine) {
  EXPECT_THAT(problems(std::string(kProvidersBlock) + "routes:\n"
                                                      "  chat:\n"
                                                      "    targets: []\n"),
              ElementsAre("test.yaml:7: key 'routes.chat.targets': must list at least one target "
                          "(PROVIDER/MODEL)"));
  EXPECT_THAT(
      problems(std::string(kProvidersBlock) + "routes:\n"
                                              "  chat:\n"
                                              "    strategy: fallback\n"),
      ElementsAre(StartsWith("test.yaml:6: key 'routes.chat.targets': missing required key")));
}

TEST(ConfigErrors, MissingProviderKeysAreReportedAtTheProviderLine) {
  EXPECT_THAT(
      problems("providers:\n"
               "  local:\n"
               "    api_key: x\n"),
      ElementsAre(StartsWith("test.yaml:2: key 'providers.local.kind': missing required key (one of: "
                             "openai, anthropic, gemini, bedrock, azure, vllm")));
  EXPECT_THAT(problems("providers:\n"
                       "  local:\n"
                       "    kind:\n"
                       "    base_url: http://h\n"),
              ElementsAre("test.yaml:3: key 'providers.local.kind': must not be empty"));
}

TEST(ConfigErrors, UnknownKindOrStrategyNamesTheAllowedOnes) {
  EXPECT_THAT(
      problems("providers:\n"
               "  local: {kind: antropic, base_url: 'http://h'}\n"),
      ElementsAre(StartsWith("test.yaml:2: key 'providers.local.kind': unknown kind 'antropic' (allowed "
                             "kinds: openai, anthropic, gemini, bedrock, azure, vllm, llamacpp, ollama")));
  EXPECT_THAT(
      problems(std::string(kProvidersBlock) + "routes:\n"
                                              "  chat: {strategy: cheepest, targets: [local/m]}\n"),
      ElementsAre("test.yaml:6: key 'routes.chat.strategy': unknown strategy 'cheepest' "
                  "(allowed strategies: fallback, cheapest, fastest, weighted)"));
}

TEST(ConfigErrors, MalformedBaseUrlIsRejectedWithItsLine) {
  for (const char* url : {"xyz", "ftp://h/v1", "http://", "http:/h/v1", "http://h:99999/v1",
                          "http://h:0/v1", "http://h/v1?x=1", "http://a b/"}) {
    EXPECT_THAT(
        problems("providers:\n"
                 "  local:\n"
                 "    kind: openai\n"
                 "    base_url: '" +
                 std::string(url) + "'\n"),
        ElementsAre(StartsWith("test.yaml:4: key 'providers.local.base_url': malformed URL '" +
                               std::string(url) + "' (")))
        << url;
  }
}

TEST(ConfigErrors, CredentialsInBaseUrlAreRejectedWithoutRepeatingThem) {
  const auto lines = problems(
      "providers:\n"
      "  local: {kind: openai, base_url: 'https://user:hunter2@h/v1'}\n");
  EXPECT_THAT(lines, ElementsAre(StartsWith("test.yaml:2: key 'providers.local.base_url': base_url "
                                            "must not contain credentials")));
  EXPECT_THAT(lines, Not(Contains(HasSubstr("hunter2"))));
}

TEST(ConfigErrors, MalformedDurationIsRejectedWithItsLine) {
  EXPECT_THAT(
      problems("limits:\n"
               "  idle_timeout: 60\n" +
               std::string(kProvidersBlock) +
               "routes:\n"
               "  chat:\n"
               "    targets: [local/m]\n"
               "    retry: {backoff_base: fast}\n"),
      ElementsAre("test.yaml:2: key 'limits.idle_timeout': malformed duration '60' (expected a "
                  "number and a unit: ms, s, m or h, e.g. 250ms or 1.5s)",
                  StartsWith("test.yaml:10: key 'routes.chat.retry.backoff_base': malformed "
                             "duration 'fast'")));
}

TEST(ConfigErrors, WrongTypesAreRejectedWithTheirLines) {
  EXPECT_THAT(
      problems("workers: many\n"
               "limits: 5\n" +
               std::string(kProvidersBlock) +
               "    labels: [a, b]\n"
               "    compliance: {a: b}\n"
               "    api_key: {nested: true}\n"
               "routes: [a]\n"),
      ElementsAre("test.yaml:1: key 'workers': expected an integer from 0 to 1024, got 'many'",
                  "test.yaml:2: key 'limits': expected a mapping, got a string",
                  "test.yaml:7: key 'providers.local.labels': expected a mapping, got a list",
                  "test.yaml:8: key 'providers.local.compliance': expected a list, got a mapping",
                  "test.yaml:9: key 'providers.local.api_key': expected a string, got a mapping",
                  "test.yaml:10: key 'routes': expected a mapping, got a list"));
  EXPECT_THAT(
      problems("workers: -1\n"),
      ElementsAre("test.yaml:1: key 'workers': expected an integer from 0 to 1024, got '-1'"));
}

TEST(ConfigErrors, BackoffBaseAboveBackoffMaxIsRejected) {
  EXPECT_THAT(
      problems(std::string(kProvidersBlock) + "routes:\n"
                                              "  chat:\n"
                                              "    targets: [local/m]\n"
                                              "    retry:\n"
                                              "      backoff_base: 5s\n"),
      ElementsAre("test.yaml:9: key 'routes.chat.retry.backoff_base': backoff_base 5s is greater "
                  "than backoff_max 2s"));
}

TEST(ConfigErrors, MaxAttemptsBelowOneIsRejected) {
  EXPECT_THAT(
      problems(std::string(kProvidersBlock) + "routes:\n"
                                              "  chat:\n"
                                              "    targets: [local/m]\n"
                                              "    retry:\n"
                                              "      max_attempts: 0\n"),
      ElementsAre("test.yaml:9: key 'routes.chat.retry.max_attempts': expected an integer of "
                  "at least 1, got '0'"));
}

TEST(ConfigErrors, NonPositiveTimeoutIsRejected) {
  EXPECT_THAT(
      problems(std::string(kProvidersBlock) + "routes:\n"
                                              "  chat:\n"
                                              "    targets: [local/m]\n"
                                              "    timeouts:\n"
                                              "      attempt: 0s\n"
                                              "      total: -5s\n"),
      ElementsAre(
          "test.yaml:9: key 'routes.chat.timeouts.attempt': must be greater than 0, got '0s'",
          StartsWith("test.yaml:10: key 'routes.chat.timeouts.total': malformed duration")));
}

TEST(ConfigErrors, MissingCaFileIsRejected) {
  EXPECT_THAT(
      problems(std::string(kProvidersBlock) + "    ca_file: /nonexistent/ca.pem\n"),
      ElementsAre("test.yaml:5: key 'providers.local.ca_file': file '/nonexistent/ca.pem' does "
                  "not exist"));
}

TEST(ConfigLoad, CaFileIsResolvedAgainstTheConfigDirectory) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "sy_config_test_ca";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ca.pem") << "-----BEGIN CERTIFICATE-----\n";
  const Config config = loadString(std::string(kProvidersBlock) + "    ca_file: ca.pem\n",
                                   (dir / "switchyard.yaml").string(), fakeEnv());
  EXPECT_EQ(config.providers.at(0).ca_file, (dir / "ca.pem").string());
  std::filesystem::remove_all(dir);
}

TEST(ConfigErrors, EveryProblemIsReportedInLineOrder) {
  const auto lines = problems(
      "providers:\n"
      "  a: {kind: openai, base_url: 'nope'}\n"
      "routes:\n"
      "  chat: {targets: [b/m], retry: {max_attempts: 0}}\n"
      "workers: x\n"
      "extra: 1\n");
  EXPECT_THAT(lines, ElementsAre(StartsWith("test.yaml:2: key 'providers.a.base_url'"),
                                 StartsWith("test.yaml:4: key 'routes.chat.retry.max_attempts'"),
                                 StartsWith("test.yaml:4: key 'routes.chat.targets[0]'"),
                                 StartsWith("test.yaml:5: key 'workers'"),
                                 StartsWith("test.yaml:6: key 'extra'")));
}

TEST(ConfigErrors, YamlSyntaxErrorNamesItsLine) {
  EXPECT_THAT(problems("workers: 1\n"
                       "\tlisten: 127.0.0.1:80\n"
                       "routes: {}\n"),
              ElementsAre(StartsWith("test.yaml:2: YAML syntax error: ")));
  // An unclosed bracket is only noticed at the end of the input: blame the last line, not one past
  // it.
  EXPECT_THAT(problems("workers: 1\n"
                       "routes:\n"
                       "  chat: {targets: [a/b]\n"),
              ElementsAre(AllOf(StartsWith("test.yaml:3: YAML syntax error: "),
                                HasSubstr("(at the end of the file)"))));
}

TEST(ConfigErrors, EmptyConfigIsRejected) {
  EXPECT_THAT(problems("# nothing here\n"),
              ElementsAre(StartsWith("test.yaml:1: the config is empty")));
}

TEST(ConfigErrors, MissingConfigFileIsNamed) {
  try {
    loadFile("/nonexistent/switchyard.yaml", fakeEnv());
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_THAT(error.what(),
                StartsWith("/nonexistent/switchyard.yaml: cannot read the config file ("));
  }
}

TEST(ConfigEnv, VariablesAreInterpolatedInAnyStringValue) {
  const Config config = load(
      "listen: 127.0.0.1:${PORT}\n"
      "providers:\n"
      "  local:\n"
      "    kind: openai\n"
      "    base_url: http://${HOST}:9001/${PREFIX}/v1\n"
      "    api_key: \"${KEY}\"\n"
      "    labels: {region: '${REGION}-1'}\n",
      fakeEnv({{"PORT", "9000"},
               {"HOST", "10.0.0.7"},
               {"PREFIX", "proxy"},
               {"KEY", "sk-${NOT_EXPANDED}"},
               {"REGION", "eu"}}));
  EXPECT_EQ(config.listen_port, 9000);
  const Provider& local = config.providers.at(0);
  EXPECT_EQ(local.base_url, "http://10.0.0.7:9001/proxy/v1");
  EXPECT_EQ(local.endpoint.host, "10.0.0.7");
  EXPECT_EQ(local.endpoint.base_path, "/proxy/v1");
  EXPECT_EQ(local.api_key, "sk-${NOT_EXPANDED}");
  EXPECT_EQ(local.labels.at("region"), "eu-1");
}

TEST(ConfigEnv, DoubleDollarWritesALiteralPlaceholder) {
  const Config config =
      load(std::string(kProvidersBlock) + "    api_key: $${KEY}$5\n", fakeEnv({{"KEY", "secret"}}));
  EXPECT_EQ(config.providers.at(0).api_key, "${KEY}$5");
}

TEST(ConfigEnv, MissingVariableIsNamedWithItsKeyAndLine) {
  EXPECT_THAT(problems(std::string(kProvidersBlock) + "    api_key: ${OPENAI_API_KEY}\n"),
              ElementsAre("test.yaml:5: key 'providers.local.api_key': environment variable "
                          "'OPENAI_API_KEY' is not set"));
  EXPECT_THAT(problems(std::string(kProvidersBlock) + "    api_key: ${A}${B}\n"),
              ElementsAre(HasSubstr("environment variables 'A', 'B' are not set")));
}

TEST(ConfigEnv, MalformedPlaceholderIsRejected) {
  EXPECT_THAT(
      problems(std::string(kProvidersBlock) + "    api_key: ${KEY\n"),
      ElementsAre(StartsWith("test.yaml:5: key 'providers.local.api_key': unterminated '${'")));
  EXPECT_THAT(
      problems(std::string(kProvidersBlock) + "    api_key: ${1X}\n"),
      ElementsAre(StartsWith("test.yaml:5: key 'providers.local.api_key': invalid environment "
                             "variable name '1X'")));
}

TEST(ConfigEnv, DefaultIsUsedWhenTheVariableIsUnsetOrEmpty) {
  const std::string yaml = "listen: 127.0.0.1:${PORT:-8081}\n" + std::string(kProvidersBlock) +
                           "    api_key: ${KEY:-}\n"
                           "    labels: {tier: '${TIER:-gold:1}'}\n";
  Config config = load(yaml);
  EXPECT_EQ(config.listen_port, 8081);
  EXPECT_EQ(config.providers.at(0).api_key, "");  // ${KEY:-}: no key, said on purpose
  EXPECT_EQ(config.providers.at(0).labels.at("tier"), "gold:1");
  config = load(yaml, fakeEnv({{"PORT", ""}, {"KEY", ""}, {"TIER", ""}}));
  EXPECT_EQ(config.listen_port, 8081);
  EXPECT_EQ(config.providers.at(0).labels.at("tier"), "gold:1");
  config = load(yaml, fakeEnv({{"PORT", "9000"}, {"KEY", "sk-1"}, {"TIER", "free"}}));
  EXPECT_EQ(config.listen_port, 9000);
  EXPECT_EQ(config.providers.at(0).api_key, "sk-1");
  EXPECT_EQ(config.providers.at(0).labels.at("tier"), "free");
}

TEST(ConfigEnv, RequiredVariableReportsItsMessageWhenUnsetOrEmpty) {
  const std::string yaml = std::string(kProvidersBlock) + "    api_key: ${KEY:?put the key in .env}\n";
  EXPECT_THAT(problems(yaml), ElementsAre("test.yaml:5: key 'providers.local.api_key': environment "
                                          "variable 'KEY' is not set: put the key in .env"));
  EXPECT_THAT(problems(yaml, fakeEnv({{"KEY", ""}})),
              ElementsAre("test.yaml:5: key 'providers.local.api_key': environment variable 'KEY' "
                          "is empty: put the key in .env"));
  EXPECT_EQ(load(yaml, fakeEnv({{"KEY", "sk-1"}})).providers.at(0).api_key, "sk-1");
  EXPECT_THAT(problems(std::string(kProvidersBlock) + "    api_key: ${KEY:?}\n"),
              ElementsAre(HasSubstr("environment variable 'KEY' is not set")));
}

TEST(ConfigEnv, EmptyVariableWithoutDefaultIsAnError) {
  EXPECT_THAT(problems(std::string(kProvidersBlock) + "    api_key: ${OPENAI_API_KEY}\n",
                       fakeEnv({{"OPENAI_API_KEY", ""}})),
              ElementsAre(StartsWith("test.yaml:5: key 'providers.local.api_key': environment "
                                     "variable 'OPENAI_API_KEY' is empty (write ${OPENAI_API_KEY:-} "
                                     "where an empty value is meant)")));
  EXPECT_THAT(problems(std::string(kProvidersBlock) + "    api_key: ${A}${B}${C}\n",
                       fakeEnv({{"A", ""}})),
              ElementsAre(HasSubstr("environment variables 'B', 'C' are not set; environment "
                                    "variable 'A' is empty")));
}

TEST(ConfigEnv, UnsupportedExpansionIsRejected) {
  EXPECT_THAT(problems(std::string(kProvidersBlock) + "    api_key: ${KEY:+x}\n",
                       fakeEnv({{"KEY", "k"}})),
              ElementsAre("test.yaml:5: key 'providers.local.api_key': unsupported '${KEY:+x}' "
                          "(expected ${NAME}, ${NAME:-default} or ${NAME:?message})"));
}

TEST(ConfigEnv, DoubleDollarAlsoEscapesTheNewForms) {
  const Config config = load(std::string(kProvidersBlock) + "    api_key: $${KEY:-x}$${KEY:?y}\n");
  EXPECT_EQ(config.providers.at(0).api_key, "${KEY:-x}${KEY:?y}");
}

// Each key whose value goes into an upstream request head, as a fragment of a valid provider.
struct HeadKey {
  std::string provider;  // a provider line with KEY_UNDER_TEST where the value goes
  std::string path;
};

const HeadKey kHeadKeys[] = {
    {"  p: {kind: openai, base_url: 'http://h/v1', api_key: '${V}'}\n", "providers.p.api_key"},
    {"  p: {kind: anthropic, api_key: k, api_version: '${V}'}\n", "providers.p.api_version"},
    {"  p: {kind: azure, base_url: 'https://r.openai.azure.com', api_version: '${V}'}\n",
     "providers.p.api_version"},
    {"  p: {kind: bedrock, region: '${V}', aws_access_key_id: a, aws_secret_access_key: s}\n",
     "providers.p.region"},
    {"  p: {kind: bedrock, region: r, aws_access_key_id: '${V}', aws_secret_access_key: s}\n",
     "providers.p.aws_access_key_id"},
    {"  p: {kind: bedrock, region: r, aws_access_key_id: a, aws_secret_access_key: '${V}'}\n",
     "providers.p.aws_secret_access_key"},
    {"  p: {kind: bedrock, region: r, aws_access_key_id: a, aws_secret_access_key: s, "
     "aws_session_token: '${V}'}\n",
     "providers.p.aws_session_token"},
    {"  p: {kind: openai, base_url: 'http://h/${V}'}\n", "providers.p.base_url"},
};

TEST(ConfigHeadValues, ControlCharacterIsRejectedNamingTheKeyButNotTheValue) {
  for (const HeadKey& key : kHeadKeys) {
    using namespace std::string_literals;
    for (const std::string& value : {"secret99\r\nX-Injected: 1"s, "secret99\n\n"s, "secret99\tx"s,
                                     "secret99\0x"s, "secret99\x7f"s, "\x1b[2Jsecret99"s}) {
      const auto lines = problems("providers:\n" + key.provider, fakeEnv({{"V", value}}));
      ASSERT_THAT(lines, ElementsAre(StartsWith("test.yaml:2: key '" + key.path +
                                                "': contains control character 0x")))
          << key.path;
      EXPECT_THAT(lines[0], HasSubstr("(from ${V})")) << key.path;
      EXPECT_THAT(lines[0], Not(HasSubstr("secret99"))) << key.path;
      EXPECT_THAT(lines[0], Not(HasSubstr("Injected"))) << key.path;
    }
  }
}

TEST(ConfigHeadValues, ControlCharacterWrittenInTheFileIsRejectedToo) {
  EXPECT_THAT(problems("providers:\n"
                       "  p: {kind: openai, base_url: 'http://h/v1', api_key: \"sk-1\\r\\nX-Evil: 1\"}\n"),
              ElementsAre("test.yaml:2: key 'providers.p.api_key': contains control character 0x0D "
                          "(carriage return); control characters would corrupt the upstream "
                          "request's headers (the value is not shown)"));
  EXPECT_THAT(problems(std::string(kProvidersBlock) + "routes:\n  chat: {targets: [\"local/m\\r\\nx\"]}\n"),
              ElementsAre(StartsWith("test.yaml:6: key 'routes.chat.targets[0]': contains control "
                                     "character 0x0D")));
  EXPECT_THAT(problems("providers:\n  \"a\\nb\": {kind: openai}\nroutes:\n  \"c\\rd\": {targets: [x/m]}\n"),
              Contains("test.yaml:2: key 'providers': a name cannot contain control characters"));
  EXPECT_THAT(problems("routes:\n  \"c\\rd\": {targets: [x/m]}\n"),
              Contains("test.yaml:2: key 'routes': a name cannot contain control characters"));
}

TEST(ConfigHeadValues, OneTrailingNewlineIsRemovedWithAWarning) {
  for (const HeadKey& key : kHeadKeys) {
    for (const char* ending : {"\n", "\r\n"}) {
      const Config config = load("providers:\n" + key.provider,
                                 fakeEnv({{"V", std::string("secret99") + ending}}));
      const Provider& p = config.providers.at(0);
      const std::string read = key.path.ends_with("api_key")                 ? p.api_key
                               : key.path.ends_with("api_version")           ? p.api_version
                               : key.path.ends_with("region")                ? p.region
                               : key.path.ends_with("aws_access_key_id")     ? p.aws_access_key_id
                               : key.path.ends_with("aws_secret_access_key") ? p.aws_secret_access_key
                               : key.path.ends_with("aws_session_token")     ? p.aws_session_token
                                                                             : p.endpoint.base_path;
      EXPECT_EQ(read, key.path.ends_with("base_url") ? "/secret99" : "secret99") << key.path;
      ASSERT_THAT(config.warnings,
                  ElementsAre("test.yaml:2: key '" + key.path + "': warning: removed the trailing "
                              "newline from ${V} (a value read from a file often ends with one)"))
          << key.path;
    }
  }
  // A YAML block scalar keeps its final newline: the same forgiveness applies.
  const Config config = load(std::string(kProvidersBlock) + "    api_key: |\n      sk-block\n");
  EXPECT_EQ(config.providers.at(0).api_key, "sk-block");
  EXPECT_THAT(config.warnings, ElementsAre(StartsWith("test.yaml:5: key 'providers.local.api_key': warning:")));
  EXPECT_TRUE(load(std::string(kProvidersBlock) + "    api_key: sk-plain\n").warnings.empty());
}

TEST(ConfigHeadValues, TwoTrailingNewlinesOrOnlyANewlineAreRejected) {
  EXPECT_THAT(problems(std::string(kProvidersBlock) + "    api_key: ${K}\n", fakeEnv({{"K", "sk-1\n\n"}})),
              ElementsAre(AllOf(StartsWith("test.yaml:5: key 'providers.local.api_key': contains "
                                           "control character 0x0A (line feed) (from ${K}); only one "
                                           "trailing newline is removed"),
                                Not(HasSubstr("sk-1")))));
  EXPECT_THAT(problems(std::string(kProvidersBlock) + "    api_key: ${K}\n", fakeEnv({{"K", "\n"}})),
              ElementsAre("test.yaml:5: key 'providers.local.api_key': is only a newline (from ${K})"));
}

TEST(ConfigHeadValues, SpacesAreRejectedInUrlAndSignatureParts) {
  EXPECT_THAT(problems("providers:\n  p: {kind: bedrock, region: 'us east 1', aws_access_key_id: a, "
                       "aws_secret_access_key: s}\n"),
              ElementsAre("test.yaml:2: key 'providers.p.region': must not contain spaces"));
  EXPECT_THAT(problems("providers:\n  p: {kind: azure, base_url: 'https://r.openai.azure.com', "
                       "api_version: '2024-10-21 '}\n"),
              ElementsAre("test.yaml:2: key 'providers.p.api_version': must not contain spaces"));
  // A key is a header value: a space in it is odd but harmless, and not ours to judge.
  EXPECT_EQ(load(std::string(kProvidersBlock) + "    api_key: 'a b'\n").providers.at(0).api_key, "a b");
}

TEST(ConfigErrors, UnquotedPlaceholderInAFlowCollectionSaysToQuoteIt) {
  EXPECT_THAT(problems("providers:\n"
                       "  groq: {kind: groq, api_key: ${GROQ_API_KEY}}\n"
                       "routes: {}\n"),
              ElementsAre(AllOf(StartsWith("test.yaml:2: YAML syntax error: "),
                                HasSubstr(": a value with ${...} inside { } or [ ] must be quoted, "
                                          "e.g. api_key: \"${GROQ_API_KEY}\""))));
  EXPECT_THAT(problems("providers:\n"
                       "  p: {kind: openai, base_url: http://${HOST}:9000/v1, api_key: k}\n"),
              ElementsAre(HasSubstr("must be quoted, e.g. base_url: \"http://${HOST}:9000/v1\"")));
  EXPECT_THAT(problems("routes:\n"
                       "  chat:\n"
                       "    targets: [a/m, ${P}/m]\n"),
              ElementsAre(AllOf(StartsWith("test.yaml:3: YAML syntax error: "),
                                HasSubstr("must be quoted, e.g. \"${P}/m\""))));
  // Over several lines, and when the parser only gives up at the end of the file.
  EXPECT_THAT(problems("providers:\n"
                       "  p: {kind: openai,\n"
                       "      api_key: ${K},\n"
                       "      base_url: 'http://h'}\n"),
              ElementsAre(HasSubstr("must be quoted, e.g. api_key: \"${K}\"")));
  EXPECT_THAT(problems("routes:\n  chat: {targets: [${P}/m]\n"),
              ElementsAre(HasSubstr("must be quoted")));
}

TEST(ConfigErrors, OtherSyntaxErrorsGetNoQuotingAdvice) {
  for (const char* yaml : {"routes:\n  chat: {targets: [a/b]\n",
                           "providers:\n  p: {kind: openai, api_key: '${K}', x: [a}\n",
                           "x: {a: \"${K}\", b: [c, d}\n"}) {
    EXPECT_THAT(problems(yaml), ElementsAre(AllOf(HasSubstr("YAML syntax error"), Not(HasSubstr("quoted")))))
        << yaml;
  }
  // Outside { } and [ ], ${...} needs no quotes: the same keys in block style load.
  const Config config = load("providers:\n  groq:\n    kind: groq\n    api_key: ${GROQ_API_KEY}\n",
                             fakeEnv({{"GROQ_API_KEY", "gsk"}}));
  EXPECT_EQ(config.providers.at(0).api_key, "gsk");
}

TEST(ConfigDescribe, ShowsTheResolvedRoutingTable) {
  const Config config = loadFile((kFixtures / "contract.yaml").string(),
                                 fakeEnv({{"SY_TEST_LOCAL_KEY", "sk-local-123"}}));
  const std::string text = describe(config);
  EXPECT_THAT(text, HasSubstr("127.0.0.1:8080"));
  EXPECT_THAT(text, HasSubstr("1. local/gpt-4o-mini -> http://127.0.0.1:9001/v1/chat/completions"));
  EXPECT_THAT(text, HasSubstr("2. cloud/meta-llama/Llama-3-70b -> "
                              "https://api.example.com:443/v1/chat/completions"));
  EXPECT_THAT(text,
              HasSubstr("max_attempts=4 backoff_base=50ms backoff_max=2s retry_after_max=10s"));
  EXPECT_THAT(text, HasSubstr("attempt=30s first_token=10s inter_token=30s total=2m"));
  EXPECT_THAT(text, HasSubstr("region=eu tier=local"));
  EXPECT_THAT(text, HasSubstr("gdpr no-training"));
}

TEST(ConfigDescribe, NeverShowsTheApiKey) {
  const Config config = loadFile((kFixtures / "contract.yaml").string(),
                                 fakeEnv({{"SY_TEST_LOCAL_KEY", "sk-local-123"}}));
  const std::string text = describe(config);
  EXPECT_THAT(text, Not(HasSubstr("sk-local-123")));
  EXPECT_THAT(text, HasSubstr("api_key     set"));
  EXPECT_THAT(text, HasSubstr("api_key     none"));
}


TEST(ProviderKinds, PresetsAreOpenAiWithTheirUsualAddress) {
  const Config config = load(
      "providers:\n"
      "  groq: {kind: groq, api_key: k}\n"
      "  local: {kind: ollama}\n"
      "  mine: {kind: vllm, base_url: 'http://10.0.0.5:9000/v1'}\n");
  ASSERT_EQ(config.providers.size(), 3u);
  EXPECT_EQ(config.providers[0].kind, "openai");
  EXPECT_EQ(config.providers[0].preset, "groq");
  EXPECT_EQ(config.providers[0].base_url, "https://api.groq.com/openai/v1");
  EXPECT_EQ(config.providers[0].endpoint.base_path, "/openai/v1");
  EXPECT_EQ(config.providers[1].endpoint.port, 11434);
  EXPECT_EQ(config.providers[2].endpoint.host, "10.0.0.5");
}

TEST(ProviderKinds, AnthropicAndGeminiDefaultToTheOfficialEndpoints) {
  const Config config = load(
      "providers:\n"
      "  claude: {kind: anthropic, api_key: k}\n"
      "  google: {kind: gemini, api_key: k}\n");
  EXPECT_EQ(config.providers[0].base_url, "https://api.anthropic.com");
  EXPECT_EQ(config.providers[0].api_version, "2023-06-01");
  EXPECT_EQ(config.providers[1].endpoint.host, "generativelanguage.googleapis.com");
  EXPECT_EQ(config.providers[1].endpoint.base_path, "");
}

TEST(ProviderKinds, BedrockNeedsRegionAndKeysAndDerivesItsEndpoint) {
  const Config config = load(
      "providers:\n"
      "  aws: {kind: bedrock, region: eu-west-1, aws_access_key_id: AK, aws_secret_access_key: SK}\n");
  EXPECT_EQ(config.providers[0].base_url, "https://bedrock-runtime.eu-west-1.amazonaws.com");
  EXPECT_TRUE(config.providers[0].endpoint.tls);
  EXPECT_THAT(problems("providers:\n"
                       "  aws: {kind: bedrock}\n"),
              ElementsAre("test.yaml:2: key 'providers.aws.region': missing required key (e.g. us-east-1)",
                          StartsWith("test.yaml:2: key 'providers.aws.aws_access_key_id': missing"),
                          StartsWith("test.yaml:2: key 'providers.aws.aws_secret_access_key': missing")));
}

TEST(ProviderKinds, AzureNeedsItsResourceAddressAndDefaultsTheApiVersion) {
  EXPECT_THAT(problems("providers:\n"
                       "  az: {kind: azure, api_key: k}\n"),
              ElementsAre(StartsWith("test.yaml:2: key 'providers.az.base_url': missing required key")));
  const Config config = load("providers:\n  az: {kind: azure, base_url: 'https://r.openai.azure.com'}\n");
  EXPECT_EQ(config.providers[0].api_version, "2024-10-21");
}

TEST(ProviderKinds, FieldsOfAnotherKindAreRejected) {
  EXPECT_THAT(problems("providers:\n"
                       "  p: {kind: openai, region: us-east-1, api_version: x}\n"),
              ElementsAre(StartsWith("test.yaml:2: key 'providers.p': 'region' applies only to kind bedrock"),
                          StartsWith("test.yaml:2: key 'providers.p': 'api_version' applies only")));
}

TEST(ResilienceConfig, BreakerBudgetHedgeDiversityAndContextWindowsAreRead) {
  const Config config = load(
      "resilience:\n"
      "  breaker: {consecutive_failures: 3, failure_rate: 0.25, min_requests: 10, window: 20s, open: 2s, open_max: 1m,"
      " half_open_probes: 1, probes_to_close: 3}\n"
      "  retry_budget: {ratio: 0.1, min_per_second: 5, window: 5s}\n"
      "providers:\n"
      "  p: {kind: openai, base_url: 'http://h/v1', health_check: {interval: 3s}}\n"
      "  q: {kind: openai, base_url: 'http://q/v1'}\n"
      "routes:\n"
      "  chat:\n"
      "    targets: [p/small, {target: q/large, context_window: 200000}]\n"
      "    diversity: provider\n"
      "    hedge: {delay: p95, max_ratio: 0.05}\n"
      "    mid_stream_failover: false\n");
  const auto& breaker = config.resilience.breaker;
  EXPECT_EQ(breaker.consecutive_failures, 3);
  EXPECT_DOUBLE_EQ(breaker.failure_rate, 0.25);
  EXPECT_EQ(breaker.open, Millis(2000));
  EXPECT_EQ(breaker.open_max, Millis(60000));
  EXPECT_EQ(breaker.probes_to_close, 3);
  EXPECT_DOUBLE_EQ(config.resilience.retry_budget.ratio, 0.1);
  EXPECT_TRUE(config.providers[0].health_check.enabled);
  EXPECT_EQ(config.providers[0].health_check.interval, Millis(3000));
  EXPECT_FALSE(config.providers[1].health_check.enabled);
  const Route& route = config.routes[0];
  EXPECT_EQ(route.targets[0].context_window, 0);
  EXPECT_EQ(route.targets[1].model, "large");
  EXPECT_EQ(route.targets[1].context_window, 200000);
  EXPECT_EQ(route.diversity, "provider");
  EXPECT_TRUE(route.hedge.enabled);
  EXPECT_TRUE(route.hedge.delay_is_p95);
  EXPECT_DOUBLE_EQ(route.hedge.max_ratio, 0.05);
  EXPECT_FALSE(route.mid_stream_failover);
}

TEST(ResilienceConfig, ResilienceDefaultsWhenOmitted) {
  const Config config = load(std::string(kProvidersBlock) + "routes:\n  chat: {targets: [local/m]}\n");
  EXPECT_EQ(config.resilience.breaker.consecutive_failures, kDefaultBreakerConsecutiveFailures);
  EXPECT_FALSE(config.routes[0].hedge.enabled);
  EXPECT_TRUE(config.routes[0].mid_stream_failover);
  EXPECT_EQ(config.routes[0].diversity, "none");
}

TEST(ResilienceConfig, BadValuesNameTheirLines) {
  EXPECT_THAT(problems(std::string(kProvidersBlock) +
                       "routes:\n"
                       "  chat:\n"
                       "    targets: [{target: local/m, context_window: -1}]\n"
                       "    diversity: planet\n"
                       "    hedge: {max_ratio: 2}\n"),
              ElementsAre(StartsWith("test.yaml:7: key 'routes.chat.targets[0].context_window': expected an integer"),
                          StartsWith("test.yaml:8: key 'routes.chat.diversity': unknown diversity 'planet'"),
                          StartsWith("test.yaml:9: key 'routes.chat.hedge.max_ratio': must be between 0 and 1"),
                          StartsWith("test.yaml:9: key 'routes.chat.hedge': hedge needs a delay")));
}

}  // namespace
}  // namespace switchyard::config
