#include "base/recycling_allocator.h"

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
    fields.set(boost::beast::http::field::host, std::string(2000, 'h'));  // past the recycled sizes
    EXPECT_EQ(fields[boost::beast::http::field::content_type], "application/json");
    EXPECT_EQ(fields["x-request-id"], "abc-" + std::to_string(round));
    EXPECT_EQ(fields[boost::beast::http::field::host].size(), 2000u);
  }
}

}  // namespace
}  // namespace switchyard::base
