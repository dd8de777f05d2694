#include "store/spend_journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace switchyard::store {

namespace {

std::atomic<std::uint64_t> g_next_instance{1};

constexpr std::uint8_t kTruncated = 1;

std::runtime_error failure(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

// 320 bytes: seq is written last, so a slot caught half-written by a kill reads as empty.
struct Slot {
  std::uint64_t seq;  // 0: empty; else the order of writing (atomic_ref when mapped)
  std::int64_t time_ms;
  std::int64_t nano_usd;
  std::int64_t tokens;
  std::uint8_t id_len, key_len, route_len, target_len, flags, pad[3];
  char request_id[128];  // http::kRequestIdMax: an id always fits
  char key_id[48];
  char route[48];
  char target[56];
};
constexpr std::size_t kSlotBytes = 320;
static_assert(sizeof(Slot) == kSlotBytes && alignof(Slot) >= std::atomic_ref<std::uint64_t>::required_alignment);

// Copies what fits; false when `text` had to be cut.
template <std::size_t N>
bool put(char (&field)[N], std::uint8_t& length, std::string_view text) {
  const std::size_t n = std::min(text.size(), N);
  if (n > 0) std::memcpy(field, text.data(), n);  // an empty view's data() may be null
  length = static_cast<std::uint8_t>(n);
  return n == text.size();
}

template <std::size_t N>
std::string get(const char (&field)[N], std::uint8_t length) {
  return std::string(field, std::min<std::size_t>(length, N));
}

}  // namespace

SpendJournal::SpendJournal(std::string path, int fd, void* map, std::size_t slots)
    : path_(std::move(path)), fd_(fd), map_(map), count_(slots) {}

std::unique_ptr<SpendJournal> SpendJournal::create(const std::string& path, std::size_t slots) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw failure("cannot create the spend journal", path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || ::ftruncate(fd, static_cast<off_t>(slots * kSlotBytes)) != 0) {
    const auto error = failure("cannot lock or size the spend journal", path);
    ::close(fd);
    throw error;
  }
  // The file is sparse: pages are made as entries reach them.
  void* map = ::mmap(nullptr, slots * kSlotBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    const auto error = failure("cannot map the spend journal", path);
    ::close(fd);
    throw error;
  }
  return std::unique_ptr<SpendJournal>(new SpendJournal(path, fd, map, slots));
}

SpendJournal::~SpendJournal() {
  ::munmap(map_, count_ * kSlotBytes);
  ::close(fd_);  // releases the lock
}

void SpendJournal::append(const SpendEntry& entry) {
  const std::uint64_t seq = next_seq_++;
  Slot& slot = static_cast<Slot*>(map_)[(seq - 1) % count_];
  std::atomic_ref<std::uint64_t> published(slot.seq);
  published.store(0, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);  // the kill is the only other reader
  slot.time_ms = entry.time_ms;
  slot.nano_usd = entry.nano_usd;
  slot.tokens = entry.tokens;
  put(slot.request_id, slot.id_len, entry.request_id);
  bool whole = put(slot.key_id, slot.key_len, entry.key_id);
  whole &= put(slot.route, slot.route_len, entry.route);
  put(slot.target, slot.target_len, entry.target);  // shown in the recovered record only
  slot.flags = whole ? 0 : kTruncated;
  published.store(seq, std::memory_order_release);
}

SpendJournals::SpendJournals(std::string prefix, std::size_t writers, std::size_t slots)
    : instance_(g_next_instance.fetch_add(1, std::memory_order_relaxed)) {
  const std::string pid = std::to_string(::getpid());
  for (std::size_t i = 0; i < writers; ++i) {
    journals_.push_back(SpendJournal::create(prefix + "-" + pid + "-" + std::to_string(i) + ".journal", slots));
  }
}

SpendJournals::~SpendJournals() {
  for (const auto& journal : journals_) {
    std::error_code ignored;
    std::filesystem::remove(journal->path(), ignored);
  }
}

void SpendJournals::append(const SpendEntry& entry) {
  struct Cache {
    std::uint64_t instance = 0;
    SpendJournal* journal = nullptr;
  };
  thread_local Cache cache;
  if (cache.instance != instance_) {
    const std::size_t index = claimed_.fetch_add(1, std::memory_order_relaxed);
    cache.journal = index < journals_.size() ? journals_[index].get() : nullptr;
    cache.instance = instance_;
  }
  if (cache.journal == nullptr) {
    unjournaled_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  cache.journal->append(entry);
}

SpendJournals::Leftovers SpendJournals::leftovers(const std::string& prefix) {
  namespace fs = std::filesystem;
  Leftovers out;
  const fs::path base(prefix);
  const fs::path directory = base.has_parent_path() ? base.parent_path() : fs::path(".");
  const std::string stem = base.filename().string() + "-";
  std::error_code error;
  for (const auto& item : fs::directory_iterator(directory, error)) {
    const std::string name = item.path().filename().string();
    if (!name.starts_with(stem) || !name.ends_with(".journal")) continue;
    const std::string path = item.path().string();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    // Held by a running gateway: its entries are not leftovers.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      continue;
    }
    struct stat info {};
    std::vector<Slot> slots;
    if (::fstat(fd, &info) == 0 && info.st_size > 0) {
      slots.resize(static_cast<std::size_t>(info.st_size) / kSlotBytes);
      const std::size_t bytes = slots.size() * kSlotBytes;
      std::size_t done = 0;
      while (done < bytes) {
        const ssize_t n = ::pread(fd, reinterpret_cast<char*>(slots.data()) + done, bytes - done,
                                  static_cast<off_t>(done));
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      slots.resize(done / kSlotBytes);
    }
    ::close(fd);
    std::erase_if(slots, [](const Slot& slot) { return slot.seq == 0; });
    std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.seq < b.seq; });
    for (const auto& slot : slots) {
      out.entries.push_back({get(slot.request_id, slot.id_len), slot.time_ms, get(slot.key_id, slot.key_len),
                             get(slot.route, slot.route_len), get(slot.target, slot.target_len), slot.nano_usd,
                             slot.tokens, (slot.flags & kTruncated) != 0});
    }
    out.files.push_back(path);
  }
  return out;
}

void SpendJournals::remove(const Leftovers& leftovers) {
  for (const auto& path : leftovers.files) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
}

}  // namespace switchyard::store
