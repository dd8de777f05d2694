#pragma once
// Log lines from many threads to one output, without ever making a thread wait for the output and
// without a cross-thread wake-up per line.
//
// Each thread appends whole lines to its own buffer (a string reserved once at its bound, so an
// append never allocates); a writer thread takes every buffer on a short timer (swapping it for an
// empty one of the same capacity, under that buffer's mutex, which nobody else holds for longer
// than a memcpy) and writes the batch. A thread whose buffer passes half its bound asks the writer
// to come early (one notify per batch, not per line). A line that does not fit in its thread's
// buffer is dropped and counted; the writer reports the count with the next batch. Lines of one
// thread keep their order; lines of different threads are interleaved batch by batch (each line
// carries its own timestamp).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace switchyard::observability {

// Defaults, documented in the README's logging paragraph.
inline constexpr std::size_t kLogThreadBufferBytes = 1024 * 1024;       // per thread
inline constexpr std::chrono::milliseconds kLogFlushInterval{50};       // the writer's timer

class BatchedWriter {
 public:
  // Called on the writer thread (or in flush()) with a batch of whole lines, never concurrently.
  using Output = std::function<void(std::string_view)>;
  // Renders the line that reports `dropped` lines (ending with '\n').
  using DroppedLine = std::function<std::string(std::uint64_t dropped)>;

  struct Options {
    std::size_t thread_buffer_bytes = kLogThreadBufferBytes;
    std::chrono::milliseconds interval = kLogFlushInterval;
    const char* thread_name = "sy-log";  // the writer thread's (base::nameThisThread)
  };

  BatchedWriter(Options options, Output output, DroppedLine dropped_line);
  // Stops the writer thread and writes what is left.
  ~BatchedWriter();
  BatchedWriter(const BatchedWriter&) = delete;
  BatchedWriter& operator=(const BatchedWriter&) = delete;

  // Any thread: queues one or more whole lines ('\n'-terminated). Never waits for the output; false
  // (and counted) when the line does not fit in this thread's buffer.
  bool append(std::string_view lines);
  // Writes every line appended (by any thread) before the call, and the dropped count, now.
  void flush();
  // Lines dropped since the start.
  std::uint64_t dropped() const { return dropped_total_.load(std::memory_order_relaxed); }

 private:
  struct ThreadBuffer;
  ThreadBuffer& local();
  void run();
  void collect();  // takes every buffer and writes it; caller holds collect_mutex_

  const Options options_;
  const Output output_;
  const DroppedLine dropped_line_;
  const std::uint64_t instance_;  // tells thread-local caches of different writers apart

  std::mutex registry_mutex_;
  std::vector<std::shared_ptr<ThreadBuffer>> buffers_;

  std::mutex collect_mutex_;  // one collector at a time (the writer thread or flush())
  std::string batch_;         // the buffer swapped in for the next thread's full one
  std::atomic<std::uint64_t> dropped_total_{0};

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::atomic<bool> early_{false};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace switchyard::observability
