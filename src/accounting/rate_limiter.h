#pragma once
// Requests and tokens per minute (`limits: {rpm, tpm}`), per client key and per target.
//
// Each limit is a token bucket holding one minute's worth (the whole minute may come in one
// burst) that refills continuously at limit/60 per second, kept as GCRA (the generic cell rate
// algorithm): one atomic "theoretical arrival time" per limit, the instant the bucket would be full
// again, moved by compare-and-swap. Lock-free, one atomic word per limit.
//
// A request takes one request and its token estimate at admission (all or nothing across the two
// limits); correct() charges or refunds the difference once the actual usage is known. A request
// estimated at more tokens than the limit holds in a minute could never fit: it is admitted when
// the bucket is full and leaves it in debt, so the requests after it wait.
//
// Times are steady_clock points passed in (tests inject them). One RateLimiter per name space:
// the lead keeps one for client keys (by ClientKey::name) and one for targets (by Target::id()).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"

namespace switchyard::accounting {

using SteadyTime = std::chrono::steady_clock::time_point;

// The window a limit is stated over, and the most a bucket holds (as time to refill it).
inline constexpr std::chrono::seconds kRateWindow{60};

enum class RateKind { Requests, Tokens };
const char* rateKindName(RateKind kind);  // "rpm" | "tpm"

struct RateDecision {
  bool admitted = true;
  // When refused: how long until the bucket has room for this request, rounded up to a
  // millisecond (the Retry-After the client is told, in whole seconds rounded up).
  std::chrono::milliseconds retry_after{0};
  RateKind limited_by = RateKind::Requests;  // which limit refused
};

struct RateLimitEntry {
  std::string id;  // a key's name or a target's id
  config::RateLimits limits;
};

// Every config key with limits, by name.
std::vector<RateLimitEntry> keyRateLimits(const config::Config& config);
// Every target (routes' and rules' target lists) with limits, by Target::id(). A target listed
// several times with different limits gets the strictest nonzero ones (one bucket per target).
std::vector<RateLimitEntry> targetRateLimits(const config::Config& config);

class RateLimiter {
 public:
  // One bucket per entry whose rpm or tpm is nonzero; duplicate ids keep the strictest nonzero
  // limit of each kind. `previous` (a config reload): an id in both keeps its buckets' fill level.
  explicit RateLimiter(const std::vector<RateLimitEntry>& entries,
                       const RateLimiter* previous = nullptr);
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  bool any() const { return !buckets_.empty(); }
  bool limits(std::string_view id) const { return find(id) != nullptr; }

  // Takes one request and `tokens_estimate` tokens from the id's buckets, or neither. An id
  // without limits is always admitted. Thread-safe, lock-free.
  RateDecision admit(std::string_view id, std::int64_t tokens_estimate, SteadyTime now);
  // Replaces the estimate charged at admission by the actual tokens: charges the excess from
  // `now`, or refunds the difference (never beyond a full bucket). Thread-safe.
  void correct(std::string_view id, std::int64_t estimated, std::int64_t actual, SteadyTime now);

  // For /admin: what each bucket could admit at `now`.
  struct BucketState {
    std::string id;
    config::RateLimits limits;
    double requests_available = 0;  // of limits.rpm (when set)
    double tokens_available = 0;    // of limits.tpm; negative: in debt
  };
  std::vector<BucketState> snapshot(SteadyTime now) const;

 private:
  struct Bucket;
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  Bucket* find(std::string_view id) const;

  std::unordered_map<std::string, std::unique_ptr<Bucket>, StringHash, std::equal_to<>> buckets_;
};

}  // namespace switchyard::accounting
