#include "observability/log.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "base/json_cursor.h"
#include "observability/batched_writer.h"

namespace switchyard::observability {

namespace {

// Set once in initLogging, before any worker starts.
LogFormat g_format = LogFormat::Json;
std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};

void writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // stdout closed or broken: nothing better to do with a log line
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string_view levelName(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warning";
    case LogLevel::Error: return "error";
  }
  return "info";
}

using Cursor = base::JsonCursor;

// Below this magnitude a double field is written in thousandths (fits a long long with room).
constexpr double kThousandthsMax = 1e15;

// "2024-05-01T12:00:00.123" (JSON, UTC) or "2024-05-01 12:00:00.123" (text, local time): the
// seconds are formatted once a second per thread, the milliseconds per line.
constexpr std::size_t kTimestampMax = 32;
void putTimestamp(Cursor& out) {
  struct Cache {
    std::time_t second = -1;
    char text[24];
    std::size_t size = 0;
  };
  thread_local Cache cache;
  const auto now = std::chrono::system_clock::now();
  const auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t second = static_cast<std::time_t>(since_epoch / 1000);
  if (second != cache.second) {
    std::tm parts{};
    if (g_format == LogFormat::Json) {
      gmtime_r(&second, &parts);
      cache.size = std::strftime(cache.text, sizeof cache.text, "%Y-%m-%dT%H:%M:%S", &parts);
    } else {
      localtime_r(&second, &parts);
      cache.size = std::strftime(cache.text, sizeof cache.text, "%Y-%m-%d %H:%M:%S", &parts);
    }
    cache.second = second;
  }
  out.put(std::string_view(cache.text, cache.size));
  const auto millis = static_cast<unsigned>(since_epoch % 1000);
  out.put('.');
  out.put(static_cast<char>('0' + millis / 100));
  out.put(static_cast<char>('0' + millis / 10 % 10));
  out.put(static_cast<char>('0' + millis % 10));
}

// Formats one line ('\n' included) into this thread's render storage (`oversized` for a line past
// base::kRenderKept) and returns it.
struct LogLine;
std::string_view formatLine(std::string& oversized, LogLevel level, std::string_view message,
                            std::initializer_list<LogField> fields) {
  std::size_t bound = 64 + kTimestampMax + Cursor::quotedMax(message);
  for (const auto& field : fields) bound += 4 + Cursor::quotedMax(field.key()) + Cursor::quotedMax(field.value());
  char* const begin = base::renderStorage<LogLine>(bound, oversized);
  Cursor out(begin);
  const std::string_view name = levelName(level);
  if (g_format == LogFormat::Json) {
    out.put(R"({"ts":")");
    putTimestamp(out);
    out.put(R"(Z","level":")");
    out.put(name);
    out.put(R"(","msg":)");
    out.quoted(message);
    for (const auto& field : fields) {
      out.put(',');
      out.quoted(field.key());
      out.put(':');
      if (field.raw()) out.put(field.value());
      else out.quoted(field.value());
    }
    out.put("}\n");
  } else {
    putTimestamp(out);
    out.put(' ');
    out.put(name);
    for (std::size_t pad = name.size(); pad < 5; ++pad) out.put(' ');
    out.put(' ');
    out.put(message);
    for (const auto& field : fields) {
      out.put(' ');
      out.put(field.key());
      out.put('=');
      const std::string_view value = field.value();
      const bool quote = !field.raw() && (value.empty() || value.find_first_of(" \"=\n\r\t") != std::string_view::npos);
      if (quote) out.quoted(value);
      else out.put(value);
    }
    out.put('\n');
  }
  return {begin, static_cast<std::size_t>(out.at() - begin)};
}

std::string droppedLine(std::uint64_t dropped) {
  std::string oversized;
  return std::string(formatLine(oversized, LogLevel::Warn, "log lines dropped",
                                {{"count", static_cast<unsigned long long>(dropped)},
                                 {"reason", "a thread logged more than its buffer holds between two writes"}}));
}

// Made on first use and never destroyed: threads may log until the process ends.
BatchedWriter& writer() {
  static BatchedWriter* const instance = [] {
    auto* made = new BatchedWriter({}, [](std::string_view batch) { writeAll(STDOUT_FILENO, batch); }, droppedLine);
    std::atexit(flushLogs);
    return made;
  }();
  return *instance;
}

}  // namespace

LogField::LogField(std::string_view key, long long value) : key_(key), raw_(true) {
  const auto result = std::to_chars(number_, number_ + sizeof number_, value);
  number_size_ = static_cast<std::uint8_t>(result.ptr - number_);
}

LogField::LogField(std::string_view key, unsigned long long value) : key_(key), raw_(true) {
  const auto result = std::to_chars(number_, number_ + sizeof number_, value);
  number_size_ = static_cast<std::uint8_t>(result.ptr - number_);
}

LogField::LogField(std::string_view key, double value) : key_(key), raw_(true) {
  if (!std::isfinite(value)) {
    text_ = "null";
    return;
  }
  if (std::fabs(value) < kThousandthsMax) {
    // Rounded to thousandths and written with integer arithmetic (every request's "ms": the
    // fixed-precision to_chars costs about ten times more): "12.500" -> "12.5", "3.000" -> "3".
    const long long thousandths = std::llround(value * 1000);
    unsigned long long magnitude = thousandths < 0 ? 0ULL - static_cast<unsigned long long>(thousandths)
                                                   : static_cast<unsigned long long>(thousandths);
    char* out = number_;
    if (thousandths < 0) *out++ = '-';  // "-0.0001" rounds to 0, written "0"
    out = std::to_chars(out, number_ + sizeof number_, magnitude / 1000).ptr;
    unsigned fraction = static_cast<unsigned>(magnitude % 1000);
    if (fraction != 0) {
      char digits[3] = {static_cast<char>('0' + fraction / 100), static_cast<char>('0' + fraction / 10 % 10),
                        static_cast<char>('0' + fraction % 10)};
      int kept = 3;
      while (digits[kept - 1] == '0') --kept;
      *out++ = '.';
      for (int i = 0; i < kept; ++i) *out++ = digits[i];
    }
    number_size_ = static_cast<std::uint8_t>(out - number_);
    return;
  }
  // Too large for thousandths in a long long: the shortest form ("1e+300").
  const auto result = std::to_chars(number_, number_ + sizeof number_, value);
  if (result.ec != std::errc()) {
    text_ = "null";
    return;
  }
  number_size_ = static_cast<std::uint8_t>(result.ptr - number_);
}

bool parseLogFormat(std::string_view text, LogFormat& out) {
  if (text == "json") out = LogFormat::Json;
  else if (text == "text") out = LogFormat::Text;
  else return false;
  return true;
}

bool parseLogLevel(std::string_view text, LogLevel& out) {
  if (text == "debug") out = LogLevel::Debug;
  else if (text == "info") out = LogLevel::Info;
  else if (text == "warn") out = LogLevel::Warn;
  else if (text == "error") out = LogLevel::Error;
  else return false;
  return true;
}

void initLogging(LogFormat format, LogLevel level) {
  g_format = format;
  g_level.store(static_cast<int>(level), std::memory_order_relaxed);
  writer();  // the writer thread starts now, not on a worker's first line
}

bool enabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  std::string oversized;  // stays empty unless the line is past base::kRenderKept
  writer().append(formatLine(oversized, level, message, fields));
}

void flushLogs() { writer().flush(); }

std::uint64_t droppedLogLines() { return writer().dropped(); }

}  // namespace switchyard::observability
