// The spend journal: what a thread settles survives a kill -9 of the process, a journal still held
// by a running gateway is never taken for a leftover, and a full ring keeps the newest entries.
#include "store/spend_journal.h"
#include "../support/temp_dir.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace switchyard::store {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::SizeIs;

using switchyard::testing::TempDir;

SpendEntry entry(std::string_view id, std::int64_t nano) {
  return {.request_id = id, .time_ms = 1'700'000'000'000, .key_id = "team-a", .route = "chat",
          .target = "openai/gpt-4o", .nano_usd = nano, .tokens = 30};
}

TEST(SpendJournal, EntriesSurviveAKillNineOfTheWritingProcess) {
  TempDir dir;
  const std::string prefix = dir.file("store.db-spend");
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    try {
      SpendJournals journals(prefix, 2);
      journals.append(entry("req-1", 1500));
      std::thread other([&journals] { journals.append(entry("req-2", 2500)); });
      other.join();
      journals.append(entry("req-1", 500));  // req-1 failed over: a second attempt
      raise(SIGKILL);                        // no destructor: the files stay
    } catch (...) {
      _exit(3);
    }
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;

  const auto leftovers = SpendJournals::leftovers(prefix);
  EXPECT_THAT(leftovers.files, SizeIs(2));
  ASSERT_THAT(leftovers.entries, SizeIs(3));
  std::int64_t total = 0;
  for (const auto& spent : leftovers.entries) {
    total += spent.nano_usd;
    EXPECT_EQ(spent.key_id, "team-a");
    EXPECT_EQ(spent.route, "chat");
    EXPECT_EQ(spent.target, "openai/gpt-4o");
    EXPECT_EQ(spent.time_ms, 1'700'000'000'000);
    EXPECT_FALSE(spent.truncated);
  }
  EXPECT_EQ(total, 4500);
  SpendJournals::remove(leftovers);
  EXPECT_EQ(dir.count(), 0U);
}

TEST(SpendJournal, AJournalHeldByARunningGatewayIsNoLeftover) {
  TempDir dir;
  const std::string prefix = dir.file("store.db-spend");
  SpendJournals running(prefix, 1);
  running.append(entry("req-1", 100));
  EXPECT_THAT(SpendJournals::leftovers(prefix).entries, IsEmpty());
  EXPECT_THAT(SpendJournals::leftovers(prefix).files, IsEmpty());
}

TEST(SpendJournal, ACleanShutdownRemovesItsJournals) {
  TempDir dir;
  {
    SpendJournals journals(dir.file("store.db-spend"), 2);
    journals.append(entry("req-1", 100));
    EXPECT_EQ(dir.count(), 2U);
  }
  EXPECT_EQ(dir.count(), 0U);
}

TEST(SpendJournal, AFullRingKeepsTheNewestEntriesInOrder) {
  TempDir dir;
  const std::string path = dir.file("store.db-spend-1-0.journal");
  {
    auto journal = SpendJournal::create(path, 4);
    for (int i = 1; i <= 6; ++i) journal->append(entry("r", i));
  }
  const auto leftovers = SpendJournals::leftovers(dir.file("store.db-spend"));
  EXPECT_THAT(leftovers.entries, ElementsAre(Field(&JournaledSpend::nano_usd, 3), Field(&JournaledSpend::nano_usd, 4),
                                             Field(&JournaledSpend::nano_usd, 5), Field(&JournaledSpend::nano_usd, 6)));
}

TEST(SpendJournal, ANameTooLongForItsFieldIsMarkedSoItsSpendIsNotMisattributed) {
  TempDir dir;
  const std::string path = dir.file("store.db-spend-1-0.journal");
  const std::string long_route(60, 'r');
  const std::string long_id(128, 'i');
  {
    auto journal = SpendJournal::create(path, 8);
    SpendEntry spent = entry(long_id, 7);
    spent.route = long_route;
    journal->append(spent);
  }
  const auto leftovers = SpendJournals::leftovers(dir.file("store.db-spend"));
  ASSERT_THAT(leftovers.entries, SizeIs(1));
  EXPECT_TRUE(leftovers.entries[0].truncated);
  EXPECT_EQ(leftovers.entries[0].request_id, long_id);  // an id always fits: it is how records are matched
}

TEST(SpendJournal, AnAnonymousRequestIsJournaledWithNoKey) {
  // An empty view's data() may be null: nothing may be copied from it (UBSan caught a memcpy).
  TempDir dir;
  {
    auto journal = SpendJournal::create(dir.file("store.db-spend-1-0.journal"), 8);
    SpendEntry spent = entry("req-1", 9);
    spent.key_id = std::string_view();
    journal->append(spent);
  }
  const auto leftovers = SpendJournals::leftovers(dir.file("store.db-spend"));
  ASSERT_THAT(leftovers.entries, SizeIs(1));
  EXPECT_EQ(leftovers.entries[0].key_id, "");
  EXPECT_EQ(leftovers.entries[0].nano_usd, 9);
  EXPECT_FALSE(leftovers.entries[0].truncated);
}

TEST(SpendJournal, AThreadBeyondTheWritersIsCountedNotJournaled) {
  TempDir dir;
  SpendJournals journals(dir.file("store.db-spend"), 1);
  journals.append(entry("req-1", 1));
  std::thread other([&journals] { journals.append(entry("req-2", 2)); });
  other.join();
  EXPECT_EQ(journals.unjournaled(), 1U);
}

}  // namespace
}  // namespace switchyard::store
