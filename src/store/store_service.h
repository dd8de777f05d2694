#pragma once
// The gateway's one way to the Store: the store is used from a single store thread (running its own
// io_context), so no event loop ever waits on disk and the Store needs no locking.
//
// Audit records take the cheap path: recordAudit() packs the record into a byte buffer of the calling
// thread (a mutex nobody else holds for longer than a buffer swap; no allocation once the buffers
// have grown to a batch's size, and nothing freed on another thread), and the store thread collects every
// buffer each flush_interval, or as soon as wake_batch records are waiting, and commits them in
// one transaction. Nothing wakes the store thread per record: under load one record in wake_batch
// does, so that a commit stays short (about 1 ms of a core) instead of taking a whole interval's
// records at once and stalling the workers sharing its core (it was the gateway's p99). Everything else (keys, queries) goes through run() or runBlocking(), which first
// commit the pending records, so a query sees what was recorded before it.
//
// What a kill -9 can lose: the audit records recorded in the last flush_interval (they are still in
// memory) plus the batch being committed at that moment. A commit, once done, survives kill -9
// (see SqliteStore::open); keys are written through run(), so they are committed before the
// caller hears back.
//
// A commit that fails (disk full, file locked) is reported on stderr at most once a minute and
// retried on the next tick with the same records, while new ones keep coming, up to max_pending in
// total; past that new records are dropped and counted (droppedAudit()).
//
// Retention: every prune_interval the store thread deletes the audit records older than
// retention.max_age and those beyond the newest retention.max_rows, prune_chunk records per
// transaction, posting each next chunk behind whatever else is queued (commits, queries), so a
// backlog of millions is worked off without holding up the audit writer. The per-day spend totals
// that budgets read are kept (a day's spend outlives its records) for kSpendDaysKept days, or
// max_age when that is longer; with no age limit they are kept too.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/executor.h"
#include "store/store.h"

namespace switchyard::store {

// Defaults, documented in the README's store section.
inline constexpr std::chrono::milliseconds kAuditFlushInterval{100};
inline constexpr std::size_t kAuditMaxPending = 100000;  // records waiting, all threads together
inline constexpr std::size_t kAuditWakeBatch = 256;       // records waiting that start a commit early
inline constexpr std::chrono::minutes kStoreFailureReportInterval{1};
inline constexpr std::chrono::minutes kAuditPruneInterval{1};
inline constexpr std::size_t kAuditPruneChunk = 10000;  // records deleted per transaction
// Per-day spend totals are kept this long (a budget reads this day and this month; a year and a
// bit leaves room for year-on-year reports).
inline constexpr std::chrono::hours kSpendDaysKept{24 * 400};

// How long audit records are kept; zero is unlimited.
struct Retention {
  std::chrono::milliseconds max_age{0};
  std::size_t max_rows = 0;
};

class StoreService {
 public:
  struct Settings {
    std::chrono::milliseconds flush_interval{kAuditFlushInterval};
    std::size_t max_pending = kAuditMaxPending;
    std::size_t wake_batch = kAuditWakeBatch;
    Retention retention;  // none unless set (the config's defaults are set by serve)
    std::chrono::milliseconds prune_interval{kAuditPruneInterval};
    std::size_t prune_chunk = kAuditPruneChunk;
  };

  // Starts the store thread.
  StoreService(std::unique_ptr<Store> store, Settings settings);
  // Commits what is pending, stops the store thread and joins it. No call may be running or come
  // after this starts (the app destroys the service after its workers have stopped).
  ~StoreService();
  StoreService(const StoreService&) = delete;
  StoreService& operator=(const StoreService&) = delete;

  // Any thread; never blocks on disk. Committed within about flush_interval, sooner under load.
  // Dropped (and counted) when max_pending records are already waiting.
  // The record's strings are copied before it returns.
  void recordAudit(const AuditRecordView& record);
  void recordAudit(const AuditRecord& record);
  std::uint64_t droppedAudit() const { return dropped_.load(std::memory_order_relaxed); }
  // Audit records deleted by retention so far.
  std::uint64_t prunedAudit() const { return pruned_.load(std::memory_order_relaxed); }

  // From a coroutine: runs fn(Store&) on the store thread, after committing every audit record
  // recorded (by any thread) before the call, and resumes the caller on its own executor with the
  // result. An exception thrown by fn (or by the store) is rethrown to the caller. The result type
  // must be a default-constructible value (Asio's co_spawn completes with one on error).
  template <class Fn>
  Task<std::invoke_result_t<Fn, Store&>> run(Fn fn);

  // The same, waiting on a future: for start-up, tests and CLI commands, never from an event loop
  // or from inside fn (the store thread would wait for itself).
  template <class Fn>
  std::invoke_result_t<Fn, Store&> runBlocking(Fn fn);

  // Blocking: commits every audit record recorded before the call, now.
  void flush() {
    runBlocking([](Store&) {});
  }

 private:
  struct ThreadBuffer;
  ThreadBuffer& local();
  void schedule();       // arms the flush timer
  void commitPending();  // store thread (the destructor's thread once it has ended)
  void collect();        // moves every thread's records into batch_
  void reportFailure(const char* what);
  void schedulePrune();  // arms the prune timer
  // One chunk of the round that started at `now_ms`; posts the next while a chunk comes back full.
  void pruneChunk(std::int64_t now_ms);

  std::unique_ptr<Store> store_;
  const Settings settings_;
  const std::uint64_t instance_;  // tells thread-local caches of different services apart

  std::mutex registry_mutex_;
  std::vector<std::shared_ptr<ThreadBuffer>> buffers_;
  std::atomic<std::size_t> pending_{0};  // recorded, not yet committed
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> pruned_{0};

  // The store thread's own.
  std::vector<AuditRecordView> batch_;  // collected, not yet committed (kept when a commit fails)
  std::deque<std::string> batch_bytes_;  // the thread buffers batch_'s views point into
  std::vector<std::string> spare_bytes_;  // emptied buffers to swap with threads' full ones
  std::optional<std::chrono::steady_clock::time_point> last_report_;
  std::uint64_t failures_unreported_ = 0;
  bool failing_ = false;
  bool stopping_ = false;

  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  SteadyTimer timer_;
  SteadyTimer prune_timer_;
  std::thread thread_;
};

template <class Fn>
Task<std::invoke_result_t<Fn, Store&>> StoreService::run(Fn fn) {
  using Result = std::invoke_result_t<Fn, Store&>;
  static_assert(!std::is_reference_v<Result>, "run() returns a value, never into the store");
  // co_spawn on the store's executor; use_awaitable resumes this coroutine on its own executor
  // and rethrows what the spawned one threw.
  // The task is a named local, not a temporary of the co_await expression: GCC 12 destroys a
  // lambda temporary with non-trivial captures twice there (a double free of what fn captured).
  auto task = [this, fn = std::move(fn)]() mutable -> Task<Result> {
    commitPending();
    co_return fn(*store_);
  };
  co_return co_await boost::asio::co_spawn(io_, std::move(task), kAwait);
}

template <class Fn>
std::invoke_result_t<Fn, Store&> StoreService::runBlocking(Fn fn) {
  using Result = std::invoke_result_t<Fn, Store&>;
  std::promise<Result> promise;
  std::future<Result> done = promise.get_future();
  // References are safe: this thread waits until the handler has set the promise.
  boost::asio::post(io_, [this, &fn, &promise] {
    try {
      commitPending();
      if constexpr (std::is_void_v<Result>) {
        fn(*store_);
        promise.set_value();
      } else {
        promise.set_value(fn(*store_));
      }
    } catch (...) {
      promise.set_exception(std::current_exception());
    }
  });
  return done.get();
}

}  // namespace switchyard::store
