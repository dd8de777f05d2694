// Routing rules (routing/rules.h), the route table's rule specs and target prices
// (routing/route_table.h), and the request shape read from chat bodies (proxy/request_shape.h).
#include "routing/rules.h"

#include <map>
#include <set>

#include <gtest/gtest.h>

#include "proxy/request_shape.h"
#include "routing/route_table.h"

namespace switchyard::routing {
namespace {

// --- ruleMatches, one condition at a time ---

struct Shape {
  RequestShape shape;
  std::map<std::string, std::string, std::less<>> headers;
  std::vector<std::string> tags;

  Shape() {
    shape.header = [this](std::string_view name) -> std::optional<std::string_view> {
      const auto it = headers.find(name);
      if (it == headers.end()) return std::nullopt;
      return std::string_view(it->second);
    };
  }
  Shape(const Shape&) = delete;
};

TEST(RuleMatches, AnEmptyConditionAlwaysHolds) {
  Shape request;
  EXPECT_TRUE(ruleMatches({}, request.shape));
  EXPECT_TRUE(ruleMatches({}, RequestShape{}));
}

TEST(RuleMatches, PromptTokenBoundsAreInclusive) {
  config::RuleCondition short_prompt;
  short_prompt.max_prompt_tokens = 1000;
  config::RuleCondition long_prompt;
  long_prompt.min_prompt_tokens = 1000;
  RequestShape shape;
  shape.prompt_tokens = 999;
  EXPECT_TRUE(ruleMatches(short_prompt, shape));
  EXPECT_FALSE(ruleMatches(long_prompt, shape));
  shape.prompt_tokens = 1000;
  EXPECT_TRUE(ruleMatches(short_prompt, shape));
  EXPECT_TRUE(ruleMatches(long_prompt, shape));
  shape.prompt_tokens = 1001;
  EXPECT_FALSE(ruleMatches(short_prompt, shape));
  EXPECT_TRUE(ruleMatches(long_prompt, shape));
}

TEST(RuleMatches, FlagsMustEqualTheRequestsBothWays) {
  const auto check = [](std::optional<bool> config::RuleCondition::*field, bool RequestShape::*flag) {
    config::RuleCondition wants_true;
    wants_true.*field = true;
    config::RuleCondition wants_false;
    wants_false.*field = false;
    RequestShape shape;
    EXPECT_FALSE(ruleMatches(wants_true, shape));
    EXPECT_TRUE(ruleMatches(wants_false, shape));
    shape.*flag = true;
    EXPECT_TRUE(ruleMatches(wants_true, shape));
    EXPECT_FALSE(ruleMatches(wants_false, shape));
  };
  check(&config::RuleCondition::stream, &RequestShape::stream);
  check(&config::RuleCondition::tools, &RequestShape::tools);
  check(&config::RuleCondition::images, &RequestShape::images);
  check(&config::RuleCondition::json_mode, &RequestShape::json_mode);
}

TEST(RuleMatches, HeadersMustBePresentWithExactlyThatValue) {
  config::RuleCondition when;
  when.headers["x-tier"] = "premium";
  when.headers["x-team"] = "search";
  Shape request;
  EXPECT_FALSE(ruleMatches(when, request.shape));
  request.headers["x-tier"] = "premium";
  EXPECT_FALSE(ruleMatches(when, request.shape));  // every header, not any
  request.headers["x-team"] = "search";
  EXPECT_TRUE(ruleMatches(when, request.shape));
  request.headers["x-tier"] = "Premium";
  EXPECT_FALSE(ruleMatches(when, request.shape));
  EXPECT_FALSE(ruleMatches(when, RequestShape{}));  // no header lookup at all
}

TEST(RuleMatches, KeysMatchAnyNamedKeyAndNeverAnAnonymousRequest) {
  config::RuleCondition when;
  when.keys = {"batch", "nightly"};
  RequestShape shape;
  EXPECT_FALSE(ruleMatches(when, shape));
  shape.key_name = "interactive";
  EXPECT_FALSE(ruleMatches(when, shape));
  shape.key_name = "nightly";
  EXPECT_TRUE(ruleMatches(when, shape));
}

TEST(RuleMatches, KeyTagsMatchAnyTagOfTheKey) {
  config::RuleCondition when;
  when.key_tags = {"internal", "eval"};
  RequestShape shape;
  EXPECT_FALSE(ruleMatches(when, shape));
  const std::vector<std::string> other{"customer"};
  shape.key_tags = other;
  EXPECT_FALSE(ruleMatches(when, shape));
  const std::vector<std::string> tagged{"customer", "eval"};
  shape.key_tags = tagged;
  EXPECT_TRUE(ruleMatches(when, shape));
}

TEST(RuleMatches, EveryStatedConditionMustHold) {
  config::RuleCondition when;
  when.max_prompt_tokens = 2000;
  when.tools = true;
  when.keys = {"agent"};
  RequestShape shape;
  shape.prompt_tokens = 500;
  shape.tools = true;
  shape.key_name = "agent";
  EXPECT_TRUE(ruleMatches(when, shape));
  shape.prompt_tokens = 2500;
  EXPECT_FALSE(ruleMatches(when, shape));
  shape.prompt_tokens = 500;
  shape.tools = false;
  EXPECT_FALSE(ruleMatches(when, shape));
}

// --- the route table with rules ---

config::Provider provider(std::string name, std::string host, std::string preset = "") {
  config::Provider p;
  p.name = std::move(name);
  p.kind = "openai";
  p.preset = std::move(preset);
  p.endpoint.host = std::move(host);
  p.endpoint.port = 443;
  return p;
}

config::Target target(std::string provider_name, std::string model) {
  config::Target t;
  t.provider = std::move(provider_name);
  t.model = std::move(model);
  return t;
}

config::Config rulesConfig() {
  config::Config config;
  config.providers = {provider("openai", "api.openai.com"), provider("local", "localhost", "ollama"),
                      provider("anthropic", "api.anthropic.com")};
  config::Route chat;
  chat.name = "chat";
  chat.strategy = "cheapest";
  chat.max_cost_ratio = 4;
  chat.retry.max_attempts = 5;
  chat.hedge.enabled = true;
  chat.targets = {target("openai", "gpt-4o"), target("anthropic", "claude-sonnet-4-5")};
  config::RouteRule small;
  small.when.max_prompt_tokens = 1000;
  small.targets = {target("local", "llama3.1:8b"), target("openai", "gpt-4o-mini")};
  small.line = 20;
  config::RouteRule tools;
  tools.when.tools = true;
  tools.targets = {target("openai", "gpt-4o")};  // the same provider/model as the route's first
  tools.line = 25;
  chat.rules = {small, tools};
  config::Route embed;
  embed.name = "embed";
  embed.targets = {target("openai", "text-embedding-3-small")};
  config.routes = {chat, embed};
  return config;
}

TEST(RouteTableRules, EachRuleGetsASpecLikeItsRouteWithItsOwnTargets) {
  const config::Config config = rulesConfig();
  const RouteTable table(config);
  ASSERT_EQ(table.routes().size(), 2U);
  const RouteSpec& chat = table.routes()[0];
  EXPECT_EQ(chat.index, 0U);
  EXPECT_EQ(table.routes()[1].index, 1U);
  EXPECT_EQ(chat.rule, -1);
  ASSERT_EQ(chat.rules.size(), 2U);
  for (std::size_t r = 0; r < chat.rules.size(); ++r) {
    const RouteSpec& spec = chat.rules[r].spec;
    EXPECT_EQ(spec.name, "chat");
    EXPECT_EQ(spec.index, 0U);
    EXPECT_EQ(spec.rule, static_cast<int>(r));
    EXPECT_EQ(spec.retry.max_attempts, 5);
    EXPECT_TRUE(spec.hedge.enabled);
    EXPECT_EQ(spec.plan.strategy, Strategy::Cheapest);
    EXPECT_EQ(spec.plan.max_cost_ratio, 4);
    EXPECT_TRUE(spec.rules.empty());
  }
  EXPECT_EQ(chat.rules[0].line, 20);
  EXPECT_EQ(chat.rules[0].spec.targets[0].id, "local/llama3.1:8b");
  EXPECT_EQ(table.routes()[1].plan.strategy, Strategy::Fallback);
}

TEST(RouteTableRules, SlotsAreUniqueAcrossRoutesAndRulesAndTargetsListsThemAll) {
  const config::Config config = rulesConfig();
  const RouteTable table(config);
  // chat 2 + rule 2 + rule 1 + embed 1.
  ASSERT_EQ(table.targets().size(), 6U);
  std::set<std::size_t> slots;
  const auto note = [&](const TargetRef& target) {
    EXPECT_TRUE(slots.insert(target.slot).second) << target.id;
    ASSERT_LT(target.slot, table.targets().size());
    EXPECT_EQ(table.targets()[target.slot], &target);
  };
  for (const RouteSpec& route : table.routes()) {
    for (const TargetRef& t : route.targets) note(t);
    for (const RuleSpec& rule : route.rules) {
      for (const TargetRef& t : rule.spec.targets) note(t);
    }
  }
  EXPECT_EQ(slots.size(), 6U);
}

TEST(RouteTableRules, ARuleTargetSharesTheHealthOfTheSameProviderModel) {
  const config::Config config = rulesConfig();
  const RouteTable table(config);
  const RouteSpec& chat = table.routes()[0];
  EXPECT_EQ(chat.rules[1].spec.targets[0].health, chat.targets[0].health);  // openai/gpt-4o
  EXPECT_NE(chat.rules[1].spec.targets[0].slot, chat.targets[0].slot);
  // Distinct: gpt-4o, claude-sonnet-4-5, llama3.1:8b, gpt-4o-mini, text-embedding-3-small.
  EXPECT_EQ(table.healthTargets().size(), 5U);
  for (const TargetRef* t : table.targets()) {
    ASSERT_LT(t->health, table.healthTargets().size());
    EXPECT_EQ(table.healthTargets()[t->health].id, t->id);
  }
}

TEST(SelectSpec, TheFirstMatchingRuleElseTheRoute) {
  const config::Config config = rulesConfig();
  const RouteTable table(config);
  const RouteSpec& chat = table.routes()[0];
  RequestShape shape;
  shape.prompt_tokens = 500;
  shape.tools = true;  // both rules match: the first wins
  EXPECT_EQ(&selectSpec(chat, shape), &chat.rules[0].spec);
  shape.prompt_tokens = 5000;
  EXPECT_EQ(&selectSpec(chat, shape), &chat.rules[1].spec);
  shape.tools = false;
  EXPECT_EQ(&selectSpec(chat, shape), &chat);
  // A rule's spec has no rules of its own.
  shape.prompt_tokens = 10;
  EXPECT_EQ(&selectSpec(chat.rules[1].spec, shape), &chat.rules[1].spec);
  // A route without rules is itself.
  EXPECT_EQ(&selectSpec(table.routes()[1], shape), &table.routes()[1]);
}

// --- target prices and limits ---

TEST(TargetPrices, ConfigThenLocalPresetThenCatalogThenPrivateHostThenUnknown) {
  config::Config config;
  config.providers = {provider("openai", "api.openai.com"), provider("ollama", "gpu-box", "ollama"),
                      provider("lan", "10.1.2.3"), provider("lab", "models.example.com")};
  config::Target priced = target("openai", "gpt-4o");
  priced.price = config::Price{2.0, 8.0, std::nullopt};
  config::Target cached = target("openai", "gpt-4o");
  cached.price = config::Price{2.0, 8.0, 0.5};
  config::Route route;
  route.name = "chat";
  route.targets = {priced,
                   cached,
                   target("openai", "gpt-4o-mini-2024-07-18"),
                   target("ollama", "llama-3.1-8b"),  // in the catalog, but served locally
                   target("lan", "gpt-4o"),           // a private host serving a catalogued name
                   target("lan", "my-finetune"),
                   target("lab", "my-finetune")};
  config.routes = {route};
  const RouteTable table(config);
  const auto& t = table.routes()[0].targets;

  EXPECT_EQ(t[0].price_source, PriceSource::Config);
  EXPECT_TRUE(t[0].price.known);
  EXPECT_DOUBLE_EQ(t[0].price.input_per_mtok, 2.0);
  EXPECT_DOUBLE_EQ(t[0].price.output_per_mtok, 8.0);
  EXPECT_DOUBLE_EQ(t[0].price.cached_input_per_mtok, 2.0);  // cached = input unless stated
  EXPECT_DOUBLE_EQ(t[1].price.cached_input_per_mtok, 0.5);

  EXPECT_EQ(t[2].price_source, PriceSource::Catalog);
  EXPECT_DOUBLE_EQ(t[2].price.input_per_mtok, 0.15);
  EXPECT_DOUBLE_EQ(t[2].price.output_per_mtok, 0.60);
  EXPECT_DOUBLE_EQ(t[2].price.cached_input_per_mtok, 0.15);
  EXPECT_DOUBLE_EQ(t[2].price.comparable(), 0.75);

  EXPECT_EQ(t[3].price_source, PriceSource::Local);
  EXPECT_TRUE(t[3].price.known);
  EXPECT_DOUBLE_EQ(t[3].price.comparable(), 0);

  EXPECT_EQ(t[4].price_source, PriceSource::Catalog);
  EXPECT_EQ(t[5].price_source, PriceSource::Local);
  EXPECT_TRUE(t[5].price.known);

  EXPECT_EQ(t[6].price_source, PriceSource::Unknown);
  EXPECT_FALSE(t[6].price.known);
  EXPECT_DOUBLE_EQ(t[6].price.comparable(), 0);
  EXPECT_EQ(priceSourceName(PriceSource::Catalog), "catalog");
}

TEST(TargetPrices, AConfigPriceWinsOverALocalPreset) {
  config::Config config;
  config.providers = {provider("vllm", "localhost", "vllm")};
  config::Target t = target("vllm", "qwen");
  t.price = config::Price{0.01, 0.02, std::nullopt};
  config::Route route;
  route.name = "r";
  route.targets = {t};
  config.routes = {route};
  const RouteTable table(config);
  EXPECT_EQ(table.routes()[0].targets[0].price_source, PriceSource::Config);
  EXPECT_DOUBLE_EQ(table.routes()[0].targets[0].price.comparable(), 0.03);
}

TEST(TargetPrices, WeightLimitsAndMaxOutputTokensComeFromTheConfigElseTheCatalog) {
  config::Config config;
  config.providers = {provider("openai", "api.openai.com")};
  config::Target declared = target("openai", "gpt-4o");
  declared.weight = 3;
  declared.limits = config::RateLimits{60, 90000};
  declared.max_output_tokens = 2048;
  config::Route route;
  route.name = "r";
  route.targets = {declared, target("openai", "gpt-4o"), target("openai", "house-model")};
  config.routes = {route};
  const RouteTable table(config);
  const auto& t = table.routes()[0].targets;
  EXPECT_EQ(t[0].weight, 3);
  EXPECT_EQ(t[0].limits.rpm, 60);
  EXPECT_EQ(t[0].limits.tpm, 90000);
  EXPECT_EQ(t[0].max_output_tokens, 2048);
  EXPECT_EQ(t[1].weight, 1);
  EXPECT_EQ(t[1].max_output_tokens, 16384);  // the catalog's
  EXPECT_EQ(t[2].max_output_tokens, 0);
}

TEST(IsPrivateHost, LoopbackPrivateAndLinkLocalAddresses) {
  for (const char* host : {"localhost", "LOCALHOST", "api.localhost", "127.0.0.1", "127.9.9.9", "10.0.0.1",
                           "172.16.0.1", "172.31.255.255", "192.168.1.20", "169.254.1.1", "::1", "[::1]", "fd12::1",
                           "fc00::2", "fe80::1"}) {
    EXPECT_TRUE(isPrivateHost(host)) << host;
  }
  for (const char* host : {"api.openai.com", "8.8.8.8", "172.32.0.1", "172.15.0.1", "192.169.0.1", "11.0.0.1",
                           "2001:db8::1", "localhost.example.com", "127.0.0", "", "10.0.0.256"}) {
    EXPECT_FALSE(isPrivateHost(host)) << host;
  }
}

TEST(IsLocalProvider, LocalServerPresetsOnly) {
  EXPECT_TRUE(isLocalProvider(provider("a", "gpu", "vllm")));
  EXPECT_TRUE(isLocalProvider(provider("a", "gpu", "llamacpp")));
  EXPECT_TRUE(isLocalProvider(provider("a", "gpu", "ollama")));
  EXPECT_FALSE(isLocalProvider(provider("a", "localhost", "")));
  EXPECT_FALSE(isLocalProvider(provider("a", "api.groq.com", "groq")));
}

// --- the request shape of a chat body ---

TEST(RequestShape, OpenAIBody) {
  const RequestShape shape = proxy::shapeOfChatBody(R"({
    "model": "chat", "stream": true,
    "messages": [
      {"role": "system", "content": "You are terse."},
      {"role": "user", "content": [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}],
    "tools": [{"type": "function", "function": {"name": "look", "parameters": {"type": "object"}}}],
    "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}
  })");
  EXPECT_TRUE(shape.stream);
  EXPECT_TRUE(shape.tools);
  EXPECT_TRUE(shape.images);
  EXPECT_TRUE(shape.json_mode);
  // 14 + 24 text characters, 6000 for the image, "look" and "x"... in tools: "look" (4) and
  // "object" is a `type` value (not counted): (14 + 24 + 6000 + 4 + 3) / 4 + 2 x 4.
  EXPECT_EQ(shape.prompt_tokens, (14 + 24 + 6000 + 4 + 3) / 4 + 8);
}

TEST(RequestShape, AnthropicBody) {
  const RequestShape shape = proxy::shapeOfChatBody(R"({
    "model": "chat", "max_tokens": 100,
    "system": [{"type": "text", "text": "Be kind."}],
    "messages": [
      {"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
        {"type": "text", "text": "Describe it."}]},
      {"role": "assistant", "content": "A cat."}],
    "tools": [{"name": "search", "description": "Find things", "input_schema": {"type": "object"}}]
  })");
  EXPECT_FALSE(shape.stream);
  EXPECT_TRUE(shape.tools);
  EXPECT_TRUE(shape.images);
  EXPECT_FALSE(shape.json_mode);
  // messages: 6000 + 12 + 6; system 8; tools 6 + 11.
  EXPECT_EQ(shape.prompt_tokens, static_cast<std::int64_t>((6000 + 12 + 6 + 8 + 6 + 11 + 3) / 4 + 8));
}

TEST(RequestShape, PlainTextRequestHasNoFlags) {
  const RequestShape shape = proxy::shapeOfChatBody(
      R"({"model":"chat","messages":[{"role":"user","content":"12345678"}],"tools":[],"response_format":{"type":"text"}})");
  EXPECT_FALSE(shape.stream);
  EXPECT_FALSE(shape.tools);
  EXPECT_FALSE(shape.images);
  EXPECT_FALSE(shape.json_mode);
  EXPECT_EQ(shape.prompt_tokens, 2 + 4);
}

TEST(RequestShape, JsonObjectModeAndLegacyFunctions) {
  const RequestShape shape = proxy::shapeOfChatBody(
      R"({"model":"chat","messages":[],"functions":[{"name":"f"}],"response_format":{"type":"json_object"}})");
  EXPECT_TRUE(shape.tools);
  EXPECT_TRUE(shape.json_mode);
}

TEST(RequestShape, NotJsonGivesAnEmptyShape) {
  for (const char* body : {"", "{", "[1,2]", "null"}) {
    const RequestShape shape = proxy::shapeOfChatBody(body);
    EXPECT_EQ(shape.prompt_tokens, 0) << body;
    EXPECT_FALSE(shape.stream || shape.tools || shape.images || shape.json_mode) << body;
  }
}

}  // namespace
}  // namespace switchyard::routing
