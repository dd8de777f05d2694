// The socket reads every connection relies on, over loopback, against the reactor as built
// (cmake/asio_patches.cmake: after a short read the reactor waits for epoll instead of trying
// the socket again). Each case is a way that could lose a wake-up and hang a connection: an end of
// stream that arrived with the data, bytes that arrive after the socket was drained, a peek that
// leaves bytes queued. Each read has a deadline, so a lost wake-up fails the test instead of
// hanging it.

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

struct ReadResult {
  boost::system::error_code ec;
  std::string bytes;
};

class ShortReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor{io_, {asio::ip::address_v4::loopback(), 0}};
    peer_.connect(acceptor.local_endpoint());
    acceptor.accept(socket_);
  }

  // What the peer does, written with blocking calls: its own socket is not read by the reactor.
  void peerWrites(std::string_view bytes) { asio::write(peer_, asio::buffer(bytes.data(), bytes.size())); }
  void peerCloses() { peer_.shutdown(tcp::socket::shutdown_send); }

  // One async read of up to `room` bytes; nullopt when it did not complete within 2 s.
  std::optional<ReadResult> readOnce(std::size_t room = 4096, asio::socket_base::message_flags flags = 0) {
    std::optional<ReadResult> result;
    buffer_.assign(room, '\0');
    socket_.async_receive(asio::buffer(buffer_), flags, [&](boost::system::error_code ec, std::size_t n) {
      result = ReadResult{ec, buffer_.substr(0, n)};
    });
    io_.restart();
    for (auto waited = 0ms; !result && waited < 2000ms; waited += 10ms) io_.run_for(10ms);
    if (!result) {
      socket_.cancel();
      io_.restart();
      io_.run_for(100ms);
      return std::nullopt;
    }
    return result;
  }

  // Lets the reactor see whatever epoll reports while no read is waiting.
  void pollReactor() {
    io_.restart();
    io_.poll();
  }

  asio::io_context io_{1};
  tcp::socket socket_{io_};
  asio::io_context peer_io_;
  tcp::socket peer_{peer_io_};
  std::string buffer_;
};

TEST_F(ShortReadTest, EndOfStreamThatArrivedWithTheDataIsSeen) {
  peerWrites("request");
  peerCloses();
  std::this_thread::sleep_for(20ms);  // both on the socket before the first read
  const auto first = readOnce();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->bytes, "request");
  const auto second = readOnce();
  ASSERT_TRUE(second) << "the end of stream that came with the data was never reported";
  EXPECT_EQ(second->ec, asio::error::eof);
}

TEST_F(ShortReadTest, EndOfStreamSeenByTheReactorWhileNoReadWaitsIsSeen) {
  const auto drained = [&] {
    peerWrites("first");
    return readOnce();
  }();
  ASSERT_TRUE(drained);
  peerWrites("second");
  peerCloses();
  std::this_thread::sleep_for(20ms);
  pollReactor();  // epoll reports data and end of stream to nobody
  const auto data = readOnce();
  ASSERT_TRUE(data);
  EXPECT_EQ(data->bytes, "second");
  const auto end = readOnce();
  ASSERT_TRUE(end) << "the end of stream reported while no read waited was lost";
  EXPECT_EQ(end->ec, asio::error::eof);
}

TEST_F(ShortReadTest, EndOfStreamAfterTheSocketWasDrainedIsSeen) {
  peerWrites("request");
  const auto first = readOnce();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->bytes, "request");
  peerCloses();
  const auto second = readOnce();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->ec, asio::error::eof);
}

TEST_F(ShortReadTest, BytesThatArriveAfterTheSocketWasDrainedAreRead) {
  peerWrites("one");
  ASSERT_TRUE(readOnce());
  std::optional<ReadResult> later;
  buffer_.assign(4096, '\0');
  socket_.async_receive(asio::buffer(buffer_), [&](boost::system::error_code ec, std::size_t n) {
    later = ReadResult{ec, buffer_.substr(0, n)};
  });
  io_.restart();
  io_.run_for(20ms);  // the read waits in the reactor
  EXPECT_FALSE(later);
  peerWrites("two");
  for (auto waited = 0ms; !later && waited < 2000ms; waited += 10ms) io_.run_for(10ms);
  ASSERT_TRUE(later) << "bytes that came after a short read never woke the read";
  EXPECT_EQ(later->bytes, "two");
}

TEST_F(ShortReadTest, BytesThatArriveWhileNoReadWaitsAreRead) {
  peerWrites("one");
  ASSERT_TRUE(readOnce());
  peerWrites("two");
  std::this_thread::sleep_for(20ms);
  pollReactor();
  const auto second = readOnce();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->bytes, "two");
}

TEST_F(ShortReadTest, AFullReadLeavesTheRestToTheNextRead) {
  peerWrites("0123456789");
  std::this_thread::sleep_for(20ms);
  const auto first = readOnce(4);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->bytes, "0123");
  const auto second = readOnce(4);
  ASSERT_TRUE(second) << "a read that filled its buffer was taken for a drained socket";
  EXPECT_EQ(second->bytes, "4567");
  const auto third = readOnce();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->bytes, "89");
}

TEST_F(ShortReadTest, APeekLeavesTheBytesForTheNextRead) {
  peerWrites("queued");
  std::this_thread::sleep_for(20ms);
  const auto peeked = readOnce(4096, asio::socket_base::message_peek);
  ASSERT_TRUE(peeked);
  EXPECT_EQ(peeked->bytes, "queued");
  const auto read = readOnce();
  ASSERT_TRUE(read) << "a short peek was taken for a drained socket";
  EXPECT_EQ(read->bytes, "queued");
}

TEST_F(ShortReadTest, AResetAfterTheSocketWasDrainedIsSeen) {
  peerWrites("request");
  ASSERT_TRUE(readOnce());
  peer_.set_option(asio::socket_base::linger{true, 0});
  peer_.close();  // RST
  const auto after = readOnce();
  ASSERT_TRUE(after) << "the reset was never reported";
  EXPECT_TRUE(after->ec) << "read " << after->bytes.size() << " bytes";
}

}  // namespace
