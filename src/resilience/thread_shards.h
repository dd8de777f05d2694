#pragma once
// Per-thread shards for what every worker updates on every request (a breaker's window of
// successes, latency samples, in-flight counts, a retry budget's primaries): each thread writes only
// its own shard's cache lines, lock-free, and the rare reader (a failure, /admin, a periodic merge)
// sums every shard. No lock is taken and no cache line is written by all workers on a request that
// succeeds. Reads are relaxed: a count added at the same instant as a sum is taken may or may not be
// in it, as if it had happened just after or just before.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace switchyard::resilience {

// Shards per counter. Workers (and the control thread) are numbered on first use, round robin; with
// more threads than shards, some share one, which stays correct (every update is an atomic
// read-modify-write) and only costs the sharing threads a contended line.
inline constexpr std::size_t kThreadShards = 16;

// This thread's shard, in [0, kThreadShards). A thread_local rather than a worker index passed in:
// the callers (chat handler, count_tokens, stream continuation, health checks) run on several kinds
// of thread and none of them carries an index; the number is fixed for the thread's life.
std::size_t threadShard();

// Cache lines of 8 counters, so that shards never share a line.
struct alignas(64) CounterLine {
  std::atomic<std::uint64_t> cells[8] = {};
};

// Counts of events per time slot over a ring of `slots` slots, per thread shard, plus each shard's
// running total. The caller numbers slots (a slot is a second, or a step of a breaker's window) and
// keeps every slot it sums within `slots` of the newest. A cell holds (slot + 1) << 24 | count, so
// one compare-and-swap moves a cell on to a new slot and counts in it; a cell left by an older slot
// reads as empty for the newer ones.
class SlotCounter {
 public:
  explicit SlotCounter(std::size_t slots);

  // Lock-free; writes only this thread's shard. `slot` >= 0. A caller whose clock reading is older
  // than the cell's newest slot counts into that newer slot rather than wiping it.
  void add(std::int64_t slot);
  // Events counted in slots >= first (later ones too: a clock read just after the caller's).
  std::uint64_t sumFrom(std::int64_t first) const;
  // Every event ever added (never cleared): a run of failures is broken when it has moved.
  std::uint64_t total() const;
  // Empties every slot (totals are kept). An add() racing with it may land before or after.
  void clear();

 private:
  static constexpr int kCountBits = 24;
  static constexpr std::uint64_t kCountMask = (std::uint64_t{1} << kCountBits) - 1;
  std::atomic<std::uint64_t>& cell(std::size_t shard, std::size_t index) const {
    const std::size_t at = shard * lines_per_shard_ * 8 + index;
    return lines_[at / 8].cells[at % 8];
  }

  std::size_t slots_;
  std::size_t lines_per_shard_;  // slots_ cells, then the shard's total
  std::unique_ptr<CounterLine[]> lines_;
};

}  // namespace switchyard::resilience
