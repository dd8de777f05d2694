#include "proxy/client_keys.h"

#include <algorithm>

namespace switchyard::proxy {

namespace {

std::string digestKey(const base::Sha256Digest& digest) {
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

config::PiiAction piiActionOf(std::string_view text) {
  if (text == "audit") return config::PiiAction::Audit;
  if (text == "block") return config::PiiAction::Block;
  if (text == "escalate") return config::PiiAction::Escalate;
  if (text == "redact") return config::PiiAction::Redact;
  return config::PiiAction::None;
}

}  // namespace

bool ClientIdentity::mayUse(std::string_view route) const {
  return routes.empty() || std::find(routes.begin(), routes.end(), route) != routes.end();
}

const ClientIdentity* KeyRegistry::Snapshot::find(const base::Sha256Digest& digest) const {
  const auto it = by_digest.find(digestKey(digest));
  if (it == by_digest.end()) return nullptr;
  // The map found it by hash; the comparison that decides is constant-time.
  return base::constantTimeEqual(it->second->digest, digest) ? it->second.get() : nullptr;
}

const ClientIdentity* KeyRegistry::Snapshot::findId(std::string_view id) const {
  for (const auto& identity : all) {
    if (identity->id == id) return identity.get();
  }
  return nullptr;
}

KeyRegistry::KeyRegistry() { publish(); }

void KeyRegistry::setConfigKeys(const std::vector<config::ClientKey>& keys) {
  std::vector<std::shared_ptr<const ClientIdentity>> identities;
  for (const auto& key : keys) {
    auto identity = std::make_shared<ClientIdentity>();
    identity->id = key.name;
    identity->name = key.name;
    identity->routes = key.routes;
    identity->data_classes = key.data_classes;
    identity->tags = key.tags;
    identity->pii = key.pii.action;
    identity->expires_at = key.expires_at;
    identity->enabled = key.enabled;
    identity->from_config = true;
    if (!base::fromHex(key.sha256_hex, identity->digest)) continue;  // the loader validated it
    identities.push_back(std::move(identity));
  }
  const std::lock_guard lock(mutex_);
  config_keys_ = std::move(identities);
  publish();
}

namespace {
std::shared_ptr<const ClientIdentity> identityOf(const store::KeyRecord& key) {
  auto identity = std::make_shared<ClientIdentity>();
  identity->id = key.id;
  identity->name = key.name;
  identity->routes = key.routes;
  identity->data_classes = key.data_classes;
  identity->pii = piiActionOf(key.pii_action);
  identity->expires_at = key.expires_at;
  identity->enabled = key.enabled;
  identity->created_at = key.created_at;
  if (!base::fromHex(key.sha256_hex, identity->digest)) return nullptr;
  return identity;
}
}  // namespace

void KeyRegistry::setStoredKeys(const std::vector<store::KeyRecord>& keys) {
  std::vector<std::shared_ptr<const ClientIdentity>> identities;
  for (const auto& key : keys) {
    if (auto identity = identityOf(key)) identities.push_back(std::move(identity));
  }
  const std::lock_guard lock(mutex_);
  stored_keys_ = std::move(identities);
  publish();
}

void KeyRegistry::putStored(const store::KeyRecord& key) {
  auto identity = identityOf(key);
  if (!identity) return;
  const std::lock_guard lock(mutex_);
  const auto same = std::find_if(stored_keys_.begin(), stored_keys_.end(),
                                 [&](const auto& existing) { return existing->id == key.id; });
  if (same != stored_keys_.end()) {
    *same = std::move(identity);
  } else {
    stored_keys_.push_back(std::move(identity));
  }
  publish();
}

void KeyRegistry::removeStored(std::string_view id) {
  const std::lock_guard lock(mutex_);
  std::erase_if(stored_keys_, [&](const auto& existing) { return existing->id == id; });
  publish();
}

void KeyRegistry::publish() {
  auto next = std::make_shared<Snapshot>();
  for (const auto* list : {&config_keys_, &stored_keys_}) {
    for (const auto& identity : *list) {
      next->all.push_back(identity);
      next->by_digest.emplace(digestKey(identity->digest), identity);  // config keys win a (rejected) clash
    }
  }
  snapshot_ = std::move(next);
  version_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const KeyRegistry::Snapshot> KeyRegistry::snapshot() const {
  const std::lock_guard lock(mutex_);
  return snapshot_;
}

KeyRegistry::Reader::Lease KeyRegistry::Reader::current() {
  const std::uint64_t published = registry_.version();
  if (published != version_) {
    Held held;
    held.snapshot = registry_.snapshot();
    version_ = published;
    // Retire snapshots no request holds any more (the newest stays until replaced).
    std::erase_if(held_, [](const Held& old) { return *old.in_use == 0; });
    held_.push_back(std::move(held));
  }
  Held& newest = held_.back();
  return Lease(newest.in_use.get(), newest.snapshot.get());
}

std::string_view presentedKey(std::string_view authorization, std::string_view x_api_key) {
  if (authorization.size() > 7 && (authorization.substr(0, 7) == "Bearer " || authorization.substr(0, 7) == "bearer ")) {
    std::string_view key = authorization.substr(7);
    while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    if (!key.empty()) return key;
  }
  return x_api_key;
}

Authentication authenticate(const KeyRegistry::Snapshot& keys, std::string_view presented, bool anonymous,
                            std::int64_t now_unix) {
  if (presented.empty()) {
    return {anonymous ? Authentication::Result::Anonymous : Authentication::Result::Missing, nullptr};
  }
  if (keys.all.empty() && anonymous) return {Authentication::Result::Anonymous, nullptr};
  const ClientIdentity* identity = keys.find(base::sha256(presented));
  if (identity == nullptr) return {Authentication::Result::Unknown, nullptr};
  if (!identity->enabled) return {Authentication::Result::Disabled, identity};
  if (identity->expires_at && now_unix >= *identity->expires_at) return {Authentication::Result::Expired, identity};
  return {Authentication::Result::Key, identity};
}

}  // namespace switchyard::proxy
