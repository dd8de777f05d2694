// The governance keys of the config file (issue 12): store, auth, keys, data_classes, and the
// data_class and pii keys of routes; their errors, warnings and `switchyard check` output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "base/sha256.h"
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

std::string hashOf(const std::string& secret) { return base::toHex(base::sha256(secret)); }

// Lines 1-4: one provider holding hipaa_baa in eu-west-1, one route; tests append from line 5.
constexpr const char* kBase =
    "providers:\n"                                                                                 // 1
    "  local: {kind: openai, base_url: 'http://127.0.0.1:9001/v1', compliance: [hipaa_baa], "
    "labels: {region: eu-west-1}}\n"                                                               // 2
    "routes:\n"                                                                                    // 3
    "  chat: {targets: [local/m]}\n";                                                              // 4

constexpr const char* kLongKey = "team-a-0123456789abcdef";
constexpr const char* kAdminKey = "admin-0123456789abcdef";

// The example of the issue, every key present.
constexpr const char* kFull = R"(
store: {sqlite: data/gw.db}
auth:
  admin_keys: [ "${ADMIN}", "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD" ]
  anonymous: false
keys:
  team-a: {key: "${TEAM_A}", routes: [chat], data_class: phi, pii: {action: audit}, expires: 2099-01-01, enabled: true}
  team-b:
    key: sha256:0000000000000000000000000000000000000000000000000000000000000001
    data_class: [phi, eu]
    pii: {action: redact, detect: [email, iban], patterns: {employee_id: 'E[0-9]{6}'}}
    expires: 2099-01-01T12:30:00+02:00
    enabled: false
data_classes:
  phi: {requires: [hipaa_baa]}
  eu:  {labels: {region: [eu-west-1, eu-central-1]}}
  pii: {requires: [hipaa_baa], labels: {region: eu-west-1}}
providers:
  local: {kind: openai, base_url: 'http://127.0.0.1:9001/v1', compliance: [hipaa_baa], labels: {region: eu-west-1}}
routes:
  chat: {targets: [local/m], data_class: phi, pii: {action: redact}}
  summarise: {targets: [local/m], data_class: [phi, eu], pii: escalate}
)";

Config loadFull() {
  return loadString(kFull, "conf/gw.yaml", fakeEnv({{"ADMIN", kAdminKey}, {"TEAM_A", kLongKey}}));
}

TEST(GovernanceConfig, EveryKeyOfTheExampleIsRead) {
  const Config config = loadFull();
  EXPECT_EQ(config.store.sqlite_path, "conf/data/gw.db");
  EXPECT_THAT(config.auth.admin_key_sha256_hex,
              ElementsAre(hashOf(kAdminKey), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_EQ(config.auth.anonymous, false);
  EXPECT_FALSE(config.anonymousAllowed());

  ASSERT_EQ(config.keys.size(), 2u);
  const ClientKey& a = config.keys[0];
  EXPECT_EQ(a.name, "team-a");
  EXPECT_EQ(a.sha256_hex, hashOf(kLongKey));
  EXPECT_THAT(a.routes, ElementsAre("chat"));
  EXPECT_THAT(a.data_classes, ElementsAre("phi"));
  EXPECT_EQ(a.pii.action, PiiAction::Audit);
  EXPECT_EQ(a.expires_at, 4070908800);  // 2099-01-01T00:00:00Z
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.line, 7);
  const ClientKey& b = config.keys[1];
  EXPECT_EQ(b.sha256_hex, std::string(63, '0') + "1");
  EXPECT_TRUE(b.routes.empty());  // every route
  EXPECT_THAT(b.data_classes, ElementsAre("phi", "eu"));
  EXPECT_EQ(b.pii.action, PiiAction::Redact);
  EXPECT_THAT(b.pii.detect, ElementsAre("email", "iban"));
  ASSERT_EQ(b.pii.patterns.size(), 1u);
  EXPECT_EQ(b.pii.patterns[0].name, "employee_id");
  EXPECT_EQ(b.pii.patterns[0].regex, "E[0-9]{6}");  // kept as text: the proxy compiles it
  EXPECT_EQ(b.expires_at, 4070908800 + 12 * 3600 + 30 * 60 - 2 * 3600);
  EXPECT_FALSE(b.enabled);

  ASSERT_EQ(config.data_classes.size(), 3u);
  EXPECT_EQ(config.data_classes[0].name, "phi");
  EXPECT_THAT(config.data_classes[0].requires_compliance, ElementsAre("hipaa_baa"));
  EXPECT_EQ(config.data_classes[1].labels,
            (std::map<std::string, std::vector<std::string>>{{"region", {"eu-west-1", "eu-central-1"}}}));
  EXPECT_EQ(config.data_classes[2].labels,
            (std::map<std::string, std::vector<std::string>>{{"region", {"eu-west-1"}}}));
  EXPECT_EQ(config.findDataClass("eu"), &config.data_classes[1]);

  const Route& chat = config.routes.at(0);
  EXPECT_THAT(chat.data_classes, ElementsAre("phi"));
  EXPECT_EQ(chat.pii.action, PiiAction::Redact);
  EXPECT_TRUE(chat.pii.detect.empty());  // every built-in detector
  const Route& summarise = config.routes.at(1);
  EXPECT_THAT(summarise.data_classes, ElementsAre("phi", "eu"));
  EXPECT_EQ(summarise.pii.action, PiiAction::Escalate);  // the shorthand
  EXPECT_EQ(summarise.pii.escalate_to, "pii");
  EXPECT_THAT(config.warnings, IsEmpty());
}

TEST(GovernanceConfig, OmittedKeysTakeTheirDefaults) {
  const Config config = loadString(kBase, "conf/gw.yaml", fakeEnv());
  EXPECT_EQ(config.store.sqlite_path, "conf/switchyard.db");  // beside the config
  EXPECT_EQ(config.auth.anonymous, std::nullopt);
  EXPECT_TRUE(config.anonymousAllowed());  // 127.0.0.1 by default
  EXPECT_TRUE(config.auth.admin_key_sha256_hex.empty());
  EXPECT_TRUE(config.keys.empty());
  EXPECT_TRUE(config.data_classes.empty());
  EXPECT_TRUE(config.routes.at(0).data_classes.empty());
  EXPECT_EQ(config.routes.at(0).pii.action, PiiAction::None);
  EXPECT_FALSE(load("listen: 0.0.0.0:8080\n" + std::string(kBase)).anonymousAllowed());
  EXPECT_TRUE(load("listen: 0.0.0.0:8080\nauth: {anonymous: true}\n" + std::string(kBase)).anonymousAllowed());
}

TEST(GovernanceConfig, StorePathIsResolvedAgainstTheConfigDirectory) {
  const auto path = [](const std::string& store) {
    return loadString(std::string(kBase) + "store: {sqlite: " + store + "}\n", "/etc/sy/gw.yaml", fakeEnv())
        .store.sqlite_path;
  };
  EXPECT_EQ(path("state.db"), "/etc/sy/state.db");
  EXPECT_EQ(path("/var/lib/sy.db"), "/var/lib/sy.db");
  EXPECT_EQ(path("':memory:'"), ":memory:");
  EXPECT_EQ(loadString(std::string(kBase) + "store: {}\n", "/etc/sy/gw.yaml", fakeEnv()).store.sqlite_path,
            "/etc/sy/switchyard.db");
  EXPECT_THAT(problems(std::string(kBase) + "store: {sqlite: ''}\n"),
              ElementsAre("test.yaml:5: key 'store.sqlite': must not be empty (a file path, or :memory:)"));
  EXPECT_THAT(problems(std::string(kBase) + "store: {sqlit: x.db}\n"),
              ElementsAre(AllOf(StartsWith("test.yaml:5: key 'store.sqlit': unknown key"),
                                HasSubstr("did you mean 'sqlite'?"))));
}

TEST(GovernanceConfig, NewTopLevelKeysAreOfferedAsSuggestions) {
  EXPECT_THAT(problems(std::string(kBase) + "data_class: {}\n"),
              ElementsAre(AllOf(StartsWith("test.yaml:5: key 'data_class': unknown key"),
                                HasSubstr("did you mean 'data_classes'?"),
                                HasSubstr("data_classes, keys, auth, store"))));
}

TEST(GovernanceConfig, AdminKeysAreHashedAndBadEntriesRejected) {
  EXPECT_THAT(load(std::string(kBase) + "auth: {admin_keys: ['" + kAdminKey + "']}\n").auth.admin_key_sha256_hex,
              ElementsAre(hashOf(kAdminKey)));
  EXPECT_THAT(problems(std::string(kBase) + "auth:\n  admin_keys:\n    - ''\n    - ~\n    - sha256:abc\n"),
              ElementsAre("test.yaml:7: key 'auth.admin_keys[0]': must not be empty",
                          "test.yaml:8: key 'auth.admin_keys[1]': must not be empty",
                          "test.yaml:9: key 'auth.admin_keys[2]': expected sha256: followed by 64 hex "
                          "digits (the value is not shown)"));
  EXPECT_THAT(problems(std::string(kBase) + "auth: {admin_keys: x, anonymous: maybe}\n"),
              ElementsAre("test.yaml:5: key 'auth.admin_keys': expected a list, got a string",
                          "test.yaml:5: key 'auth.anonymous': expected true or false, got 'maybe'"));
}

TEST(GovernanceConfig, ShortPlaintextKeysAreWarnedAboutWithoutShowingThem) {
  const Config config = load(std::string(kBase) + "auth: {admin_keys: [adm1n]}\nkeys: {k: {key: sekrit}}\n");
  EXPECT_THAT(config.warnings,
              ElementsAre("test.yaml:5: key 'auth.admin_keys[0]': warning: is shorter than 16 characters "
                          "and could be guessed; use a long random secret (e.g. openssl rand -hex 32)",
                          StartsWith("test.yaml:6: key 'keys.k.key': warning: is shorter than 16")));
  for (const std::string& warning : config.warnings) EXPECT_THAT(warning, Not(HasSubstr("sekrit")));
  // A digest is no secret to guess: no warning.
  EXPECT_THAT(load(std::string(kBase) + "keys: {k: {key: 'sha256:" + hashOf("x") + "'}}\n").warnings, IsEmpty());
}

TEST(GovernanceConfig, KeyNeedsANonEmptySecretThatNoOtherKeyShares) {
  EXPECT_THAT(problems(std::string(kBase) + "keys:\n  a: {routes: [chat]}\n  b: {key: ''}\n  c: {key: }\n"),
              ElementsAre(StartsWith("test.yaml:6: key 'keys.a.key': missing required key (the secret"),
                          "test.yaml:7: key 'keys.b.key': must not be empty",
                          "test.yaml:8: key 'keys.c.key': must not be empty"));
  EXPECT_THAT(problems(std::string(kBase) + "keys:\n  a: {key: " + kLongKey + "}\n  b: {key: 'sha256:" +
                       hashOf(kLongKey) + "'}\n"),
              ElementsAre("test.yaml:7: key 'keys.b.key': key 'b' has the same secret as key 'a'; every key "
                          "needs its own secret"));
  // The admin key may come after the client key in the file.
  const auto lines = problems(std::string(kBase) + "keys: {a: {key: '" + kAdminKey + "'}}\nauth: {admin_keys: ['" +
                              kAdminKey + "']}\n");
  EXPECT_THAT(lines, ElementsAre("test.yaml:5: key 'keys.a.key': key 'a' has the same secret as an admin key; a "
                                 "client key must differ from every admin key"));
  EXPECT_THAT(lines[0], Not(HasSubstr(kAdminKey)));
}

TEST(GovernanceConfig, KeySecretWithAControlCharacterOrSpaceIsRejected) {
  EXPECT_THAT(problems(std::string(kBase) + "keys: {a: {key: '${K}'}}\n", fakeEnv({{"K", "abc\x01" "defghijklmnopq"}})),
              ElementsAre(AllOf(StartsWith("test.yaml:5: key 'keys.a.key': contains control character 0x01"),
                                Not(HasSubstr("defghijklmnopq")))));
  EXPECT_THAT(problems(std::string(kBase) + "keys: {a: {key: 'abc defghijklmnopq'}}\n"),
              ElementsAre("test.yaml:5: key 'keys.a.key': must not contain spaces"));
}

TEST(GovernanceConfig, KeyRoutesMayBeDeclaredLaterButMustExist) {
  const Config config = load("keys: {a: {key: " + std::string(kLongKey) + ", routes: chat}}\n" + kBase);
  EXPECT_THAT(config.keys.at(0).routes, ElementsAre("chat"));
  EXPECT_THAT(problems(std::string(kBase) + "keys: {a: {key: " + kLongKey + ", routes: [chat, caht, other]}}\n"),
              ElementsAre("test.yaml:5: key 'keys.a.routes[1]': unknown route 'caht' (did you mean 'chat'?); "
                          "declared routes: chat",
                          "test.yaml:5: key 'keys.a.routes[2]': unknown route 'other'; declared routes: chat"));
  EXPECT_THAT(problems(std::string(kBase) + "keys: {a: {key: " + kLongKey + ", routes: []}}\n"),
              ElementsAre("test.yaml:5: key 'keys.a.routes': must name at least one route (omit routes to "
                          "allow every route)"));
}

TEST(GovernanceConfig, ExpiresAcceptsADateOrAnRfc3339Time) {
  const auto expires = [](const std::string& text) {
    return load(std::string(kBase) + "keys: {a: {key: " + kLongKey + ", expires: '" + text + "'}}\n")
        .keys.at(0)
        .expires_at;
  };
  EXPECT_EQ(expires("2027-01-01"), 1798761600);
  EXPECT_EQ(expires("2027-01-01T00:00:01Z"), 1798761601);
  EXPECT_EQ(expires("2027-01-01t00:00:01.999z"), 1798761601);  // fractions are dropped
  EXPECT_EQ(expires("2027-01-01 01:00:00+01:00"), 1798761600);
  EXPECT_EQ(expires("2026-12-31T19:00:00-05:00"), 1798761600);
  EXPECT_EQ(expires("2028-02-29"), 1835395200);  // a leap day
  for (const char* bad : {"2027-13-01", "2027-02-30", "2027-1-1", "2027-01-01T12:00", "2027-01-01T12:00:00",
                          "2027-01-01T25:00:00Z", "2027-01-01T12:00:00+2", "tomorrow", "2027-01-01Zjunk"}) {
    EXPECT_THAT(problems(std::string(kBase) + "keys: {a: {key: " + kLongKey + ", expires: '" + bad + "'}}\n"),
                ElementsAre(StartsWith("test.yaml:5: key 'keys.a.expires': malformed expiry '" + std::string(bad) +
                                       "' (expected a date, e.g. 2027-01-01, or an RFC 3339 time")))
        << bad;
  }
}

TEST(GovernanceConfig, ExpiryInThePastIsAWarning) {
  const Config config = load(std::string(kBase) + "keys: {a: {key: " + kLongKey + ", expires: 2001-01-01}}\n");
  EXPECT_THAT(config.warnings, ElementsAre("test.yaml:5: key 'keys.a.expires': warning: has already passed: "
                                           "requests made with this key are refused"));
}

TEST(GovernanceConfig, DataClassIsANameOrAListOfDeclaredNames) {
  const std::string classes = "data_classes: {phi: {requires: [hipaa_baa]}, eu: {labels: {region: eu-west-1}}}\n";
  const Config config = load(std::string(kBase) + classes + "keys: {a: {key: " + kLongKey + ", data_class: [eu, phi, eu]}}\n");
  EXPECT_THAT(config.keys.at(0).data_classes, ElementsAre("eu", "phi"));  // a repeat counts once
  EXPECT_THAT(problems(std::string(kBase) + classes +
                       "keys: {a: {key: " + kLongKey + ", data_class: phl}}\n"
                       "more:\n"),
              ElementsAre("test.yaml:6: key 'keys.a.data_class': unknown data class 'phl' (did you mean 'phi'?); "
                          "declared data classes: phi, eu",
                          StartsWith("test.yaml:7: key 'more': unknown key")));
  EXPECT_THAT(problems("providers:\n  local: {kind: openai, base_url: 'http://127.0.0.1:9/v1'}\nroutes:\n"
                       "  chat:\n    targets: [local/m]\n    data_class: [phi]\n"),
              ElementsAre("test.yaml:6: key 'routes.chat.data_class[0]': unknown data class 'phi'; no data "
                          "classes are declared"));
}

TEST(GovernanceConfig, DataClassNamesLabelsAndCountAreChecked) {
  EXPECT_THAT(problems(std::string(kBase) +
                       "data_classes:\n"
                       "  PHI: {requires: [x]}\n"
                       "  eu: {labels: {region: [], zone: }}\n"
                       "  us: {requires: x, labls: {}}\n"),
              ElementsAre("test.yaml:6: key 'data_classes.PHI': a data class name may hold only a-z, 0-9, '_' "
                          "and '-'",
                          "test.yaml:7: key 'data_classes.eu.labels.region': must list at least one value",
                          "test.yaml:7: key 'data_classes.eu.labels.zone': must list at least one value",
                          "test.yaml:8: key 'data_classes.us.requires': expected a list, got a string",
                          AllOf(StartsWith("test.yaml:8: key 'data_classes.us.labls': unknown key"),
                                HasSubstr("did you mean 'labels'?"))));
  std::string many = std::string(kBase) + "data_classes:\n";
  for (int i = 0; i < 65; ++i) many += "  c" + std::to_string(i) + ": {requires: [x]}\n";
  EXPECT_THAT(problems(many), ElementsAre("test.yaml:70: key 'data_classes.c64': too many data classes: at most "
                                          "64 (a request's classes are one 64-bit mask)"));
}

TEST(GovernanceConfig, ClassAskingForNothingIsAllowedWithAWarning) {
  const Config config = load(std::string(kBase) + "data_classes:\n  internal: {}\n  other:\n");
  EXPECT_EQ(config.data_classes.size(), 2u);
  EXPECT_THAT(config.warnings,
              ElementsAre("test.yaml:6: key 'data_classes.internal': warning: declares neither requires nor "
                          "labels: every target satisfies it",
                          StartsWith("test.yaml:7: key 'data_classes.other': warning: declares neither")));
}

TEST(GovernanceConfig, PiiMappingAndShorthandAreRead) {
  const Config config = load(std::string(kBase) +
                             "data_classes: {sensitive: {requires: [hipaa_baa]}}\n"
                             "keys:\n"
                             "  a: {key: " + kLongKey + ", pii: block}\n"
                             "  b: {key: b-0123456789abcdef, pii: {action: escalate, escalate_to: sensitive, detect: ssn}}\n");
  EXPECT_EQ(config.keys.at(0).pii.action, PiiAction::Block);
  EXPECT_EQ(config.keys.at(0).pii.line, 7);
  const PiiPolicy& b = config.keys.at(1).pii;
  EXPECT_EQ(b.action, PiiAction::Escalate);
  EXPECT_EQ(b.escalate_to, "sensitive");
  EXPECT_THAT(b.detect, ElementsAre("ssn"));
}

TEST(GovernanceConfig, PiiErrorsNameTheirKeys) {
  EXPECT_THAT(problems(std::string(kBase) +
                       "keys:\n"
                       "  a: {key: " + kLongKey + ", pii: forget}\n"
                       "  b:\n"
                       "    key: b-0123456789abcdef\n"
                       "    pii:\n"
                       "      detect: [email, phon]\n"
                       "      patterns: {Employee: 'E[0-9]+', email: x, badge: '', ok_1: 'B[0-9]+'}\n"),
              ElementsAre("test.yaml:6: key 'keys.a.pii': unknown action 'forget' (allowed: audit, block, "
                          "escalate or redact)",
                          "test.yaml:9: key 'keys.b.pii.action': missing required key (audit, block, escalate "
                          "or redact)",
                          "test.yaml:10: key 'keys.b.pii.detect[1]': unknown detector 'phon' (did you mean "
                          "'phone'?); declared detectors: email, phone, ssn, card, iban, ip",
                          StartsWith("test.yaml:11: key 'keys.b.pii.patterns.Employee': a pattern name may hold "
                                     "only a-z, 0-9 and '_'"),
                          "test.yaml:11: key 'keys.b.pii.patterns.email': 'email' is a built-in detector; give "
                          "the pattern another name",
                          "test.yaml:11: key 'keys.b.pii.patterns.badge': must not be empty (an RE2 regular "
                          "expression)"));
}

TEST(GovernanceConfig, EscalationNeedsADeclaredClass) {
  EXPECT_THAT(problems(std::string(kBase) + "keys: {a: {key: " + kLongKey + ", pii: escalate}}\n"),
              ElementsAre("test.yaml:5: key 'keys.a.pii': unknown data class 'pii' for action escalate: declare "
                          "data_classes.pii or set escalate_to"));
  EXPECT_THAT(problems(std::string(kBase) + "data_classes: {pii: {requires: [x]}}\n"
                       "keys: {a: {key: " + kLongKey + ", pii: {action: escalate, escalate_to: pi}}}\n"),
              ElementsAre("test.yaml:6: key 'keys.a.pii.escalate_to': unknown data class 'pi' (did you mean "
                          "'pii'?); declared data classes: pii"));
  // escalate_to with another action is ignored, with a warning.
  const Config config = load(std::string(kBase) + "keys: {a: {key: " + kLongKey +
                             ", pii: {action: audit, escalate_to: nowhere}}}\n");
  EXPECT_THAT(config.warnings, ElementsAre("test.yaml:5: key 'keys.a.pii.escalate_to': warning: applies only "
                                           "to action escalate; ignored"));
}

TEST(GovernanceWarnings, RouteThatNoTargetCanServeIsWarnedAbout) {
  const Config config = load(
      "providers:\n"
      "  us: {kind: openai, base_url: 'http://127.0.0.1:9001/v1', labels: {region: us-east-1}}\n"
      "  baa: {kind: openai, base_url: 'http://127.0.0.1:9002/v1', compliance: [hipaa_baa], labels: {region: us-east-1}}\n"
      "  eu: {kind: openai, base_url: 'http://127.0.0.1:9003/v1', labels: {region: eu-west-1}}\n"
      "data_classes:\n"
      "  phi: {requires: [hipaa_baa]}\n"
      "  eu: {labels: {region: [eu-west-1, eu-central-1]}}\n"
      "routes:\n"
      "  chat: {targets: [us/m], data_class: phi}\n"                // 9
      "  both: {targets: [baa/m, eu/m], data_class: [phi, eu]}\n"   // 10
      "  fine: {targets: [us/m, baa/m], data_class: phi}\n");       // 11
  EXPECT_THAT(config.warnings,
              ElementsAre("test.yaml:9: key 'routes.chat.data_class': warning: route 'chat': no target satisfies "
                          "data class 'phi' (requires hipaa_baa); every request will be refused",
                          "test.yaml:10: key 'routes.both.data_class': warning: route 'both': no target "
                          "satisfies data classes 'phi' (requires hipaa_baa) and 'eu' (region in [eu-west-1, "
                          "eu-central-1]) together; every request will be refused"));
}

TEST(GovernanceWarnings, EscalationToAClassNoTargetServesIsWarnedAbout) {
  const Config config = load(std::string(kBase).substr(0, std::string(kBase).find("routes:")) +  // lines 1-2
                             "data_classes: {pii: {labels: {region: us-east-1}}}\n"
                             "routes:\n  other: {targets: [local/m], pii: escalate}\n");
  EXPECT_THAT(config.warnings,
              ElementsAre("test.yaml:5: key 'routes.other.pii': warning: route 'other': no target satisfies data "
                          "class 'pii' (region in [us-east-1]), which pii action escalate adds; requests holding "
                          "personal data will be refused"));
}

TEST(GovernanceWarnings, KeyWhoseClassesNoTargetOfItsRoutesSatisfiesIsWarnedAbout) {
  const std::string base = std::string(kBase) +
                           "  open: {targets: [local/m]}\n"                                        // 5
                           "data_classes: {us: {labels: {region: us-east-1}}, phi: {requires: [hipaa_baa]}}\n";
  const Config config = load(base + "keys:\n"
                                    "  a: {key: a-0123456789abcdef, data_class: us}\n"              // 8
                                    "  b: {key: b-0123456789abcdef, data_class: phi, routes: [open]}\n");
  EXPECT_THAT(config.warnings,
              ElementsAre("test.yaml:8: key 'keys.a.data_class': warning: key 'a': no target of any route "
                          "satisfies data class 'us' (region in [us-east-1]); every request made with it will "
                          "be refused"));
  const Config narrowed = load(base + "keys: {c: {key: c-0123456789abcdef, data_class: us, routes: [open]}}\n");
  EXPECT_THAT(narrowed.warnings, ElementsAre(HasSubstr("key 'c': no target of its routes (open) satisfies")));
}

TEST(GovernanceWarnings, AnonymousOnAPublicAddressIsWarnedAbout) {
  const Config config = load("listen: 0.0.0.0:8080\nauth: {anonymous: true}\n" + std::string(kBase));
  EXPECT_THAT(config.warnings, ElementsAre("test.yaml:2: key 'auth.anonymous': warning: clients without a key are "
                                           "served on 0.0.0.0, which is not a loopback address"));
  EXPECT_THAT(load("auth: {anonymous: true}\n" + std::string(kBase)).warnings, IsEmpty());
}

TEST(GovernanceWarnings, NoWarningsAreAddedToAConfigWithErrors) {
  try {
    load(std::string(kBase) + "data_classes: {eu: {labels: {region: us}}}\n"
                              "keys: {a: {key: a-0123456789abcdef, data_class: eu, routes: [nope]}}\n");
    FAIL() << "expected an error";
  } catch (const ConfigError& error) {
    EXPECT_THAT(error.what(), Not(HasSubstr("warning")));
  }
}

TEST(GovernanceDescribe, CheckShowsAuthKeysClassesAndRoutePolicies) {
  const Config config = loadFull();
  const std::string text = describe(config);
  EXPECT_THAT(text, HasSubstr("auth     admin_keys=2 anonymous=no\n"));
  EXPECT_THAT(text, HasSubstr("store    sqlite=conf/data/gw.db\n"));
  EXPECT_THAT(text, HasSubstr("    classes     phi\n    pii         redact (detect: all)\n"));
  EXPECT_THAT(text, HasSubstr("    classes     phi, eu\n    pii         escalate to pii (detect: all)\n"));
  EXPECT_THAT(text, HasSubstr("data classes (3)\n  phi\n    needs       requires hipaa_baa\n"
                              "    targets     local/m\n"));
  EXPECT_THAT(text, HasSubstr("  pii\n    needs       requires hipaa_baa; region in [eu-west-1]\n"));
  EXPECT_THAT(text, HasSubstr("keys (2)\n  team-a\n    routes      chat\n    classes     phi\n"
                              "    pii         audit (detect: all)\n    expires     2099-01-01T00:00:00Z\n"
                              "    enabled     yes\n"));
  EXPECT_THAT(text, HasSubstr("  team-b\n    routes      all\n    classes     phi, eu\n"
                              "    pii         redact (detect: email, iban; patterns: employee_id)\n"
                              "    expires     2099-01-01T10:30:00Z\n    enabled     no\n"));
  // Never a secret, nor its hash.
  for (const std::string& secret : {std::string(kAdminKey), std::string(kLongKey), hashOf(kLongKey),
                                    hashOf(kAdminKey), std::string(63, '0') + "1"}) {
    EXPECT_THAT(text, Not(HasSubstr(secret)));
  }
}

TEST(GovernanceDescribe, CheckSaysWhenAnonymousIsDefaultedAndWhenAClassHasNoTarget) {
  EXPECT_THAT(describe(load(kBase)), HasSubstr("auth     admin_keys=0 anonymous=yes (default: listen is loopback)"));
  EXPECT_THAT(describe(load("listen: '[::]:80'\n" + std::string(kBase))),
              HasSubstr("anonymous=no (default: listen is not loopback)"));
  const Config config = load(std::string(kBase) + "data_classes: {us: {labels: {region: us-east-1}}}\n");
  EXPECT_THAT(describe(config), HasSubstr("  us\n    needs       region in [us-east-1]\n"
                                          "    targets     none (its requests are refused)\n"));
  EXPECT_THAT(describe(load(kBase)), Not(HasSubstr("keys (")));
}

TEST(StoreRetention, DefaultsKeepThirtyDaysAndTenMillionRecords) {
  const Config config = load(kBase);
  EXPECT_EQ(config.store.retention_max_age, std::chrono::hours(24 * 30));
  EXPECT_EQ(config.store.retention_max_rows, 10'000'000);
  EXPECT_THAT(describe(config), HasSubstr("\n         retention max_age=30d max_rows=10000000\n"));
}

TEST(StoreRetention, AgeAndRowsAreReadAndZeroOrUnlimitedKeepsEverything) {
  const Config config = load(std::string(kBase) + "store: {sqlite: gw.db, retention: {max_age: 90d, max_rows: 500}}\n");
  EXPECT_EQ(config.store.retention_max_age, std::chrono::hours(24 * 90));
  EXPECT_EQ(config.store.retention_max_rows, 500);
  const Config hours = load(std::string(kBase) + "store: {retention: {max_age: 12h}}\n");
  EXPECT_EQ(hours.store.retention_max_age, std::chrono::hours(12));
  EXPECT_EQ(hours.store.retention_max_rows, 10'000'000);  // the default stays
  const Config unlimited = load(std::string(kBase) + "store: {retention: {max_age: 0, max_rows: unlimited}}\n");
  EXPECT_EQ(unlimited.store.retention_max_age.count(), 0);
  EXPECT_EQ(unlimited.store.retention_max_rows, 0);
  EXPECT_THAT(describe(unlimited), HasSubstr("retention max_age=unlimited max_rows=unlimited\n"));
}

TEST(StoreRetention, BadValuesNameTheKeyAndLine) {
  EXPECT_THAT(problems(std::string(kBase) + "store:\n  retention: {max_age: 30days}\n"),
              ElementsAre("test.yaml:6: key 'store.retention.max_age': malformed duration '30days' (expected a "
                          "number and a unit: m, h or d, e.g. 30d or 12h; 0 or unlimited keeps records forever)"));
  EXPECT_THAT(problems(std::string(kBase) + "store: {retention: {max_age: 10s}}\n"),
              ElementsAre(HasSubstr("test.yaml:5: key 'store.retention.max_age': must be at least 1m")));
  EXPECT_THAT(problems(std::string(kBase) + "store: {retention: {max_rows: -3}}\n"),
              ElementsAre("test.yaml:5: key 'store.retention.max_rows': expected a number of records (e.g. "
                          "10000000), 0 or unlimited, got '-3'"));
  EXPECT_THAT(problems(std::string(kBase) + "store: {retention: {max_size: 1}}\n"),
              ElementsAre(HasSubstr("key 'store.retention.max_size'")));
}

}  // namespace
}  // namespace switchyard::config
