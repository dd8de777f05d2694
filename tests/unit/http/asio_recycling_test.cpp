// Asio's operation blocks and coroutine frames, as built (cmake/asio_patches.cmake, edit 2): taken
// from and given back to this thread's base::recycling free lists, so that a request's handlers and
// frames do not go to malloc. An over-aligned handler still gets memory of its alignment.

#include <array>
#include <cstdint>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detail/thread_info_base.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "base/recycling_allocator.h"

namespace {

namespace asio = boost::asio;
namespace recycling = switchyard::base::recycling;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kRecycles = false;  // sanitizer builds hand every block back to the heap
#else
constexpr bool kRecycles = true;
#endif

asio::awaitable<int> answer() { co_return 42; }

TEST(AsioRecycling, AFinishedHandlersBlockWaitsOnTheThreadsFreeList) {
  asio::io_context io{1};
  const std::size_t before = recycling::keptOnThisThread();
  int ran = 0;
  asio::post(io, [&ran, padding = std::array<char, 300>{}] { ran += 1 + padding[0]; });
  io.run();
  EXPECT_EQ(ran, 1);
  if (kRecycles) {
    EXPECT_GT(recycling::keptOnThisThread(), before);
  }
}

TEST(AsioRecycling, CoroutineFramesComeBackForTheNextCoroutine) {
  asio::io_context io{1};
  int total = 0;
  auto run_one = [&] {
    asio::co_spawn(io, [&]() -> asio::awaitable<void> { total += co_await answer(); }, asio::detached);
    io.restart();
    io.run();
  };
  run_one();  // the first run fills the lists
  const std::size_t kept = recycling::keptOnThisThread();
  for (int i = 0; i < 100; ++i) run_one();
  EXPECT_EQ(total, 101 * 42);
  if (kRecycles) {
    EXPECT_EQ(recycling::keptOnThisThread(), kept) << "each run took its blocks from the lists and gave them back";
  }
}

TEST(AsioRecycling, AnOverAlignedBlockGetsItsAlignment) {
  using asio::detail::thread_info_base;
  for (const std::size_t size : {std::size_t{40}, std::size_t{700}, std::size_t{5000}}) {
    void* block = thread_info_base::allocate(thread_info_base::default_tag(), nullptr, size, 64);
    ASSERT_NE(block, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(block) % 64, 0u) << size;
    static_cast<char*>(block)[size - 1] = 'x';
    thread_info_base::deallocate(thread_info_base::default_tag(), nullptr, block, size);
  }
}

}  // namespace
