#include "http/client_stream.h"

#include <array>
#include <chrono>
#include <optional>

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace switchyard::http {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A connected pair over loopback: the gateway's end in a ClientStream, the client's a plain socket.
struct Pair {
  boost::asio::io_context io;
  TcpSocket client{io.get_executor()};
  std::optional<ClientStream> stream;

  Pair() {
    TcpAcceptor acceptor(io.get_executor(), {boost::asio::ip::make_address("127.0.0.1"), 0});
    client.connect(acceptor.local_endpoint());
    stream.emplace(acceptor.accept());
  }
};

// Reads once from the gateway's end; the error and when it came.
struct ReadResult {
  bool done = false;
  boost::system::error_code ec;
  std::size_t bytes = 0;
  Clock::time_point at;
};

void startRead(Pair& pair, std::array<char, 16>& room, ReadResult& result) {
  pair.stream->async_read_some(boost::asio::buffer(room), [&](boost::system::error_code ec, std::size_t n) {
    result = {true, ec, n, Clock::now()};
  });
}

// Reads once after `deadlines` set the stream's deadlines, with nothing to read: the read ends
// when the connection is closed for its deadline (5 s at most). How long that took.
template <class SetDeadlines>
Clock::duration readUntilClosed(Pair& pair, SetDeadlines deadlines) {
  std::array<char, 16> room{};
  ReadResult result;
  const auto started = Clock::now();
  deadlines(*pair.stream);
  startRead(pair, room, result);
  pair.io.run_for(5s);
  EXPECT_TRUE(result.done);
  EXPECT_TRUE(result.ec);  // the pending read failed
  EXPECT_FALSE(pair.stream->socket().is_open());
  return result.at - started;
}

TEST(ClientStream, ClosesTheConnectionWhenItsDeadlinePasses) {
  Pair pair;
  EXPECT_GE(readUntilClosed(pair, [](ClientStream& stream) { stream.expires_after(50ms); }), 50ms);
}

TEST(ClientStream, ALaterDeadlineSetWhileWaitingIsTheOneThatCounts) {
  Pair pair;
  const auto took = readUntilClosed(pair, [](ClientStream& stream) {
    stream.expires_after(30ms);
    stream.expires_after(250ms);  // recorded; the wait for 30 ms then waits again
  });
  EXPECT_GE(took, 250ms);
}

TEST(ClientStream, AnEarlierDeadlineMovesTheWait) {
  Pair pair;
  const auto took = readUntilClosed(pair, [](ClientStream& stream) {
    stream.expires_after(60s);
    stream.expires_after(40ms);  // a draining gateway shortens the idle wait
  });
  EXPECT_GE(took, 40ms);
  EXPECT_LT(took, 60s);
}

TEST(ClientStream, AClearedDeadlineLeavesTheConnectionOpen) {
  Pair pair;
  std::array<char, 16> room{};
  ReadResult result;
  pair.stream->expires_after(30ms);
  pair.stream->expires_never();  // the request was read: no deadline while it is served
  startRead(pair, room, result);
  pair.io.run_for(200ms);  // well past the cleared deadline
  EXPECT_FALSE(result.done);
  EXPECT_TRUE(pair.stream->socket().is_open());
  boost::asio::write(pair.client, boost::asio::buffer("hi", 2));
  pair.io.restart();
  pair.io.run_for(5s);
  ASSERT_TRUE(result.done);
  EXPECT_FALSE(result.ec);
  EXPECT_EQ(result.bytes, 2u);
}

TEST(ClientStream, GoesAwayWhileItsWaitIsPending) {
  Pair pair;
  pair.stream->expires_after(20ms);
  pair.stream.reset();  // the wait's handler runs later and must not touch the stream
  pair.io.run_for(200ms);
  SUCCEED();
}

}  // namespace
}  // namespace switchyard::http
