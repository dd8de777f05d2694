#pragma once
// An allocator for the blocks every request makes and drops again (Beast's header fields, the
// request target, a chat request's state): freed blocks wait on the freeing thread's free list, one
// per 64-byte size class up to 1 KiB and one per 1 KiB class up to 8 KiB, and the next request of
// that thread takes them back without calling malloc (whose per-thread cache stops at 1 KiB: a
// larger block costs a search of its bins and a merge with its neighbours on each free).
// Each worker runs on its own thread, so the lists need no lock; a block freed on another thread
// joins that thread's list. A small class keeps at most 512 blocks (kMaxKept: 64 requests in flight
// hold about 5 header fields each, and Asio's operations and frames come here too,
// cmake/asio_patches.cmake), a large one 64 (kMaxKeptLarge): a thread holds at most 4.3 MiB in small
// blocks and 2.2 MiB in large ones, in practice the few classes its requests use. Larger blocks go
// straight to operator new.
// Sanitizer builds use plain new/delete, so that ASan still sees every use after free.
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace switchyard::base {

namespace recycling {
inline constexpr std::size_t kClassBytes = 64;
inline constexpr std::size_t kClasses = 16;  // blocks up to 1 KiB are recycled
inline constexpr std::size_t kMaxKept = 512;  // per small class and thread
inline constexpr std::size_t kLargeClassBytes = 1024;
inline constexpr std::size_t kLargeClasses = 7;  // then blocks of 1 KiB .. 8 KiB, in 1 KiB classes
inline constexpr std::size_t kMaxKeptLarge = 64;  // per large class and thread: a burst of requests

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

// An object in a recycled block: for the one large object a request makes and drops (the chat
// handler's state), which a coroutine frame would otherwise carry into malloc's slow path.
template <class T>
struct RecycledDelete {
  void operator()(T* object) const noexcept {
    object->~T();
    recycling::deallocate(object, sizeof(T));
  }
};
template <class T>
using Recycled = std::unique_ptr<T, RecycledDelete<T>>;

template <class T, class... Args>
Recycled<T> makeRecycled(Args&&... args) {
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  void* block = recycling::allocate(sizeof(T));
  try {
    return Recycled<T>(::new (block) T{std::forward<Args>(args)...});  // braces: aggregates too
  } catch (...) {
    recycling::deallocate(block, sizeof(T));
    throw;
  }
}

}  // namespace switchyard::base
