#pragma once
// Structured logging: one JSON object per line (default) or readable "key=value" text.
// Backed by an asynchronous spdlog logger so event loops never wait on stdout.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace switchyard::observability {

enum class LogFormat { Json, Text };
enum class LogLevel { Debug, Info, Warn, Error };

struct LogField {
  std::string_view key;
  std::string value;
  bool raw = false;  // value is already JSON (a number, a bool): not quoted
  LogField(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  LogField(std::string_view k, long long v) : key(k), value(std::to_string(v)), raw(true) {}
  LogField(std::string_view k, int v) : key(k), value(std::to_string(v)), raw(true) {}
  LogField(std::string_view k, unsigned long v) : key(k), value(std::to_string(v)), raw(true) {}
  LogField(std::string_view k, double v) : key(k), value(std::to_string(v)), raw(true) {}
};

// Call once at start-up, before any log line.
void initLogging(LogFormat format, LogLevel level);
bool parseLogFormat(std::string_view text, LogFormat& out);
bool parseLogLevel(std::string_view text, LogLevel& out);
bool enabled(LogLevel level);

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
// Flushes pending lines (before exit).
void flushLogs();

}  // namespace switchyard::observability
