#pragma once
// Client keys: who is calling, and what they may do. Keys come from the config (`keys:`) and from
// POST /admin/keys (the store); the gateway keeps only their SHA-256 digests. Every worker reads an
// immutable snapshot; a change publishes a new one, which each worker picks up on its next request
// (one atomic load per request, no lock and no shared reference count on the request path).
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/sha256.h"
#include "config/config.h"
#include "http/field_lookup.h"
#include "store/store.h"

namespace switchyard::proxy {

struct ClientIdentity {
  std::string id;                          // the config name, or the store's "key_..." id
  std::string name;                        // the label given at creation (config: the name)
  std::vector<std::string> routes;         // empty: every route
  std::vector<std::string> data_classes;
  std::vector<std::string> tags;           // config keys' `tags` (routing rules' key_tags)
  config::PiiAction pii = config::PiiAction::None;  // store keys; config keys use their full policy
  std::optional<std::int64_t> expires_at;  // unix seconds
  bool enabled = true;
  bool from_config = false;
  std::int64_t created_at = 0;
  base::Sha256Digest digest{};

  bool mayUse(std::string_view route) const;
};

class KeyRegistry {
 public:
  struct Snapshot {
    std::unordered_map<std::string, std::shared_ptr<const ClientIdentity>> by_digest;  // raw 32 bytes
    std::vector<std::shared_ptr<const ClientIdentity>> all;  // config keys first, then by creation
    const ClientIdentity* find(const base::Sha256Digest& digest) const;
    const ClientIdentity* findId(std::string_view id) const;
  };

  KeyRegistry();
  // On start-up and reload: the config's keys replace the previous config's.
  void setConfigKeys(const std::vector<config::ClientKey>& keys);
  // On start-up: the store's keys.
  void setStoredKeys(const std::vector<store::KeyRecord>& keys);
  void putStored(const store::KeyRecord& key);
  void removeStored(std::string_view id);

  std::shared_ptr<const Snapshot> snapshot() const;
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // One worker's view: re-reads the snapshot only when a new one was published. A request holds a
  // Lease for as long as it uses an identity, so an old snapshot outlives every request that read it.
  class Reader {
   public:
    explicit Reader(const KeyRegistry& registry) : registry_(registry) {}
    class Lease {
     public:
      Lease() = default;
      Lease(const Lease&) = delete;
      Lease& operator=(const Lease&) = delete;
      Lease(Lease&& other) noexcept : count_(other.count_), snapshot_(other.snapshot_) { other.count_ = nullptr; }
      Lease& operator=(Lease&& other) noexcept {
        if (this != &other) {
          if (count_ != nullptr) --*count_;
          count_ = other.count_;
          snapshot_ = other.snapshot_;
          other.count_ = nullptr;
        }
        return *this;
      }
      ~Lease() {
        if (count_ != nullptr) --*count_;
      }
      const Snapshot& operator*() const { return *snapshot_; }
      const Snapshot* operator->() const { return snapshot_; }

     private:
      friend class Reader;
      Lease(int* count, const Snapshot* snapshot) : count_(count), snapshot_(snapshot) { ++*count_; }
      int* count_ = nullptr;
      const Snapshot* snapshot_ = nullptr;
    };
    Lease current();

   private:
    struct Held {
      std::shared_ptr<const Snapshot> snapshot;
      std::unique_ptr<int> in_use = std::make_unique<int>(0);
    };
    const KeyRegistry& registry_;
    std::uint64_t version_ = ~std::uint64_t{0};
    std::vector<Held> held_;  // the newest last; older ones until no request uses them
  };

 private:
  void publish();  // under mutex_

  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<const ClientIdentity>> config_keys_;
  std::vector<std::shared_ptr<const ClientIdentity>> stored_keys_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::atomic<std::uint64_t> version_{0};
};

// What a request's credentials resolved to.
struct Authentication {
  enum class Result { Anonymous, Key, Missing, Unknown, Disabled, Expired };
  Result result = Result::Anonymous;
  const ClientIdentity* identity = nullptr;  // Result::Key (and Disabled/Expired, for messages)
};

// The key a client presents: `Authorization: Bearer KEY` (OpenAI SDKs) or `x-api-key: KEY`
// (Anthropic SDK); empty when neither.
std::string_view presentedKey(std::string_view authorization, std::string_view x_api_key);
// The same, read from a request's header lines.
template <class Fields>
std::string_view presentedKeyOf(const Fields& headers) {
  return presentedKey(http::fieldValue(headers, "authorization"), http::fieldValue(headers, "x-api-key"));
}

// `anonymous`: whether keyless clients are served. A presented key that matches no client key is
// Unknown whenever the gateway has client keys or refuses anonymous clients; a gateway with no
// client keys that serves anyone ignores it (the SDKs insist on sending some key).
Authentication authenticate(const KeyRegistry::Snapshot& keys, std::string_view presented, bool anonymous,
                            std::int64_t now_unix);

}  // namespace switchyard::proxy
