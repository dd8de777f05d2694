#include "base/recycling_allocator.h"

#include <array>
#include <new>

namespace switchyard::base::recycling {

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kRecycle = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kRecycle = false;
#else
constexpr bool kRecycle = true;
#endif
#else
constexpr bool kRecycle = true;
#endif

constexpr std::size_t kAllClasses = kClasses + kLargeClasses;
constexpr std::size_t kSmallLimit = kClasses * kClassBytes;
constexpr std::size_t kLargeLimit = kSmallLimit + kLargeClasses * kLargeClassBytes;

struct FreeBlock {
  FreeBlock* next;
};

// One thread's free lists; what they hold goes back to the heap when the thread ends.
class FreeLists {
 public:
  FreeLists() = default;
  FreeLists(const FreeLists&) = delete;
  FreeLists& operator=(const FreeLists&) = delete;
  ~FreeLists() {
    closed_ = true;
    for (std::size_t c = 0; c < kAllClasses; ++c) {
      while (heads_[c] != nullptr) ::operator delete(pop(c));
    }
  }

  void* pop(std::size_t size_class) noexcept {
    FreeBlock* block = heads_[size_class];
    if (block == nullptr) return nullptr;
    heads_[size_class] = block->next;
    --counts_[size_class];
    return block;
  }

  bool push(std::size_t size_class, void* memory) noexcept {
    if (closed_ || counts_[size_class] >= (size_class < kClasses ? kMaxKept : kMaxKeptLarge)) return false;
    auto* block = static_cast<FreeBlock*>(memory);
    block->next = heads_[size_class];
    heads_[size_class] = block;
    ++counts_[size_class];
    return true;
  }

  std::size_t kept() const noexcept {
    std::size_t total = 0;
    for (const auto count : counts_) total += count;
    return total;
  }

 private:
  std::array<FreeBlock*, kAllClasses> heads_{};
  std::array<std::size_t, kAllClasses> counts_{};
  bool closed_ = false;  // the thread is ending: blocks freed by later destructors go to the heap
};

thread_local FreeLists lists;

// The class of a block of `bytes`: 0..kClasses-1 by 64 bytes up to 1 KiB, then one per KiB up to
// 8 KiB; kAllClasses when it is too large to recycle.
std::size_t classOf(std::size_t bytes) noexcept {
  if (bytes <= kSmallLimit) return bytes == 0 ? 0 : (bytes - 1) / kClassBytes;
  if (bytes <= kLargeLimit) return kClasses + (bytes - kSmallLimit - 1) / kLargeClassBytes;
  return kAllClasses;
}

// The bytes a block of `size_class` holds, so that any request of the class fits the block.
std::size_t blockBytes(std::size_t size_class) noexcept {
  return size_class < kClasses ? (size_class + 1) * kClassBytes
                               : kSmallLimit + (size_class - kClasses + 1) * kLargeClassBytes;
}

}  // namespace

void* allocate(std::size_t bytes) {
  const std::size_t size_class = classOf(bytes);
  if (!kRecycle || size_class >= kAllClasses) return ::operator new(bytes);
  if (void* block = lists.pop(size_class)) return block;
  return ::operator new(blockBytes(size_class));
}

void deallocate(void* block, std::size_t bytes) noexcept {
  if (block == nullptr) return;
  const std::size_t size_class = classOf(bytes);
  if (kRecycle && size_class < kAllClasses && lists.push(size_class, block)) return;
  ::operator delete(block);
}

std::size_t keptOnThisThread() noexcept { return lists.kept(); }

}  // namespace switchyard::base::recycling
