#pragma once
// Structured logging: one JSON object per line (default) or readable "key=value" text.
// A line is formatted on the calling thread into a reused thread-local string and appended to that
// thread's buffer; a writer thread writes the buffers to stdout every few tens of milliseconds
// (observability/batched_writer.h). Logging never waits for stdout, never wakes another thread per
// line and, once a thread's buffers are warm, allocates nothing. Under overload, lines that do not
// fit are dropped and counted, and a "log lines dropped" warning reports how many.
#include <cstdint>
#include <initializer_list>
#include <string>  // callers build values as strings; kept from the former interface
#include <string_view>

namespace switchyard::observability {

enum class LogFormat { Json, Text };
enum class LogLevel { Debug, Info, Warn, Error };

// One key and its value. A field is a view: the strings it is given must outlive the log() call,
// which they do when the fields are written in the call's braces (temporaries included). Numbers
// and bools are rendered in place, unquoted in JSON; doubles with at most three decimals.
class LogField {
 public:
  LogField(std::string_view key, std::string_view value) : key_(key), text_(value) {}
  LogField(std::string_view key, const char* value) : key_(key), text_(value != nullptr ? value : "") {}
  LogField(std::string_view key, bool value) : key_(key), text_(value ? "true" : "false"), raw_(true) {}
  LogField(std::string_view key, int value) : LogField(key, static_cast<long long>(value)) {}
  LogField(std::string_view key, long value) : LogField(key, static_cast<long long>(value)) {}
  LogField(std::string_view key, long long value);
  LogField(std::string_view key, unsigned value) : LogField(key, static_cast<unsigned long long>(value)) {}
  LogField(std::string_view key, unsigned long value) : LogField(key, static_cast<unsigned long long>(value)) {}
  LogField(std::string_view key, unsigned long long value);
  LogField(std::string_view key, double value);

  std::string_view key() const { return key_; }
  std::string_view value() const { return number_size_ > 0 ? std::string_view(number_, number_size_) : text_; }
  bool raw() const { return raw_; }  // already JSON (a number, a bool, null): not quoted

 private:
  std::string_view key_;
  std::string_view text_;
  bool raw_ = false;
  std::uint8_t number_size_ = 0;
  char number_[30];
};

// Call once at start-up, before any worker thread logs.
void initLogging(LogFormat format, LogLevel level);
bool parseLogFormat(std::string_view text, LogFormat& out);
bool parseLogLevel(std::string_view text, LogLevel& out);
bool enabled(LogLevel level);

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
// Writes every line logged so far, from every thread (before exit).
void flushLogs();
// Lines dropped so far because a thread's buffer was full.
std::uint64_t droppedLogLines();

}  // namespace switchyard::observability
