#pragma once
// What each attempt cost, written the moment it is known (before the answer's last byte reaches the
// client: proxy/economics.h, AttemptJournal) into a file mapped in memory, so that spend is exact
// after a kill -9.
//
// Audit records (which carry the spend budgets reload at start-up) reach the store in batches, so
// a crash loses the last flush interval of them. The journal closes that gap without a syscall, a
// lock or a wake-up per request: an entry is a 320-byte store into a MAP_SHARED page, and the page
// cache (the kernel's, not the process's) keeps it when the process dies. At the next start the
// entries whose request has no audit record are turned into one (outcome "interrupted"), then the
// journal files are removed. A power loss can lose the page cache; only a kill is covered.
//
// One ring file per writing thread (`<prefix>-<pid>-<n>.journal`, kSpendJournalSlots entries,
// overwritten oldest first), locked with flock for the life of the process so that a second
// gateway on the same store never recovers (or removes) a journal that is still being written.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::store {

// Entries per file: each worker's last 32,768 settled attempts (10 MiB mapped, touched as used),
// far more than a flush interval holds at any rate a worker reaches.
inline constexpr std::size_t kSpendJournalSlots = 32768;

// One settled attempt, as written (views into the request's own strings).
struct SpendEntry {
  std::string_view request_id;
  std::int64_t time_ms = 0;  // the request's start: its audit record's time_ms
  std::string_view key_id;   // "" anonymous
  std::string_view route;
  std::string_view target;
  std::int64_t nano_usd = 0;
  std::int64_t tokens = 0;
};

// One entry read back at start-up.
struct JournaledSpend {
  std::string request_id;
  std::int64_t time_ms = 0;
  std::string key_id;
  std::string route;
  std::string target;
  std::int64_t nano_usd = 0;
  std::int64_t tokens = 0;
  // The key or route name was longer than its field (48 bytes): the spend counts for the gateway
  // but for no key or route.
  bool truncated = false;
};

// One mapped ring, written by one thread.
class SpendJournal {
 public:
  // Creates (or truncates) the file, locks it and maps it. Throws std::runtime_error.
  static std::unique_ptr<SpendJournal> create(const std::string& path, std::size_t slots = kSpendJournalSlots);
  ~SpendJournal();
  SpendJournal(const SpendJournal&) = delete;
  SpendJournal& operator=(const SpendJournal&) = delete;

  // The owning thread only.
  void append(const SpendEntry& entry);
  const std::string& path() const { return path_; }

 private:
  SpendJournal(std::string path, int fd, void* map, std::size_t slots);
  std::string path_;
  int fd_;
  void* map_;
  std::size_t count_;
  std::uint64_t next_seq_ = 1;
};

// The journals of one process: one per writing thread, claimed on a thread's first append.
class SpendJournals {
 public:
  // `prefix`: the store file's path + "-spend"; `writers`: how many threads may append (the
  // workers); a thread beyond that count journals nothing (counted in unjournaled()).
  SpendJournals(std::string prefix, std::size_t writers, std::size_t slots = kSpendJournalSlots);
  // Removes the files: called after a clean shutdown has committed every audit record.
  ~SpendJournals();
  SpendJournals(const SpendJournals&) = delete;
  SpendJournals& operator=(const SpendJournals&) = delete;

  void append(const SpendEntry& entry);
  std::uint64_t unjournaled() const { return unjournaled_.load(std::memory_order_relaxed); }

  // Every entry of every journal under `prefix` that no running process holds (a crashed one's),
  // oldest first within each file; remove() deletes those files once their entries are safe.
  struct Leftovers {
    std::vector<JournaledSpend> entries;
    std::vector<std::string> files;
  };
  static Leftovers leftovers(const std::string& prefix);
  static void remove(const Leftovers& leftovers);

 private:
  std::vector<std::unique_ptr<SpendJournal>> journals_;
  std::atomic<std::size_t> claimed_{0};
  std::atomic<std::uint64_t> unjournaled_{0};
  const std::uint64_t instance_;
};

}  // namespace switchyard::store
