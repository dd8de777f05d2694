#include "resilience/thread_shards.h"

#include <algorithm>

namespace switchyard::resilience {

std::size_t threadShard() {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t shard = next.fetch_add(1, std::memory_order_relaxed) % kThreadShards;
  return shard;
}

SlotCounter::SlotCounter(std::size_t slots)
    : slots_(std::max<std::size_t>(slots, 1)),
      lines_per_shard_((slots_ + 1 + 7) / 8),
      lines_(std::make_unique<CounterLine[]>(lines_per_shard_ * kThreadShards)) {}

void SlotCounter::add(std::int64_t slot) {
  const std::uint64_t tag = static_cast<std::uint64_t>(std::max<std::int64_t>(slot, 0)) + 1;
  const std::size_t shard = threadShard();
  auto& target = cell(shard, static_cast<std::size_t>(tag - 1) % slots_);
  std::uint64_t value = target.load(std::memory_order_relaxed);
  for (;;) {
    std::uint64_t next = 0;
    if ((value >> kCountBits) >= tag) {
      next = (value & kCountMask) == kCountMask ? value : value + 1;  // saturates (16M per slot and thread)
    } else {
      next = (tag << kCountBits) | 1;
    }
    if (target.compare_exchange_weak(value, next, std::memory_order_relaxed)) break;
  }
  cell(shard, slots_).fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t SlotCounter::sumFrom(std::int64_t first) const {
  std::uint64_t sum = 0;
  for (std::size_t shard = 0; shard < kThreadShards; ++shard) {
    for (std::size_t i = 0; i < slots_; ++i) {
      const std::uint64_t value = cell(shard, i).load(std::memory_order_relaxed);
      const std::uint64_t tag = value >> kCountBits;
      if (tag == 0) continue;  // never used
      if (static_cast<std::int64_t>(tag - 1) >= first) sum += value & kCountMask;
    }
  }
  return sum;
}

std::uint64_t SlotCounter::total() const {
  std::uint64_t sum = 0;
  for (std::size_t shard = 0; shard < kThreadShards; ++shard) sum += cell(shard, slots_).load(std::memory_order_relaxed);
  return sum;
}

void SlotCounter::clear() {
  for (std::size_t shard = 0; shard < kThreadShards; ++shard) {
    for (std::size_t i = 0; i < slots_; ++i) cell(shard, i).store(0, std::memory_order_relaxed);
  }
}

}  // namespace switchyard::resilience
