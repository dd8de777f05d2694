#include "observability/batched_writer.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <future>
#include <limits>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "observability/log.h"

namespace switchyard::observability {
namespace {

using namespace std::chrono_literals;

// What the writer wrote, readable from the test thread.
struct Sink {
  std::mutex mutex;
  std::string text;
  int batches = 0;
  BatchedWriter::Output output() {
    return [this](std::string_view batch) {
      std::lock_guard lock(mutex);
      text.append(batch);
      ++batches;
    };
  }
  std::string read() {
    std::lock_guard lock(mutex);
    return text;
  }
};

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string droppedLine(std::uint64_t count) { return "dropped " + std::to_string(count) + "\n"; }

// A worker appends to two writers on every request (the request log and the span exporter): each
// writer keeps one buffer for the thread, so a flush writes the thread's lines as one batch (not
// one batch, and one registered buffer, per line).
TEST(BatchedWriter, AThreadWritingToTwoWritersKeepsOneBufferInEach) {
  Sink logs;
  Sink spans;
  BatchedWriter log_writer({.thread_buffer_bytes = 1 << 16, .interval = 1h}, logs.output(), droppedLine);
  BatchedWriter span_writer({.thread_buffer_bytes = 1 << 16, .interval = 1h}, spans.output(), droppedLine);
  std::thread worker([&] {
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(log_writer.append("log " + std::to_string(i) + "\n"));
      ASSERT_TRUE(span_writer.append("span " + std::to_string(i) + "\n"));
    }
  });
  worker.join();
  log_writer.flush();
  span_writer.flush();
  EXPECT_EQ(linesOf(logs.read()).size(), 10u);
  EXPECT_EQ(linesOf(spans.read()).size(), 10u);
  EXPECT_EQ(logs.batches, 1);
  EXPECT_EQ(spans.batches, 1);
}

TEST(BatchedWriter, LinesFromSeveralThreadsAllArriveInTheirThreadsOrder) {
  Sink sink;
  constexpr int kThreads = 4;
  constexpr int kLines = 5000;
  {
    BatchedWriter writer({.thread_buffer_bytes = 1 << 20, .interval = 5ms}, sink.output(), droppedLine);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&writer, t] {
        for (int i = 0; i < kLines; ++i) {
          const std::string line = "t" + std::to_string(t) + " " + std::to_string(i) + "\n";
          while (!writer.append(line)) std::this_thread::sleep_for(1ms);  // never with this bound
        }
      });
    }
    for (auto& thread : threads) thread.join();
    writer.flush();
    EXPECT_EQ(writer.dropped(), 0u);
  }
  std::vector<int> next(kThreads, 0);
  int total = 0;
  for (const auto& line : linesOf(sink.read())) {
    ASSERT_EQ(line[0], 't') << line;
    const int t = std::stoi(line.substr(1));
    const int i = std::stoi(line.substr(line.find(' ') + 1));
    ASSERT_EQ(i, next[t]) << "thread " << t << " out of order";
    ++next[t];
    ++total;
  }
  EXPECT_EQ(total, kThreads * kLines);
}

// One thread appends while the writer takes its lines on a 1 ms timer, through a buffer a few lines
// long: every line arrives, whole and in order, however the two interleave.
TEST(BatchedWriter, AThreadAppendingWhileTheWriterTakesLosesNothing) {
  Sink sink;
  constexpr int kLines = 20000;
  {
    BatchedWriter writer({.thread_buffer_bytes = 256, .interval = 1ms}, sink.output(), droppedLine);
    std::thread producer([&writer] {
      for (int i = 0; i < kLines; ++i) {
        const std::string line = "n " + std::to_string(i) + "\n";
        while (!writer.append(line)) std::this_thread::yield();  // full: the writer frees it soon
      }
    });
    producer.join();
    writer.flush();
  }
  int next = 0;
  for (const auto& line : linesOf(sink.read())) {
    if (line.rfind("dropped ", 0) == 0) continue;  // refused appends were retried
    ASSERT_EQ(line, "n " + std::to_string(next)) << "after line " << next - 1;
    ++next;
  }
  EXPECT_EQ(next, kLines);
}

TEST(BatchedWriter, TheTimerWritesWithoutAFlush) {
  Sink sink;
  BatchedWriter writer({.thread_buffer_bytes = 4096, .interval = 20ms}, sink.output(), droppedLine);
  writer.append("hello\n");
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  while (sink.read().empty() && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(sink.read(), "hello\n");
}

TEST(BatchedWriter, FlushWritesEverythingAppendedBeforeIt) {
  Sink sink;
  BatchedWriter writer({.thread_buffer_bytes = 4096, .interval = 1h}, sink.output(), droppedLine);
  writer.append("one\n");
  writer.append("two\n");
  std::thread([&writer] { writer.append("three\n"); }).join();
  writer.flush();
  const std::string text = sink.read();
  EXPECT_NE(text.find("one\ntwo\n"), std::string::npos) << text;
  EXPECT_NE(text.find("three\n"), std::string::npos) << text;
}

TEST(BatchedWriter, EndingTheWriterWritesWhatIsLeft) {
  Sink sink;
  {
    BatchedWriter writer({.thread_buffer_bytes = 4096, .interval = 1h}, sink.output(), droppedLine);
    writer.append("last words\n");
  }
  EXPECT_EQ(sink.read(), "last words\n");
}

TEST(BatchedWriter, LinesBeyondTheBoundAreDroppedCountedAndReported) {
  // The first batch's write blocks until released, as a full pipe would: meanwhile the thread's
  // buffer fills up and further lines are dropped, never waited for.
  std::mutex mutex;
  std::condition_variable changed;
  bool writing = false;
  bool released = false;
  std::string written;
  const auto output = [&](std::string_view batch) {
    std::unique_lock lock(mutex);
    writing = true;
    changed.notify_all();
    changed.wait(lock, [&] { return released; });
    written.append(batch);
  };
  const std::string line(99, 'x');
  const std::string line_nl = line + "\n";  // 100 bytes
  BatchedWriter writer({.thread_buffer_bytes = 1000, .interval = 1h}, output, droppedLine);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(writer.append(line_nl));  // past half: the writer is called early
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 5s, [&] { return writing; })) << "the writer never came";
  }
  int accepted = 0;
  int refused = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) (writer.append(line_nl) ? accepted : refused)++;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s) << "appending waited for the output";
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(refused, 10);
  EXPECT_EQ(writer.dropped(), 10u);
  {
    std::lock_guard lock(mutex);
    released = true;
  }
  changed.notify_all();
  writer.flush();
  std::lock_guard lock(mutex);
  const auto lines = linesOf(written);
  ASSERT_EQ(lines.size(), 17u) << written;
  EXPECT_EQ(lines.back(), "dropped 10");
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i], line);
}

TEST(LogField, NumbersAndBoolsAreUnquotedValues) {
  const LogField count("n", 42);
  EXPECT_EQ(count.value(), "42");
  EXPECT_TRUE(count.raw());
  EXPECT_EQ(LogField("n", -7LL).value(), "-7");
  EXPECT_EQ(LogField("n", std::uint64_t{18446744073709551615ULL}).value(), "18446744073709551615");
  EXPECT_EQ(LogField("b", true).value(), "true");
  EXPECT_TRUE(LogField("b", false).raw());
  EXPECT_EQ(LogField("ms", 12.5).value(), "12.5");
  EXPECT_EQ(LogField("ms", 3.0).value(), "3");
  EXPECT_EQ(LogField("ms", 0.1234567).value(), "0.123");
  EXPECT_EQ(LogField("ms", -0.0001).value(), "0");
  EXPECT_EQ(LogField("ms", -2.05).value(), "-2.05");
  EXPECT_EQ(LogField("ms", 0.0996).value(), "0.1");
  EXPECT_EQ(LogField("ms", 1234567.0009).value(), "1234567.001");
  EXPECT_EQ(LogField("ms", std::nan("")).value(), "null");
  EXPECT_EQ(LogField("ms", std::numeric_limits<double>::infinity()).value(), "null");
  EXPECT_EQ(LogField("ms", 1e300).value().substr(0, 4), "1e+3");
}

TEST(LogField, StringsAreQuotedViews) {
  const std::string owned = "value";
  const LogField field("k", owned);
  EXPECT_EQ(field.value().data(), owned.data());  // no copy
  EXPECT_FALSE(field.raw());
  EXPECT_EQ(LogField("k", "literal").value(), "literal");
  EXPECT_FALSE(LogField("k", "true").raw());
}

}  // namespace
}  // namespace switchyard::observability
