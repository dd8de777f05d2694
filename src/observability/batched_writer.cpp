#include "observability/batched_writer.h"

#include <algorithm>
#include <array>

#include "base/thread_name.h"

namespace switchyard::observability {

namespace {

std::atomic<std::uint64_t> g_next_instance{1};

}  // namespace

struct BatchedWriter::ThreadBuffer {
  std::mutex mutex;
  std::string lines;          // reserved at the bound once: appends never allocate
  std::uint64_t dropped = 0;  // since the writer last looked
};

BatchedWriter::BatchedWriter(Options options, Output output, DroppedLine dropped_line)
    : options_(options),
      output_(std::move(output)),
      dropped_line_(std::move(dropped_line)),
      instance_(g_next_instance.fetch_add(1, std::memory_order_relaxed)) {
  batch_.reserve(options_.thread_buffer_bytes);
  thread_ = std::thread([this] {
    base::nameThisThread(options_.thread_name);
    run();
  });
}

BatchedWriter::~BatchedWriter() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  flush();
}

BatchedWriter::ThreadBuffer& BatchedWriter::local() {
  // A few caches per thread, one per writer: a worker appends to the logger's and to the span
  // exporter's writer on every request, and each must find its own buffer without a lookup in the
  // registry. Writers share a slot only when more than kCachedWriters exist (tests): the thread then
  // registers a fresh buffer, which is correct, only slower.
  struct Cache {
    std::uint64_t instance = 0;
    std::shared_ptr<ThreadBuffer> buffer;
  };
  constexpr std::size_t kCachedWriters = 4;
  thread_local std::array<Cache, kCachedWriters> caches;
  Cache& cache = caches[instance_ % kCachedWriters];
  if (cache.instance != instance_) {
    auto buffer = std::make_shared<ThreadBuffer>();
    buffer->lines.reserve(options_.thread_buffer_bytes);
    {
      std::lock_guard lock(registry_mutex_);
      buffers_.push_back(buffer);
    }
    cache.buffer = std::move(buffer);
    cache.instance = instance_;
  }
  return *cache.buffer;
}

bool BatchedWriter::append(std::string_view lines) {
  ThreadBuffer& buffer = local();
  bool call_early = false;
  {
    std::lock_guard lock(buffer.mutex);
    if (buffer.lines.size() + lines.size() > options_.thread_buffer_bytes) {
      ++buffer.dropped;
      dropped_total_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    buffer.lines.append(lines);
    // Past half the bound the writer is asked to come now: once per batch, not per line.
    call_early = buffer.lines.size() > options_.thread_buffer_bytes / 2 &&
                 !early_.load(std::memory_order_relaxed) && !early_.exchange(true);
  }
  if (call_early) {
    // Taking the writer's mutex (once per batch) closes the gap between its check and its wait.
    { std::lock_guard lock(wake_mutex_); }
    wake_.notify_one();
  }
  return true;
}

void BatchedWriter::flush() {
  std::lock_guard lock(collect_mutex_);
  collect();
}

void BatchedWriter::run() {
  std::unique_lock lock(wake_mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.interval, [this] { return stopping_ || early_.load(); });
    early_.store(false);
    lock.unlock();
    flush();
    lock.lock();
  }
}

void BatchedWriter::collect() {
  std::vector<std::shared_ptr<ThreadBuffer>> buffers;
  {
    std::lock_guard lock(registry_mutex_);
    buffers = buffers_;
  }
  std::uint64_t dropped = 0;
  for (const auto& buffer : buffers) {
    {
      std::lock_guard lock(buffer->mutex);
      dropped += buffer->dropped;
      buffer->dropped = 0;
      if (buffer->lines.empty()) continue;
      // The thread gets back an empty string with the same capacity: nothing to allocate for it.
      buffer->lines.swap(batch_);
    }
    output_(batch_);
    batch_.clear();
  }
  if (dropped > 0 && dropped_line_) output_(dropped_line_(dropped));
  buffers.clear();
  // Buffers of threads that have ended (only the registry holds them) go once they are drained.
  std::lock_guard lock(registry_mutex_);
  std::erase_if(buffers_, [](const std::shared_ptr<ThreadBuffer>& buffer) {
    if (buffer.use_count() != 1) return false;
    std::lock_guard buffer_lock(buffer->mutex);
    return buffer->lines.empty() && buffer->dropped == 0;
  });
}

}  // namespace switchyard::observability
