#pragma once
// An allocator for the small blocks every request makes and drops again (Beast's header fields,
// the request target): freed blocks wait on the freeing thread's free list, one per 64-byte size
// class up to 1 KiB, and the next request of that thread takes them back without calling malloc.
// Each worker runs on its own thread, so the lists need no lock; a block freed on another thread
// joins that thread's list. Each list keeps at most kMaxKept blocks (64 KiB per thread at most);
// larger blocks go straight to operator new. Sanitizer builds use plain new/delete, so that ASan
// still sees every use after free.
#include <cstddef>

namespace switchyard::base {

namespace recycling {
inline constexpr std::size_t kClassBytes = 64;
inline constexpr std::size_t kClasses = 16;  // blocks up to 1 KiB are recycled
inline constexpr std::size_t kMaxKept = 64;  // per class and thread

void* allocate(std::size_t bytes);
void deallocate(void* block, std::size_t bytes) noexcept;
// Blocks on this thread's free lists (for tests).
std::size_t keptOnThisThread() noexcept;
}  // namespace recycling

template <class T>
struct RecyclingAllocator {
  using value_type = T;

  RecyclingAllocator() noexcept = default;
  template <class U>
  RecyclingAllocator(const RecyclingAllocator<U>&) noexcept {}  // NOLINT: rebinding converts implicitly

  T* allocate(std::size_t n) { return static_cast<T*>(recycling::allocate(n * sizeof(T))); }
  void deallocate(T* block, std::size_t n) noexcept { recycling::deallocate(block, n * sizeof(T)); }

  template <class U>
  bool operator==(const RecyclingAllocator<U>&) const noexcept { return true; }
};

}  // namespace switchyard::base
