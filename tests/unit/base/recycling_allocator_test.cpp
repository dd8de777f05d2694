#include "base/recycling_allocator.h"

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/beast/http/fields.hpp>
#include <gtest/gtest.h>

namespace switchyard::base {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kRecycles = false;  // sanitizer builds hand every block back to the heap
#else
constexpr bool kRecycles = true;
#endif

TEST(RecyclingAllocator, GivesAFreedBlockBackToTheNextRequestOfItsSizeClass) {
  RecyclingAllocator<char> allocator;
  char* first = allocator.allocate(100);
  allocator.deallocate(first, 100);
  char* second = allocator.allocate(120);  // same 64-byte class (65..128)
  if (kRecycles) {
    EXPECT_EQ(first, second);
  }
  allocator.deallocate(second, 120);
}

TEST(RecyclingAllocator, KeepsAtMostABoundedNumberOfBlocksPerThread) {
  RecyclingAllocator<char> allocator;
  std::vector<char*> blocks;
  for (int i = 0; i < 1000; ++i) blocks.push_back(allocator.allocate(40));
  for (char* block : blocks) allocator.deallocate(block, 40);
  EXPECT_LE(recycling::keptOnThisThread(), recycling::kClasses * recycling::kMaxKept);
  if (kRecycles) {
    EXPECT_GE(recycling::keptOnThisThread(), recycling::kMaxKept);
  }
}

TEST(RecyclingAllocator, LargeBlocksGoToTheHeap) {
  RecyclingAllocator<char> allocator;
  const std::size_t before = recycling::keptOnThisThread();
  char* big = allocator.allocate(64 * 1024);
  big[64 * 1024 - 1] = 'x';
  allocator.deallocate(big, 64 * 1024);
  EXPECT_EQ(recycling::keptOnThisThread(), before);
}

TEST(RecyclingAllocator, RecyclesBlocksUpToEightKibInKibClasses) {
  RecyclingAllocator<char> allocator;
  char* first = allocator.allocate(3000);
  first[2999] = 'x';
  allocator.deallocate(first, 3000);
  char* second = allocator.allocate(3072);  // same 1 KiB class (2 KiB + 1 .. 3 KiB)
  second[3071] = 'y';                         // the block holds the whole class
  if (kRecycles) {
    EXPECT_EQ(first, second);
  }
  char* other = allocator.allocate(3073);  // the next class: a block of its own
  EXPECT_NE(other, second);
  allocator.deallocate(other, 3073);
  allocator.deallocate(second, 3072);
}

TEST(RecyclingAllocator, KeepsAtMostABoundedNumberOfLargeBlocksPerThread) {
  RecyclingAllocator<char> allocator;
  const std::size_t before = recycling::keptOnThisThread();
  std::vector<char*> blocks;
  for (int i = 0; i < 500; ++i) blocks.push_back(allocator.allocate(5000));
  for (char* block : blocks) allocator.deallocate(block, 5000);
  EXPECT_LE(recycling::keptOnThisThread(), before + recycling::kMaxKeptLarge);
  if (kRecycles) {
    EXPECT_EQ(recycling::keptOnThisThread(), before + recycling::kMaxKeptLarge);
  }
}

// What the chat handler keeps per request: constructed in a recycled block, destroyed when dropped.
struct Tracked {
  Tracked(int& live, std::string text) : live(live), text(std::move(text)) { ++live; }
  ~Tracked() { --live; }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  int& live;
  std::string text;
  char room[3000] = {};
};

TEST(RecyclingAllocator, MakeRecycledConstructsAndDestroysInARecycledBlock) {
  int live = 0;
  const void* first_block = nullptr;
  {
    Recycled<Tracked> first = makeRecycled<Tracked>(live, std::string(100, 'a'));
    EXPECT_EQ(live, 1);
    EXPECT_EQ(first->text, std::string(100, 'a'));
    first_block = first.get();
  }
  EXPECT_EQ(live, 0);
  Recycled<Tracked> second = makeRecycled<Tracked>(live, "b");
  EXPECT_EQ(live, 1);
  EXPECT_EQ(second->text, "b");
  if (kRecycles) {
    EXPECT_EQ(second.get(), first_block);
  }
}

struct ThrowsOnConstruction {
  explicit ThrowsOnConstruction(int) { throw std::runtime_error("no"); }
  char room[2000];
};

TEST(RecyclingAllocator, MakeRecycledGivesTheBlockBackWhenTheConstructorThrows) {
  recycling::deallocate(recycling::allocate(sizeof(ThrowsOnConstruction)), sizeof(ThrowsOnConstruction));
  const std::size_t before = recycling::keptOnThisThread();  // a block of the class is kept
  EXPECT_THROW(makeRecycled<ThrowsOnConstruction>(1), std::runtime_error);
  EXPECT_EQ(recycling::keptOnThisThread(), before);  // taken, and given back
}

TEST(RecyclingAllocator, BlocksFreedOnAnotherThreadAreSafe) {
  RecyclingAllocator<std::string> allocator;
  std::string* block = allocator.allocate(4);
  std::thread([&] { allocator.deallocate(block, 4); }).join();  // joins that thread's list, freed at its end
  SUCCEED();
}

TEST(RecyclingAllocator, CarriesBeastHeaderFields) {
  using Fields = boost::beast::http::basic_fields<RecyclingAllocator<char>>;
  for (int round = 0; round < 3; ++round) {
    Fields fields;
    fields.set(boost::beast::http::field::content_type, "application/json");
    fields.insert("x-request-id", "abc-" + std::to_string(round));
    fields.set(boost::beast::http::field::host, std::string(20000, 'h'));  // past the recycled sizes
    EXPECT_EQ(fields[boost::beast::http::field::content_type], "application/json");
    EXPECT_EQ(fields["x-request-id"], "abc-" + std::to_string(round));
    EXPECT_EQ(fields[boost::beast::http::field::host].size(), 20000u);
  }
}

}  // namespace
}  // namespace switchyard::base
