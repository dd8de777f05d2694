#include "http/watchdog.h"

#include <chrono>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace switchyard::http {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A watchdog on its own loop, counting how often it closed its (pretend) connection.
struct Watched {
  boost::asio::io_context io;
  int closed = 0;
  Watchdog watchdog{io.get_executor(), [this] { ++closed; }};
};

// What an upstream connection relies on: the watchdog says it expired (a failed read then reads
// as a timeout), and closes the connection once.
TEST(Watchdog, ExpiresOnceAndSaysSo) {
  Watched w;
  w.watchdog.expiresAt(Clock::now() + 20ms);
  EXPECT_FALSE(w.watchdog.expired());
  w.io.run_for(300ms);
  EXPECT_TRUE(w.watchdog.expired());
  EXPECT_EQ(w.closed, 1);
}

TEST(Watchdog, AClearedDeadlineNeverExpires) {
  Watched w;
  w.watchdog.expiresAt(Clock::now() + 20ms);
  w.watchdog.clear();  // a client connection's request was read
  w.io.run_for(200ms);
  EXPECT_FALSE(w.watchdog.expired());
  EXPECT_EQ(w.closed, 0);
}

TEST(Watchdog, StoppedLeavesItsLoopWithoutWork) {
  Watched w;
  w.watchdog.expiresAt(Clock::now() + 60s);
  w.watchdog.stop();  // an upstream connection parked in its pool
  const auto started = Clock::now();
  w.io.run();  // returns at once: no wait is pending
  EXPECT_LT(Clock::now() - started, 30s);
  EXPECT_FALSE(w.watchdog.expired());
  EXPECT_EQ(w.closed, 0);
}

}  // namespace
}  // namespace switchyard::http
