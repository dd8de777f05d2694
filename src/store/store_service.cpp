#include "store/store_service.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace switchyard::store {

namespace {

std::atomic<std::uint64_t> g_next_instance{1};

// A batch vector that grew this large during an outage is let go once committed, rather than kept
// at its peak for the life of the process.
constexpr std::size_t kBatchCapacityKept = 16 * 1024;

}  // namespace

struct StoreService::ThreadBuffer {
  std::mutex mutex;
  std::vector<AuditRecord> records;
};

StoreService::StoreService(std::unique_ptr<Store> store, Settings settings)
    : store_(std::move(store)),
      settings_(settings),
      instance_(g_next_instance.fetch_add(1, std::memory_order_relaxed)),
      work_(io_.get_executor()),
      timer_(io_),
      prune_timer_(io_) {
  schedule();  // before the thread starts, so nothing else touches the timers yet
  if (settings_.retention.max_age.count() > 0 || settings_.retention.max_rows > 0) schedulePrune();
  thread_ = std::thread([this] { io_.run(); });
}

StoreService::~StoreService() {
  boost::asio::post(io_, [this] {
    stopping_ = true;
    timer_.cancel();
    prune_timer_.cancel();
  });
  work_.reset();  // run() returns once the queue is empty
  thread_.join();
  // The store thread has ended, so this thread may use the store: commit what came since the last
  // tick (and what a failed commit kept).
  commitPending();
  if (!batch_.empty()) {
    std::fprintf(stderr, "switchyard: store: %zu audit records lost at shutdown\n", batch_.size());
  }
}

StoreService::ThreadBuffer& StoreService::local() {
  // One cache per thread: a thread that records to another service registers a fresh buffer there
  // (tests); the gateway has one service.
  struct Cache {
    std::uint64_t instance = 0;
    std::shared_ptr<ThreadBuffer> buffer;
  };
  thread_local Cache cache;
  if (cache.instance != instance_) {
    auto buffer = std::make_shared<ThreadBuffer>();
    {
      std::lock_guard lock(registry_mutex_);
      buffers_.push_back(buffer);
    }
    cache.buffer = std::move(buffer);
    cache.instance = instance_;
  }
  return *cache.buffer;
}

void StoreService::recordAudit(AuditRecord record) {
  // Take a place first, so that the bound holds across threads without a shared lock.
  const std::size_t waiting = pending_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (waiting > settings_.max_pending) {
    pending_.fetch_sub(1, std::memory_order_relaxed);
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  {
    ThreadBuffer& buffer = local();
    std::lock_guard lock(buffer.mutex);
    buffer.records.push_back(std::move(record));
  }
  // Whichever thread fills a batch starts its commit; the record is in its buffer by now.
  if (settings_.wake_batch > 0 && waiting % settings_.wake_batch == 0) {
    boost::asio::post(io_, [this] {
      if (!stopping_) commitPending();
    });
  }
}

void StoreService::schedule() {
  timer_.expires_after(settings_.flush_interval);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopping_) return;
    commitPending();
    schedule();
  });
}

void StoreService::schedulePrune() {
  prune_timer_.expires_after(settings_.prune_interval);
  prune_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopping_) return;
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    pruneChunk(now.count());
  });
}

void StoreService::pruneChunk(std::int64_t now_ms) {
  const Retention& retention = settings_.retention;
  const std::int64_t max_age_ms = retention.max_age.count();
  const std::size_t chunk = std::max<std::size_t>(settings_.prune_chunk, 1);
  std::size_t deleted = 0;
  try {
    deleted = store_->pruneAudit(max_age_ms > 0 ? now_ms - max_age_ms : 0, retention.max_rows, chunk);
    pruned_.fetch_add(deleted, std::memory_order_relaxed);
    if (deleted < chunk && max_age_ms > 0) {
      // The round is over: the spend totals of days long gone (cheap: a few rows a day).
      const std::int64_t keep_ms =
          std::max<std::int64_t>(max_age_ms, std::chrono::milliseconds(kSpendDaysKept).count());
      store_->pruneSpendDays(now_ms - keep_ms);
    }
  } catch (const std::exception& e) {
    // Retried next round; a failing disk is already reported (rate-limited) by the commits.
    std::fprintf(stderr, "switchyard: store: cannot prune audit records (retrying in %lld ms): %s\n",
                 static_cast<long long>(settings_.prune_interval.count()), e.what());
    deleted = 0;
  }
  if (deleted >= chunk && !stopping_) {
    // More to do: behind what is queued meanwhile (a commit, a query), not in one long stretch.
    boost::asio::post(io_, [this, now_ms] {
      if (!stopping_) pruneChunk(now_ms);
    });
    return;
  }
  if (!stopping_) schedulePrune();
}

void StoreService::collect() {
  std::vector<std::shared_ptr<ThreadBuffer>> buffers;
  {
    std::lock_guard lock(registry_mutex_);
    buffers = buffers_;
  }
  for (const auto& buffer : buffers) {
    {
      // The thread gets back an empty vector (with the capacity of the one it had before): the
      // lock is held for a swap, never for a copy or an allocation.
      std::lock_guard lock(buffer->mutex);
      if (buffer->records.empty()) continue;
      buffer->records.swap(spare_);
    }
    std::move(spare_.begin(), spare_.end(), std::back_inserter(batch_));
    spare_.clear();
  }
  buffers.clear();
  // Buffers of threads that have ended (only the registry holds them) go once they are drained.
  std::lock_guard lock(registry_mutex_);
  std::erase_if(buffers_, [](const std::shared_ptr<ThreadBuffer>& buffer) {
    if (buffer.use_count() != 1) return false;
    std::lock_guard buffer_lock(buffer->mutex);
    return buffer->records.empty();
  });
}

void StoreService::commitPending() {
  collect();
  if (batch_.empty()) return;
  // Each thread's buffer is in order, the threads' are not with each other: insertion order (the
  // audit table's tie-break within a millisecond) follows the requests' starts. One worker's batch
  // is in order already: checked in one pass, as sorting moves every record (five strings each).
  const auto by_start = [](const AuditRecord& a, const AuditRecord& b) { return a.start_ns < b.start_ns; };
  if (!std::is_sorted(batch_.begin(), batch_.end(), by_start)) std::stable_sort(batch_.begin(), batch_.end(), by_start);
  try {
    store_->appendAudit(batch_);
  } catch (const std::exception& e) {
    reportFailure(e.what());
    return;
  } catch (...) {
    reportFailure("unknown error");
    return;
  }
  pending_.fetch_sub(batch_.size(), std::memory_order_relaxed);
  batch_.clear();
  if (batch_.capacity() > kBatchCapacityKept) std::vector<AuditRecord>().swap(batch_);
  if (failing_) {
    failing_ = false;
    std::fprintf(stderr, "switchyard: store: audit records are committed again\n");
  }
}

void StoreService::reportFailure(const char* what) {
  // Kept for the next tick; a failing disk fails every tick, so the report is rate-limited.
  failing_ = true;
  ++failures_unreported_;
  const auto now = std::chrono::steady_clock::now();
  if (last_report_ && now - *last_report_ < kStoreFailureReportInterval) return;
  last_report_ = now;
  std::fprintf(stderr,
               "switchyard: store: cannot commit %zu audit records (%llu failed tries since the "
               "last report, %llu records dropped so far; retrying every %lld ms): %s\n",
               batch_.size(), static_cast<unsigned long long>(failures_unreported_),
               static_cast<unsigned long long>(droppedAudit()),
               static_cast<long long>(settings_.flush_interval.count()), what);
  failures_unreported_ = 0;
}

}  // namespace switchyard::store
