// store, auth, keys, data_classes and the governance keys of routes: YAML -> Config. Secrets are
// hashed as soon as they are read; messages name keys, never values. Cross-references wait for
// finish() (see governance_loader.h); the satisfiability warnings live in governance_checks.cpp.
#include "config/governance_loader.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <vector>

#include "base/duration.h"
#include "base/sha256.h"
#include "config/economics_loader.h"
#include "config/governance_checks.h"
#include "config/yaml_reader.h"

namespace switchyard::config {
namespace {

constexpr std::string_view kSha256Prefix = "sha256:";
constexpr std::string_view kPiiActions = "audit, block, escalate or redact";

bool isClassNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }
bool isPatternNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

bool hasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

}  // namespace

class GovernanceParser::Impl {
 public:
  Impl(YamlReader& reader, std::filesystem::path base_dir, Config& config)
      : reader_(reader), base_dir_(std::move(base_dir)), config_(config) {}

  bool readTopLevel(const Field& field) {
    if (field.key == "store") {
      reader_.forEachEntry(field, {"sqlite", "retention"}, [&](const Field& entry) {
        if (entry.key == "sqlite") {
          readStorePath(entry);
        } else {
          reader_.forEachEntry(entry, {"max_age", "max_rows"}, [&](const Field& limit) { readRetention(limit); });
        }
      });
    } else if (field.key == "auth") {
      reader_.forEachEntry(field, {"admin_keys", "anonymous"}, [&](const Field& entry) { readAuthEntry(entry); });
    } else if (field.key == "keys") {
      reader_.forEachEntry(field, [&](const Field& key) { readKey(key); });
    } else if (field.key == "data_classes") {
      reader_.forEachEntry(field, [&](const Field& data_class) { readDataClass(data_class); });
    } else {
      return false;
    }
    return true;
  }

  bool readRouteField(const Field& field, Route& route) {
    if (field.key == "data_class") {
      route.data_classes = readClassNames(field);
      refs_.route_class_fields.emplace(route.name, field);
    } else if (field.key == "pii") {
      readPii(field, route.pii);
      refs_.route_pii_fields.emplace(route.name, field);
    } else {
      return false;
    }
    return true;
  }

  void finish() {
    if (config_.store.sqlite_path.empty()) config_.store.sqlite_path = (base_dir_ / kDefaultStoreFile).string();
    checkReferences(reader_, config_, refs_);
  }

 private:
  // `NAME` or `[NAME, ...]`, each name with the field to blame for it; null means none.
  std::vector<NamedRef> readNames(const Field& field) {
    std::vector<NamedRef> names;
    const auto add = [&](const Field& item) {
      if (reader_.isNull(item)) {
        reader_.fail(item, "empty list entry");
      } else if (std::optional<std::string> name = reader_.readString(item)) {
        names.push_back({std::move(*name), item});
      }
    };
    if (field.node.IsSequence()) {
      if (auto items = reader_.listItems(field)) std::for_each(items->begin(), items->end(), add);
    } else if (!reader_.isNull(field)) {
      add(field);
    }
    return names;
  }

  // A list of class names to check in finish(); a name written twice counts once.
  std::vector<std::string> readClassNames(const Field& field) {
    std::vector<std::string> names;
    for (NamedRef& ref : readNames(field)) {
      if (std::find(names.begin(), names.end(), ref.name) != names.end()) continue;
      names.push_back(ref.name);
      refs_.classes.push_back(std::move(ref));
    }
    return names;
  }

  // A name the user chose (a key, a class): one with control characters is blamed on its parent,
  // since the name itself cannot be printed.
  void failName(const Field& node, const std::string& what) {
    if (!hasControl(node.key)) {
      reader_.fail(node, what);
      return;
    }
    const std::size_t parent_size = node.path.size() - std::min(node.path.size(), node.key.size() + 1);
    reader_.fail(node.line, node.path.substr(0, parent_size), "a name cannot contain control characters");
  }

  void readStorePath(const Field& field) {
    if (reader_.isNull(field)) {
      reader_.fail(field, "must not be empty (a file path, or :memory:)");
      return;
    }
    const std::optional<std::string> written = reader_.readString(field);
    if (!written) return;
    if (written->empty()) {
      reader_.fail(field, "must not be empty (a file path, or :memory:)");
      return;
    }
    // Relative to the config file, as ca_file is, so that a config and its database move together.
    std::filesystem::path path(*written);
    if (*written != ":memory:" && path.is_relative()) path = base_dir_ / path;
    config_.store.sqlite_path = path.string();
  }

  // `store.retention.max_age: 30d` / `max_rows: 10000000`; 0 or `unlimited` keeps every record.
  void readRetention(const Field& field) {
    const std::optional<std::string> text = reader_.readString(field);
    if (!text) return;  // null: the default
    const bool unlimited = *text == "0" || *text == "unlimited";
    if (field.key == "max_age") {
      if (unlimited) {
        config_.store.retention_max_age = Millis(0);
        return;
      }
      const std::optional<Millis> age = base::parseDuration(*text);
      if (!age) {
        reader_.fail(field, "malformed duration '" + *text +
                                "' (expected a number and a unit: m, h or d, e.g. 30d or 12h; 0 or unlimited "
                                "keeps records forever)");
      } else if (*age < std::chrono::minutes(1)) {
        reader_.fail(field, "must be at least 1m (records are pruned once a minute), got '" + *text +
                                "'; 0 or unlimited keeps records forever");
      } else {
        config_.store.retention_max_age = *age;
      }
      return;
    }
    if (unlimited) {
      config_.store.retention_max_rows = 0;
      return;
    }
    std::int64_t rows = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), rows);
    if (ec != std::errc{} || end != text->data() + text->size() || rows < 0) {
      reader_.fail(field, "expected a number of records (e.g. 10000000), 0 or unlimited, got '" + *text + "'");
      return;
    }
    config_.store.retention_max_rows = rows;
  }

  void readAuthEntry(const Field& field) {
    if (field.key == "anonymous") {
      if (std::optional<bool> anonymous = reader_.readBool(field)) config_.auth.anonymous = *anonymous;
      refs_.anonymous_field.emplace(field);
      return;
    }
    const std::optional<std::vector<Field>> items = reader_.listItems(field);
    if (!items) return;
    for (const Field& item : *items) {
      if (std::optional<std::string> hex = readSecret(item)) {
        config_.auth.admin_key_sha256_hex.push_back(*hex);
        refs_.admin_secrets.push_back({std::move(*hex), item});
      }
    }
  }

  // A secret: "sha256:<64 hex digits>" is kept as that digest, anything else is hashed here and the
  // plaintext dropped. Read as a head value: a client sends it in a header, so a control character
  // or a space would make it impossible to present (and one trailing newline from a file is removed).
  std::optional<std::string> readSecret(const Field& field) {
    if (reader_.isNull(field)) {
      reader_.fail(field, "must not be empty");
      return std::nullopt;
    }
    const std::optional<std::string> text = reader_.readHeadValue(field, false);
    if (!text) return std::nullopt;
    if (text->empty()) {
      reader_.fail(field, "must not be empty");
      return std::nullopt;
    }
    if (text->starts_with(kSha256Prefix)) {
      base::Sha256Digest digest{};
      if (!base::fromHex(std::string_view(*text).substr(kSha256Prefix.size()), digest)) {
        reader_.fail(field, "expected sha256: followed by 64 hex digits (the value is not shown)");
        return std::nullopt;
      }
      return base::toHex(digest);
    }
    if (text->size() < kMinKeySecretLength) {
      reader_.warn(field, "is shorter than " + std::to_string(kMinKeySecretLength) +
                              " characters and could be guessed; use a long random secret (e.g. "
                              "openssl rand -hex 32)");
    }
    return base::toHex(base::sha256(*text));
  }

  void readKey(const Field& node) {
    ClientKey key;
    key.name = node.key;
    key.line = node.line;
    if (node.key.empty() || hasControl(node.key)) failName(node, "a key name must not be empty");
    std::optional<Field> secret_field;
    const auto seen = reader_.forEachEntry(
        node, {"key", "routes", "data_class", "pii", "expires", "enabled", "budget", "limits", "tags"},
        [&](const Field& field) {
          if (readKeyEconomics(reader_, field, key)) return;  // budget, limits, tags (economics_loader.h)
          if (field.key == "key") {
            secret_field.emplace(field);
            key.sha256_hex = readSecret(field).value_or("");
          } else if (field.key == "routes") {
            readKeyRoutes(field, key);
          } else if (field.key == "data_class") {
            key.data_classes = readClassNames(field);
            refs_.key_class_fields.emplace(key.name, field);
          } else if (field.key == "pii") {
            readPii(field, key.pii);
          } else if (field.key == "expires") {
            readExpires(field, key);
          } else if (std::optional<bool> enabled = reader_.readBool(field)) {
            key.enabled = *enabled;
          }
        });
    if (!seen) return;
    reader_.requireKeys(node, *seen, {"key"}, "the secret clients send, e.g. ${TEAM_A_KEY}, or sha256:<64 hex digits>");
    if (!key.sha256_hex.empty()) refs_.client_secrets.push_back({key.sha256_hex, *secret_field, key.name});
    config_.keys.push_back(std::move(key));
  }

  // An empty list is refused rather than read as "every route": `routes: []` more likely means none.
  void readKeyRoutes(const Field& field, ClientKey& key) {
    std::vector<NamedRef> names = readNames(field);
    if (names.empty() && (reader_.isNull(field) || (field.node.IsSequence() && field.node.size() == 0))) {
      reader_.fail(field, "must name at least one route (omit routes to allow every route)");
      return;
    }
    for (NamedRef& ref : names) {
      if (std::find(key.routes.begin(), key.routes.end(), ref.name) != key.routes.end()) continue;
      key.routes.push_back(ref.name);
      refs_.routes.push_back(std::move(ref));
    }
  }

  void readExpires(const Field& field, ClientKey& key) {
    if (reader_.isNull(field)) {
      reader_.fail(field, "must not be empty (omit expires for a key that does not expire)");
      return;
    }
    const std::optional<std::string> text = reader_.readString(field);
    if (!text) return;
    const std::optional<std::int64_t> at = parseExpiry(*text);
    if (!at) {
      reader_.fail(field, "malformed expiry '" + *text +
                              "' (expected a date, e.g. 2027-01-01, or an RFC 3339 time, e.g. "
                              "2027-01-01T12:00:00Z)");
      return;
    }
    key.expires_at = *at;
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    if (*at <= now) reader_.warn(field, "has already passed: requests made with this key are refused");
  }

  void readPii(const Field& node, PiiPolicy& pii) {
    pii.line = node.line;
    if (reader_.isNull(node)) {
      reader_.fail(node, std::string("must not be empty (") + std::string(kPiiActions) + ", or a mapping)");
      return;
    }
    if (!node.node.IsMap()) {  // the shorthand `pii: redact`
      if (std::optional<PiiAction> action = readPiiAction(node)) pii.action = *action;
      requireEscalationClass(pii, node, false);
      return;
    }
    std::optional<Field> escalate_field;
    const auto seen = reader_.forEachEntry(node, {"action", "detect", "patterns", "escalate_to"}, [&](const Field& field) {
      if (field.key == "action") {
        if (std::optional<PiiAction> action = readPiiAction(field)) pii.action = *action;
      } else if (field.key == "detect") {
        readDetectors(field, pii);
      } else if (field.key == "patterns") {
        reader_.forEachEntry(field, [&](const Field& pattern) { readPattern(pattern, pii); });
      } else {
        escalate_field.emplace(field);
        if (reader_.isNull(field)) reader_.fail(field, "must not be empty (a data class)");
        else if (std::optional<std::string> name = reader_.readString(field)) pii.escalate_to = *name;
      }
    });
    if (!seen) return;
    reader_.requireKeys(node, *seen, {"action"}, std::string(kPiiActions));
    if (escalate_field && pii.action != PiiAction::Escalate && pii.action != PiiAction::None) {
      reader_.warn(*escalate_field, "applies only to action escalate; ignored");
    }
    requireEscalationClass(pii, escalate_field ? *escalate_field : node, escalate_field.has_value());
  }

  // Action escalate adds a class to the request: it must exist, like any class a route names.
  void requireEscalationClass(const PiiPolicy& pii, const Field& blame, bool written) {
    if (pii.action != PiiAction::Escalate) return;
    std::string hint;
    if (!written) hint = "declare data_classes." + pii.escalate_to + " or set escalate_to";
    refs_.classes.push_back({pii.escalate_to, blame, std::move(hint)});
  }

  std::optional<PiiAction> readPiiAction(const Field& field) {
    const std::optional<std::string> text = reader_.readString(field);
    if (!text) return std::nullopt;
    if (*text == "audit") return PiiAction::Audit;
    if (*text == "block") return PiiAction::Block;
    if (*text == "escalate") return PiiAction::Escalate;
    if (*text == "redact") return PiiAction::Redact;
    reader_.fail(field, "unknown action '" + *text + "' (allowed: " + std::string(kPiiActions) + ")");
    return std::nullopt;
  }

  void readDetectors(const Field& field, PiiPolicy& pii) {
    const std::vector<std::string> known(kPiiDetectors.begin(), kPiiDetectors.end());
    for (const NamedRef& ref : readNames(field)) {
      if (std::find(known.begin(), known.end(), ref.name) == known.end()) {
        reader_.fail(ref.field, unknownNameMessage("detector", "detectors", ref.name, known));
      } else if (std::find(pii.detect.begin(), pii.detect.end(), ref.name) == pii.detect.end()) {
        pii.detect.push_back(ref.name);
      }
    }
  }

  void readPattern(const Field& node, PiiPolicy& pii) {
    if (node.key.empty() || !std::all_of(node.key.begin(), node.key.end(), isPatternNameChar)) {
      failName(node, "a pattern name may hold only a-z, 0-9 and '_' (it names the placeholder, e.g. [EMPLOYEE_ID_1])");
      return;
    }
    if (std::find(kPiiDetectors.begin(), kPiiDetectors.end(), node.key) != kPiiDetectors.end()) {
      reader_.fail(node, "'" + node.key + "' is a built-in detector; give the pattern another name");
      return;
    }
    if (reader_.isNull(node)) {
      reader_.fail(node, "must not be empty (an RE2 regular expression)");
      return;
    }
    // Compiled by policy/pii when the proxy starts: config does not depend on RE2.
    if (std::optional<std::string> regex = reader_.readString(node)) {
      if (regex->empty()) reader_.fail(node, "must not be empty (an RE2 regular expression)");
      else pii.patterns.push_back({node.key, std::move(*regex)});
    }
  }

  void readDataClass(const Field& node) {
    if (++declared_classes_ > kMaxDataClasses) {
      reader_.fail(node, "too many data classes: at most " + std::to_string(kMaxDataClasses) +
                             " (a request's classes are one 64-bit mask)");
      return;
    }
    refs_.class_names.push_back(node.key);
    if (node.key.empty() || !std::all_of(node.key.begin(), node.key.end(), isClassNameChar)) {
      failName(node, "a data class name may hold only a-z, 0-9, '_' and '-'");
    }
    DataClass data_class;
    data_class.name = node.key;
    data_class.line = node.line;
    const auto seen = reader_.forEachEntry(node, {"requires", "labels"}, [&](const Field& field) {
      if (field.key == "requires") {
        if (auto names = reader_.readStringList(field)) data_class.requires_compliance = std::move(*names);
      } else {
        reader_.forEachEntry(field, [&](const Field& label) { readClassLabel(label, data_class); });
      }
    });
    if (!seen) return;
    if (data_class.requires_compliance.empty() && data_class.labels.empty()) {
      reader_.warn(node, "declares neither requires nor labels: every target satisfies it");
    }
    config_.data_classes.push_back(std::move(data_class));
  }

  // `region: eu-west-1` or `region: [eu-west-1, eu-central-1]`: the provider's label must be one.
  void readClassLabel(const Field& label, DataClass& data_class) {
    std::vector<std::string> values;
    for (NamedRef& ref : readNames(label)) values.push_back(std::move(ref.name));
    if (values.empty()) {
      if (reader_.isNull(label) || (label.node.IsSequence() && label.node.size() == 0)) {
        reader_.fail(label, "must list at least one value");
      }
      return;
    }
    data_class.labels[label.key] = std::move(values);
  }

  YamlReader& reader_;
  std::filesystem::path base_dir_;
  Config& config_;
  References refs_;
  std::size_t declared_classes_ = 0;
};

GovernanceParser::GovernanceParser(YamlReader& reader, std::filesystem::path base_dir, Config& config)
    : impl_(std::make_unique<Impl>(reader, std::move(base_dir), config)) {}
GovernanceParser::~GovernanceParser() = default;
bool GovernanceParser::readTopLevel(const Field& field) { return impl_->readTopLevel(field); }
bool GovernanceParser::readRouteField(const Field& field, Route& route) {
  return impl_->readRouteField(field, route);
}
void GovernanceParser::finish() { impl_->finish(); }

std::string_view piiActionName(PiiAction action) {
  switch (action) {
    case PiiAction::Audit: return "audit";
    case PiiAction::Block: return "block";
    case PiiAction::Escalate: return "escalate";
    case PiiAction::Redact: return "redact";
    case PiiAction::None: break;
  }
  return "none";
}

}  // namespace switchyard::config
