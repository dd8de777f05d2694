#include "store/store_service.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "base/thread_name.h"

namespace switchyard::store {

namespace {

std::atomic<std::uint64_t> g_next_instance{1};

// A batch vector that grew this large during an outage is let go once committed, rather than kept
// at its peak for the life of the process; so is a record buffer past kBufferCapacityKept bytes.
constexpr std::size_t kBatchCapacityKept = 16 * 1024;
constexpr std::size_t kBufferCapacityKept = 4 * 1024 * 1024;
// Emptied record buffers kept for the next swaps: one per worker covers a steady load.
constexpr std::size_t kSpareBuffersKept = 16;

// A record in a thread's buffer: this header, then its five strings one after the other.
struct PackedHeader {
  std::int64_t time_ms;
  std::int64_t start_ns;
  std::int64_t cost_nano_usd;
  std::int64_t tokens;
  std::int32_t status;
  std::uint32_t sizes[5];  // request_id, key_id, route, outcome, json
};

void pack(std::string& out, const AuditRecordView& record) {
  const std::string_view texts[5] = {record.request_id, record.key_id, record.route, record.outcome, record.json};
  PackedHeader header{record.time_ms, record.start_ns, record.cost_nano_usd, record.tokens, record.status, {}};
  for (int i = 0; i < 5; ++i) header.sizes[i] = static_cast<std::uint32_t>(texts[i].size());
  // Appended in place (within the capacity kept from earlier batches, once warm): nothing zero-filled first.
  out.append(reinterpret_cast<const char*>(&header), sizeof header);
  for (const std::string_view text : texts) out.append(text);
}

// Views of every record packed in `bytes`, appended to `out` (valid while `bytes` is not changed).
void unpack(const std::string& bytes, std::vector<AuditRecordView>& out) {
  const char* at = bytes.data();
  const char* const end = at + bytes.size();
  while (at < end) {
    PackedHeader header;
    std::memcpy(&header, at, sizeof header);
    at += sizeof header;
    std::string_view texts[5];
    for (int i = 0; i < 5; ++i) {
      texts[i] = {at, header.sizes[i]};
      at += header.sizes[i];
    }
    out.push_back({.request_id = texts[0],
                   .time_ms = header.time_ms,
                   .start_ns = header.start_ns,
                   .key_id = texts[1],
                   .route = texts[2],
                   .outcome = texts[3],
                   .status = header.status,
                   .json = texts[4],
                   .cost_nano_usd = header.cost_nano_usd,
                   .tokens = header.tokens});
  }
}

}  // namespace

// A thread's records since the last collection, packed into one string whose capacity is kept:
// recording allocates nothing once the buffers have grown to a batch's size, and no record is freed
// on another thread than the one that allocated it.
struct StoreService::ThreadBuffer {
  std::mutex mutex;
  std::string bytes;
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
  thread_ = std::thread([this] {
    base::nameThisThread("sy-store");
    io_.run();
  });
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

void StoreService::recordAudit(const AuditRecord& record) { recordAudit(viewOf(record)); }

void StoreService::recordAudit(const AuditRecordView& record) {
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
    pack(buffer.bytes, record);
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
    std::string bytes;
    if (!spare_bytes_.empty()) {
      bytes = std::move(spare_bytes_.back());
      spare_bytes_.pop_back();
    }
    {
      // The thread gets back an empty buffer (with the capacity of one emptied before): the lock
      // is held for a swap, never for a copy or an allocation.
      std::lock_guard lock(buffer->mutex);
      buffer->bytes.swap(bytes);
    }
    if (bytes.empty()) {
      spare_bytes_.push_back(std::move(bytes));
      continue;
    }
    // A deque: the views taken from a buffer stay valid while later buffers join the batch.
    batch_bytes_.push_back(std::move(bytes));
    unpack(batch_bytes_.back(), batch_);
  }
  buffers.clear();
  // Buffers of threads that have ended (only the registry holds them) go once they are drained.
  std::lock_guard lock(registry_mutex_);
  std::erase_if(buffers_, [](const std::shared_ptr<ThreadBuffer>& buffer) {
    if (buffer.use_count() != 1) return false;
    std::lock_guard buffer_lock(buffer->mutex);
    return buffer->bytes.empty();
  });
}

void StoreService::commitPending() {
  collect();
  if (batch_.empty()) return;
  // Each thread's buffer is in order, the threads' are not with each other: insertion order (the
  // audit table's tie-break within a millisecond) follows the requests' starts. One worker's batch
  // is in order already: checked in one pass.
  const auto by_start = [](const AuditRecordView& a, const AuditRecordView& b) { return a.start_ns < b.start_ns; };
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
  if (batch_.capacity() > kBatchCapacityKept) std::vector<AuditRecordView>().swap(batch_);
  for (std::string& bytes : batch_bytes_) {
    if (spare_bytes_.size() >= kSpareBuffersKept || bytes.capacity() > kBufferCapacityKept) continue;
    bytes.clear();
    spare_bytes_.push_back(std::move(bytes));
  }
  batch_bytes_.clear();
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
