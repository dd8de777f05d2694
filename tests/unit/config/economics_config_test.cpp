// The economics keys of the config file (issue 13): targets with price, weight, limits and
// max_output_tokens; max_cost_ratio and routing rules; budgets; the budget, limits and tags of
// client keys. Their errors (FILE:LINE: key 'path': what), warnings and `switchyard check` output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "config/config.h"

namespace switchyard::config {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

EnvLookup fakeEnv(std::map<std::string, std::string> variables = {}) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

Config load(const std::string& yaml, const EnvLookup& env = fakeEnv()) { return loadString(yaml, "test.yaml", env); }

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

// Lines 1-4: two providers and a route; tests append from line 5.
constexpr const char* kBase =
    "providers:\n"                                                  // 1
    "  openai: {kind: openai, api_key: sk-test}\n"                  // 2
    "  local: {kind: openai, base_url: 'http://127.0.0.1:9001/v1'}\n"  // 3
    "routes: {chat: {targets: [local/m]}}\n";                      // 4

// The same providers and a route `chat` whose key lines start at line 6, for route-level tests.
std::string route(const std::string& body) {
  return "providers:\n"                                                    // 1
         "  openai: {kind: openai, api_key: sk-test}\n"                    // 2
         "  local: {kind: openai, base_url: 'http://127.0.0.1:9001/v1'}\n"  // 3
         "routes:\n"                                                       // 4
         "  chat:\n" +                                                     // 5
         body;                                                             // 6...
}

// The contract's example, every key present.
constexpr const char* kContract = R"(providers:
  openai: {kind: openai, api_key: "${OPENAI_API_KEY}"}
  local: {kind: ollama}
routes:
  chat:
    strategy: cheapest
    targets:
      - {target: openai/gpt-4o, price: {input: 2.50, output: 10.00, cached_input: 1.25}, weight: 3, limits: {rpm: 100, tpm: 50000}, max_output_tokens: 16384}
      - local/llama-3.1-8b
    max_cost_ratio: 4
    rules:
      - {when: {max_prompt_tokens: 2000, stream: true}, targets: [local/llama-3.1-8b, openai/gpt-4o-mini]}
      - {when: {tools: true}, targets: [openai/gpt-4o]}
      - {when: {min_prompt_tokens: 2001, images: true, json_mode: false, headers: {X-Tier: gold}, keys: [team-a], key_tags: [batch]}, targets: [{target: openai/gpt-4o, weight: 2}, local/llama-3.1-8b]}
keys:
  team-a: {key: "${TEAM_A_KEY}", budget: {usd_per_day: 50, usd_per_month: 1000, tokens_per_day: 1000000, tokens_per_month: 0}, limits: {rpm: 600, tpm: 200000}, tags: [interactive]}
budgets:
  gateway: {usd_per_day: 2000}
  routes: {chat: {usd_per_day: 500}}
)";

Config loadContract() {
  return load(kContract, fakeEnv({{"OPENAI_API_KEY", "sk-test"}, {"TEAM_A_KEY", "team-a-0123456789abcdef"}}));
}

TEST(EconomicsConfig, EveryKeyOfTheContractIsRead) {
  const Config config = loadContract();
  EXPECT_THAT(config.warnings, IsEmpty());
  const Route& chat = config.routes.at(0);
  EXPECT_EQ(chat.strategy, "cheapest");
  EXPECT_DOUBLE_EQ(chat.max_cost_ratio, 4);
  ASSERT_EQ(chat.targets.size(), 2u);
  const Target& gpt = chat.targets[0];
  EXPECT_EQ(gpt.id(), "openai/gpt-4o");
  ASSERT_TRUE(gpt.price.has_value());
  EXPECT_DOUBLE_EQ(gpt.price->input, 2.5);
  EXPECT_DOUBLE_EQ(gpt.price->output, 10);
  ASSERT_TRUE(gpt.price->cached_input.has_value());
  EXPECT_DOUBLE_EQ(*gpt.price->cached_input, 1.25);
  EXPECT_EQ(gpt.weight, 3);
  EXPECT_EQ(gpt.limits.rpm, 100);
  EXPECT_EQ(gpt.limits.tpm, 50000);
  EXPECT_EQ(gpt.max_output_tokens, 16384);
  // A plain string leaves every setting at its default.
  const Target& llama = chat.targets[1];
  EXPECT_EQ(llama.provider, "local");
  EXPECT_EQ(llama.model, "llama-3.1-8b");
  EXPECT_FALSE(llama.price.has_value());
  EXPECT_EQ(llama.weight, 1);
  EXPECT_EQ(llama.limits.rpm, 0);
  EXPECT_EQ(llama.max_output_tokens, 0);

  ASSERT_EQ(chat.rules.size(), 3u);
  const RouteRule& small = chat.rules[0];
  EXPECT_EQ(small.line, 12);
  EXPECT_EQ(small.when.max_prompt_tokens, 2000);
  EXPECT_FALSE(small.when.min_prompt_tokens.has_value());
  EXPECT_EQ(small.when.stream, true);
  EXPECT_FALSE(small.when.tools.has_value());
  ASSERT_EQ(small.targets.size(), 2u);
  EXPECT_EQ(small.targets[1].id(), "openai/gpt-4o-mini");
  EXPECT_EQ(chat.rules[1].when.tools, true);
  const RuleCondition& when = chat.rules[2].when;
  EXPECT_EQ(when.min_prompt_tokens, 2001);
  EXPECT_EQ(when.images, true);
  EXPECT_EQ(when.json_mode, false);
  EXPECT_EQ(when.headers, (std::map<std::string, std::string>{{"x-tier", "gold"}}));  // name lowercased
  EXPECT_THAT(when.keys, ElementsAre("team-a"));
  EXPECT_THAT(when.key_tags, ElementsAre("batch"));
  EXPECT_EQ(chat.rules[2].targets[0].weight, 2);

  ASSERT_EQ(config.keys.size(), 1u);
  const ClientKey& key = config.keys[0];
  EXPECT_DOUBLE_EQ(key.budget.usd_per_day, 50);
  EXPECT_DOUBLE_EQ(key.budget.usd_per_month, 1000);
  EXPECT_EQ(key.budget.tokens_per_day, 1000000);
  EXPECT_EQ(key.budget.tokens_per_month, 0);
  EXPECT_EQ(key.limits.rpm, 600);
  EXPECT_EQ(key.limits.tpm, 200000);
  EXPECT_THAT(key.tags, ElementsAre("interactive"));

  EXPECT_DOUBLE_EQ(config.budgets.gateway.usd_per_day, 2000);
  EXPECT_DOUBLE_EQ(config.budgets.gateway.usd_per_month, 0);
  ASSERT_EQ(config.budgets.routes.count("chat"), 1u);
  EXPECT_DOUBLE_EQ(config.budgets.routes.at("chat").usd_per_day, 500);
}

TEST(EconomicsConfig, OmittedKeysTakeTheirDefaults) {
  const Config config = load(kBase);
  const Route& chat = config.routes.at(0);
  EXPECT_EQ(chat.strategy, "fallback");
  EXPECT_EQ(chat.max_cost_ratio, 0);
  EXPECT_THAT(chat.rules, IsEmpty());
  EXPECT_FALSE(config.budgets.gateway.any());
  EXPECT_THAT(config.budgets.routes, IsEmpty());
}

TEST(EconomicsConfig, EveryStrategyIsAccepted) {
  for (const char* strategy : {"fallback", "cheapest", "fastest", "weighted"}) {
    const Config config = load(route("    strategy: " + std::string(strategy) +
                                      "\n    targets: [{target: local/a, weight: 2}, local/b]\n"));
    EXPECT_EQ(config.routes.at(0).strategy, strategy);
  }
}

TEST(EconomicsConfig, MappingAndStringTargetsMixInBlockStyle) {
  const Config config = load(route("    targets:\n"
                                   "      - openai/gpt-4o-mini\n"
                                   "      - target: local/meta/llama\n"
                                   "        price: {input: 0, output: 0}\n"
                                   "        context_window: 8192\n"
                                   "      - {target: openai/o1}\n"));
  const auto& targets = config.routes.at(0).targets;
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_EQ(targets[1].model, "meta/llama");
  ASSERT_TRUE(targets[1].price.has_value());
  EXPECT_EQ(targets[1].price->input, 0);
  EXPECT_FALSE(targets[1].price->cached_input.has_value());
  EXPECT_EQ(targets[1].context_window, 8192);
  EXPECT_FALSE(targets[2].price.has_value());
}

TEST(EconomicsErrors, TargetSettingsAreValidatedWithTheirLines) {
  EXPECT_THAT(
      problems(route("    targets:\n"
                     "      - {target: openai/a, price: {input: -1, output: x}}\n"      // 7
                     "      - {target: openai/b, price: {input: 1}}\n"                  // 8
                     "      - {target: openai/c, weight: 0, max_output_tokens: 0}\n"    // 9
                     "      - {target: openai/d, weight: 1001, limits: {rpm: -5, tmp: 1}}\n"  // 10
                     "      - {target: openai/e, prize: {input: 1}}\n"                // 11
                     "      - {price: {input: 1, output: 2}}\n"                         // 12
                     "      - {target: openai/f, price: {input: , output: 1, cached_input: -0.5}}\n")),  // 13
      ElementsAre(
          "test.yaml:7: key 'routes.chat.targets[0].price.input': expected a number of at least 0, got '-1'",
          "test.yaml:7: key 'routes.chat.targets[0].price.output': expected a number of at least 0, got 'x'",
          "test.yaml:8: key 'routes.chat.targets[1].price.output': missing required key (USD per 1M tokens)",
          "test.yaml:9: key 'routes.chat.targets[2].weight': expected an integer from 1 to 1000, got '0'",
          "test.yaml:9: key 'routes.chat.targets[2].max_output_tokens': expected an integer from 1 to 100000000, "
          "got '0'",
          "test.yaml:10: key 'routes.chat.targets[3].weight': expected an integer from 1 to 1000, got '1001'",
          "test.yaml:10: key 'routes.chat.targets[3].limits.rpm': expected an integer of at least 0, got '-5'",
          "test.yaml:10: key 'routes.chat.targets[3].limits.tmp': unknown key (did you mean 'tpm'?); allowed "
          "keys: rpm, tpm",
          "test.yaml:11: key 'routes.chat.targets[4].prize': unknown key (did you mean 'price'?); allowed "
          "keys: target, context_window, price, weight, limits, max_output_tokens",
          "test.yaml:12: key 'routes.chat.targets[5].target': missing required key (PROVIDER/MODEL)",
          "test.yaml:13: key 'routes.chat.targets[6].price.input': must not be empty (USD per 1M tokens)",
          "test.yaml:13: key 'routes.chat.targets[6].price.cached_input': expected a number of at least 0, "
          "got '-0.5'"));
}

TEST(EconomicsErrors, MappingTargetsAreCheckedLikeStrings) {
  EXPECT_THAT(problems(route("    targets: [{target: nope/m}, {target: 'openai'}, {target: }]\n")),
              // Problems on one line keep the order found: providers are checked after the whole file.
              ElementsAre(StartsWith("test.yaml:6: key 'routes.chat.targets[1]': malformed target 'openai' "
                                     "(expected PROVIDER/MODEL"),
                          "test.yaml:6: key 'routes.chat.targets[2].target': must not be empty",
                          "test.yaml:6: key 'routes.chat.targets[0]': unknown provider 'nope' (known providers: "
                          "openai, local)"));
}

TEST(EconomicsErrors, MaxCostRatioIsANumberOfAtLeastOne) {
  EXPECT_DOUBLE_EQ(load(route("    targets: [local/m]\n    max_cost_ratio: 1\n")).routes[0].max_cost_ratio, 1);
  EXPECT_DOUBLE_EQ(load(route("    targets: [local/m]\n    max_cost_ratio: 2.5\n")).routes[0].max_cost_ratio, 2.5);
  for (const char* ratio : {"0", "0.5", "-1", "nan", "inf", "four"}) {
    EXPECT_THAT(problems(route("    targets: [local/m]\n    max_cost_ratio: " + std::string(ratio) + "\n")),
                ElementsAre("test.yaml:7: key 'routes.chat.max_cost_ratio': expected a number of at least 1, got '" +
                            std::string(ratio) + "'"))
        << ratio;
  }
  EXPECT_THAT(problems(route("    targets: [local/m]\n    max_cost_ration: 2\n")),
              ElementsAre(AllOf(StartsWith("test.yaml:7: key 'routes.chat.max_cost_ration': unknown key"),
                                HasSubstr("did you mean 'max_cost_ratio'?"))));
}

TEST(EconomicsRules, RuleTargetsAreValidatedLikeRouteTargets) {
  EXPECT_THAT(problems(route("    targets: [local/m]\n"
                             "    rules:\n"
                             "      - when: {tools: true}\n"                             // 8
                             "        targets: [nope/m, {target: openai/x, weight: 0}]\n"  // 9
                             "      - {when: {stream: true}, targets: []}\n"             // 10
                             "      - {when: {stream: true}}\n")),                       // 11
              ElementsAre("test.yaml:9: key 'routes.chat.rules[0].targets[1].weight': expected an integer from 1 to "
                          "1000, got '0'",
                          StartsWith("test.yaml:9: key 'routes.chat.rules[0].targets[0]': unknown provider 'nope'"),
                          "test.yaml:10: key 'routes.chat.rules[1].targets': must list at least one target "
                          "(PROVIDER/MODEL)",
                          "test.yaml:11: key 'routes.chat.rules[2].targets': missing required key (a list of "
                          "PROVIDER/MODEL)"));
}

TEST(EconomicsRules, ConditionKeysAreCheckedWithSuggestions) {
  EXPECT_THAT(
      problems(route("    targets: [local/m]\n"
                     "    rules:\n"
                     "      - when: {max_prompt_token: 5, stream: yes, tools: 1}\n"                       // 8
                     "        targets: [local/m]\n"                                                      // 9
                     "      - {when: {min_prompt_tokens: -1, headers: {'x tier': a, x-b: }}, targets: []}\n"  // 10
                     "      - {when: {keys: [], key_tags: ['']}, targets: [local/m]}\n"                 // 11
                     "      - {when: {headers: {X-A: '1', x-a: '2'}}, targets: [local/m]}\n"             // 12
                     "      - {when: {json_mod: true}, target: [local/m]}\n")),                         // 13
      ElementsAre(
          AllOf(StartsWith("test.yaml:8: key 'routes.chat.rules[0].when.max_prompt_token': unknown key (did you "
                           "mean 'max_prompt_tokens'?); allowed keys: max_prompt_tokens, min_prompt_tokens, stream, "
                           "tools, images, json_mode, headers, keys, key_tags")),
          "test.yaml:8: key 'routes.chat.rules[0].when.stream': expected true or false, got 'yes'",
          "test.yaml:8: key 'routes.chat.rules[0].when.tools': expected true or false, got '1'",
          "test.yaml:10: key 'routes.chat.rules[1].when.min_prompt_tokens': expected an integer of at least 0, "
          "got '-1'",
          "test.yaml:10: key 'routes.chat.rules[1].when.headers.x tier': not a valid header name",
          "test.yaml:10: key 'routes.chat.rules[1].when.headers.x-b': must not be empty (the header's exact value)",
          "test.yaml:10: key 'routes.chat.rules[1].targets': must list at least one target (PROVIDER/MODEL)",
          "test.yaml:11: key 'routes.chat.rules[2].when.keys': must list at least one client key (omit keys to "
          "match requests of any key)",
          "test.yaml:11: key 'routes.chat.rules[2].when.key_tags[0]': empty list entry",
          "test.yaml:12: key 'routes.chat.rules[3].when.headers.x-a': duplicate header 'x-a' (header names ignore "
          "case)",
          StartsWith("test.yaml:13: key 'routes.chat.rules[4].when.json_mod': unknown key (did you mean "
                     "'json_mode'?)"),
          AllOf(StartsWith("test.yaml:13: key 'routes.chat.rules[4].target': unknown key (did you mean "
                           "'targets'?); allowed keys: when, targets")),
          StartsWith("test.yaml:13: key 'routes.chat.rules[4].targets': missing required key")));
}

TEST(EconomicsRules, DefaultMaxAttemptsCoversTheLongestRuleTargetList) {
  const Config config = load(route("    targets: [local/a]\n"
                                   "    rules: [{when: {tools: true}, targets: [local/a, local/b, local/c, local/d, "
                                   "local/e, openai/f]}]\n"));
  EXPECT_EQ(config.routes[0].retry.max_attempts, 6);
}

TEST(EconomicsRules, MinAboveMaxIsAnError) {
  EXPECT_THAT(problems(route("    targets: [local/m]\n"
                             "    rules:\n"
                             "      - when:\n"                      // 8
                             "          max_prompt_tokens: 100\n"  // 9
                             "          min_prompt_tokens: 101\n"  // 10
                             "        targets: [local/m]\n")),
              ElementsAre("test.yaml:8: key 'routes.chat.rules[0].when': min_prompt_tokens 101 is greater than "
                          "max_prompt_tokens 100: the rule can never match"));
  // Equal bounds match exactly one size.
  const Config config = load(route("    targets: [local/m]\n"
                                   "    rules: [{when: {min_prompt_tokens: 7, max_prompt_tokens: 7},"
                                   " targets: [local/m]}]\n"));
  EXPECT_EQ(config.routes[0].rules[0].when.min_prompt_tokens, 7);
}

TEST(EconomicsRules, RuleKeysMustBeDeclaredClientKeys) {
  const std::string rules = "    targets: [local/m]\n"
                            "    rules: [{when: {keys: [team-a, tema-a]}, targets: [local/m]}]\n";  // 7
  EXPECT_THAT(problems(route(rules)),
              ElementsAre("test.yaml:7: key 'routes.chat.rules[0].when.keys[0]': unknown client key 'team-a'; no "
                          "client keys are declared",
                          "test.yaml:7: key 'routes.chat.rules[0].when.keys[1]': unknown client key 'tema-a'; no "
                          "client keys are declared"));
  // Keys may be declared after the routes; a single name needs no list.
  const std::string keys = "keys:\n  team-a: {key: team-a-0123456789abcdef}\n";  // 8-9
  EXPECT_THAT(problems(route(rules) + keys),
              ElementsAre("test.yaml:7: key 'routes.chat.rules[0].when.keys[1]': unknown client key 'tema-a' (did "
                          "you mean 'team-a'?); declared client keys: team-a"));
  const Config config =
      load(route("    targets: [local/m]\n    rules: [{when: {keys: team-a, key_tags: batch}, targets: [local/m]}]\n") +
           keys);
  EXPECT_THAT(config.routes[0].rules[0].when.keys, ElementsAre("team-a"));
  EXPECT_THAT(config.routes[0].rules[0].when.key_tags, ElementsAre("batch"));
}

TEST(EconomicsRules, RouteWithRulesStillNeedsItsOwnTargets) {
  EXPECT_THAT(problems(route("    rules: [{when: {tools: true}, targets: [local/m]}]\n")),
              ElementsAre("test.yaml:5: key 'routes.chat.targets': missing required key (a list of PROVIDER/MODEL)"));
  EXPECT_THAT(problems(route("    targets: [local/m]\n    rules: {tools: true}\n")),
              ElementsAre("test.yaml:7: key 'routes.chat.rules': expected a list, got a mapping"));
}

TEST(EconomicsWarnings, CatchAllRuleBeforeOthersIsWarnedAbout) {
  const Config config = load(route("    targets: [local/m]\n"
                                   "    rules:\n"
                                   "      - {when: {tools: true}, targets: [local/m]}\n"  // 8
                                   "      - {when: {}, targets: [local/m]}\n"             // 9
                                   "      - {targets: [local/m]}\n"                        // 10
                                   "      - {when: {stream: true}, targets: [local/m]}\n"));
  EXPECT_THAT(config.warnings, ElementsAre("test.yaml:9: key 'routes.chat.rules[1]': warning: rule 2 of route 'chat' "
                                           "matches every request; rules after it are never used"));
  // Last, it is the route's own default in another form: no warning.
  EXPECT_THAT(load(route("    targets: [local/m]\n"
                         "    rules: [{when: {tools: true}, targets: [local/m]}, {targets: [openai/gpt-4o]}]\n"))
                  .warnings,
              IsEmpty());
}

TEST(EconomicsWarnings, WeightedWithEveryWeightOneIsRoundRobin) {
  EXPECT_THAT(load(route("    strategy: weighted\n"
                         "    targets: [local/a, local/b]\n"))
                  .warnings,
              ElementsAre("test.yaml:6: key 'routes.chat.strategy': warning: weights are all 1: weighted is "
                          "round-robin (give targets a weight, e.g. {target: local/a, weight: 3})"));
  // A weight in a rule's targets is enough.
  EXPECT_THAT(load(route("    targets: [local/a, local/b]\n"
                         "    rules: [{when: {tools: true}, targets: [{target: local/a, weight: 5}, local/b]}]\n"
                         "    strategy: weighted\n"))
                  .warnings,
              IsEmpty());
  // cheapest with no configured price: the catalog may know the models.
  EXPECT_THAT(load(route("    strategy: cheapest\n    targets: [local/a, openai/b]\n")).warnings, IsEmpty());
}

TEST(EconomicsWarnings, WeightOnAnotherStrategyLoadsQuietly) {
  // The weight is kept (a reload may switch the strategy) and nothing is warned.
  const Config config = load(route("    targets: [{target: local/a, weight: 2}, local/b]\n"));
  EXPECT_EQ(config.routes[0].targets[0].weight, 2);
  EXPECT_THAT(config.warnings, IsEmpty());
}

TEST(EconomicsBudgets, RoutesMustExistAndValuesBeNonNegative) {
  EXPECT_THAT(
      problems(std::string(kBase) + "budgets:\n"                                            // 5
                                    "  gateway: {usd_per_day: -1, tokens_per_day: 1.5}\n"  // 6
                                    "  routes:\n"                                          // 7
                                    "    caht: {usd_per_month: 10}\n"                      // 8
                                    "    chat: {usd_per_dy: 1}\n"                        // 9
                                    "  route: {}\n"),                                      // 10
      ElementsAre(
          "test.yaml:6: key 'budgets.gateway.usd_per_day': expected a number of at least 0, got '-1'",
          "test.yaml:6: key 'budgets.gateway.tokens_per_day': expected an integer of at least 0, got '1.5'",
          "test.yaml:8: key 'budgets.routes.caht': unknown route 'caht' (did you mean 'chat'?); declared routes: chat",
          AllOf(StartsWith("test.yaml:9: key 'budgets.routes.chat.usd_per_dy': unknown key (did you mean "
                           "'usd_per_day'?)"),
                HasSubstr("allowed keys: usd_per_day, usd_per_month, tokens_per_day, tokens_per_month")),
          "test.yaml:10: key 'budgets.route': unknown key (did you mean 'routes'?); allowed keys: gateway, routes"));
}

TEST(EconomicsBudgets, BudgetsMayNameRoutesDeclaredLater) {
  const Config config = load("budgets: {routes: {chat: {tokens_per_month: 5000000}}}\n" + std::string(kBase));
  EXPECT_EQ(config.budgets.routes.at("chat").tokens_per_month, 5000000);
  EXPECT_THAT(config.warnings, IsEmpty());
}

TEST(EconomicsWarnings, BudgetThatSetsNoLimitIsWarnedAbout) {
  const Config config = load(std::string(kBase) + "budgets:\n"                                     // 5
                                                  "  gateway: {usd_per_day: 0}\n"                  // 6
                                                  "  routes: {chat: }\n"                           // 7
                                                  "keys:\n"                                        // 8
                                                  "  a: {key: a-0123456789abcdef, budget: {}}\n");  // 9
  const std::string what = "warning: sets no limit (usd_per_day, usd_per_month, tokens_per_day, tokens_per_month "
                           "are all 0 or absent)";
  EXPECT_THAT(config.warnings, ElementsAre("test.yaml:6: key 'budgets.gateway': " + what,
                                           "test.yaml:7: key 'budgets.routes.chat': " + what,
                                           "test.yaml:9: key 'keys.a.budget': " + what));
}

TEST(EconomicsKeys, KeyBudgetLimitsAndTagsAreValidated) {
  EXPECT_THAT(problems(std::string(kBase) + "keys:\n"                                                       // 5
                                            "  a:\n"                                                        // 6
                                            "    key: a-0123456789abcdef\n"                                 // 7
                                            "    budget: {usd_per_dya: 5, tokens_per_month: -1}\n"          // 8
                                            "    limits: {rpm: x}\n"                                        // 9
                                            "    tags: [ok, '']\n"                                          // 10
                                            "    tag: [x]\n"),                                              // 11
              ElementsAre(AllOf(StartsWith("test.yaml:8: key 'keys.a.budget.usd_per_dya': unknown key (did you "
                                           "mean 'usd_per_day'?)")),
                          "test.yaml:8: key 'keys.a.budget.tokens_per_month': expected an integer of at least 0, "
                          "got '-1'",
                          "test.yaml:9: key 'keys.a.limits.rpm': expected an integer of at least 0, got 'x'",
                          "test.yaml:10: key 'keys.a.tags[1]': empty list entry",
                          AllOf(StartsWith("test.yaml:11: key 'keys.a.tag': unknown key (did you mean 'tags'?)"),
                                HasSubstr("expires, enabled, budget, limits, tags"))));
  // One tag needs no list; `tags: []` means none; a tag written twice counts once.
  const Config config = load(std::string(kBase) + "keys:\n"
                                                  "  a: {key: a-0123456789abcdef, tags: batch}\n"
                                                  "  b: {key: b-0123456789abcdef, tags: []}\n"
                                                  "  c: {key: c-0123456789abcdef, tags: [x, y, x]}\n");
  EXPECT_THAT(config.keys[0].tags, ElementsAre("batch"));
  EXPECT_THAT(config.keys[1].tags, IsEmpty());
  EXPECT_THAT(config.keys[2].tags, ElementsAre("x", "y"));
}

TEST(EconomicsConfig, BudgetsIsOfferedAsASuggestion) {
  EXPECT_THAT(problems(std::string(kBase) + "budget: {}\n"),
              ElementsAre(AllOf(StartsWith("test.yaml:5: key 'budget': unknown key (did you mean 'budgets'?)"),
                                HasSubstr("store, budgets"))));
}

TEST(EconomicsDescribe, CheckShowsPricesRulesBudgetsAndKeyLimits) {
  const std::string text = describe(loadContract());
  EXPECT_THAT(text, HasSubstr("  chat (cheapest)\n"
                              "    1. openai/gpt-4o -> https://api.openai.com:443/v1/chat/completions\n"
                              "       price input=2.5 output=10 cached_input=1.25 weight=3 rpm=100 tpm=50000 "
                              "max_output_tokens=16384\n"
                              "    2. local/llama-3.1-8b -> http://localhost:11434/v1/chat/completions\n"
                              "    max_cost    4x the first target's price (dearer fallbacks are skipped)\n"
                              "    rules       1. max_prompt_tokens=2000 stream=true -> local/llama-3.1-8b, "
                              "openai/gpt-4o-mini\n"
                              "                2. tools=true -> openai/gpt-4o\n"
                              "                3. min_prompt_tokens=2001 images=true json_mode=false header "
                              "x-tier=gold keys=[team-a] key_tags=[batch] -> openai/gpt-4o (weight=2), "
                              "local/llama-3.1-8b\n"
                              "    retry "));
  EXPECT_THAT(text, HasSubstr("    enabled     yes\n"
                              "    budget      usd_per_day=50 usd_per_month=1000 tokens_per_day=1000000\n"
                              "    limits      rpm=600 tpm=200000\n"
                              "    tags        interactive\n"));
  EXPECT_THAT(text, HasSubstr("\nbudgets\n"
                              "  gateway     usd_per_day=2000\n"
                              "  route chat  usd_per_day=500\n"));
}

TEST(EconomicsDescribe, CheckShowsNothingNewForAPlainConfig) {
  const std::string text = describe(load(kBase));
  EXPECT_THAT(text, Not(HasSubstr("budgets")));
  EXPECT_THAT(text, Not(HasSubstr("rules")));
  EXPECT_THAT(text, Not(HasSubstr("max_cost")));
  EXPECT_THAT(text, Not(HasSubstr("weight")));
  // Under weighted every weight is shown, the default 1 too; a catch-all rule reads "always".
  const std::string weighted =
      describe(load(route("    strategy: weighted\n    targets: [{target: local/a, weight: 4}, local/b]\n"
                          "    rules: [{targets: [local/b]}]\n")));
  EXPECT_THAT(weighted, HasSubstr("    1. local/a -> http://127.0.0.1:9001/v1/chat/completions\n       weight=4\n"
                                  "    2. local/b -> http://127.0.0.1:9001/v1/chat/completions\n       weight=1\n"));
  EXPECT_THAT(weighted, HasSubstr("    rules       1. always -> local/b (weight=1)\n"));
}

}  // namespace
}  // namespace switchyard::config
