// Spare strings: a stream's buffers keep their capacity for the next request on the same thread,
// within bounds (how many, how large), and a thread never sees another's.
#include "base/spare_strings.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace switchyard::base {
namespace {

// Empties this thread's list, so that each test starts from none.
void drain() {
  for (std::size_t i = 0; i < kMaxSpareStrings + 1; ++i) (void)takeSpareString();
}

TEST(SpareStrings, AStringGivenBackComesBackEmptyWithItsCapacity) {
  drain();
  std::string text(3000, 'x');
  const std::size_t capacity = text.capacity();
  keepSpareString(text);
  EXPECT_TRUE(text.empty());
  EXPECT_EQ(text.capacity(), std::string().capacity());  // left with nothing
  const std::string again = takeSpareString();
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(again.capacity(), capacity);
  EXPECT_EQ(takeSpareString().capacity(), std::string().capacity());  // only one was kept
}

TEST(SpareStrings, ScopesTakeAndGiveBack) {
  drain();
  std::size_t capacity = 0;
  {
    SpareString scoped;
    (*scoped).assign(2000, 'y');
    capacity = (*scoped).capacity();
  }
  SpareString next;
  EXPECT_TRUE((*next).empty());
  EXPECT_EQ((*next).capacity(), capacity);
}

TEST(SpareStrings, KeepsNeitherTooManyNorTooLargeNorEmptyOnes) {
  drain();
  std::string huge(kMaxSpareCapacity + 1, 'z');
  keepSpareString(huge);
  std::string small;
  keepSpareString(small);
  EXPECT_EQ(takeSpareString().capacity(), std::string().capacity());
  for (std::size_t i = 0; i < kMaxSpareStrings + 5; ++i) {
    std::string text(1500, 'a');
    keepSpareString(text);
    EXPECT_TRUE(text.empty());
  }
  std::size_t kept = 0;
  while (takeSpareString().capacity() > std::string().capacity()) ++kept;
  EXPECT_EQ(kept, kMaxSpareStrings);
}

TEST(SpareStrings, AreKeptPerThread) {
  drain();
  std::string text(4000, 'b');
  keepSpareString(text);
  std::size_t seen_elsewhere = 1;
  std::thread([&] { seen_elsewhere = takeSpareString().capacity(); }).join();
  EXPECT_EQ(seen_elsewhere, std::string().capacity());
  EXPECT_GE(takeSpareString().capacity(), 4000U);
}

}  // namespace
}  // namespace switchyard::base
