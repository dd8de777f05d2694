#include "observability/log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace switchyard::observability {

namespace {

LogFormat g_format = LogFormat::Json;  // set once in initLogging, before any worker starts

void appendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

spdlog::level::level_enum toSpd(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return spdlog::level::debug;
    case LogLevel::Info: return spdlog::level::info;
    case LogLevel::Warn: return spdlog::level::warn;
    case LogLevel::Error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

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
  spdlog::init_thread_pool(8192, 1);
  auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  auto logger = std::make_shared<spdlog::async_logger>(
      "switchyard", sink, spdlog::thread_pool(), spdlog::async_overflow_policy::block);
  if (format == LogFormat::Json) {
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %-5l %v");
  }
  logger->set_level(toSpd(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

bool enabled(LogLevel level) { return spdlog::default_logger_raw()->should_log(toSpd(level)); }

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  std::string line;
  line.reserve(128);
  if (g_format == LogFormat::Json) {
    line += "\"msg\":";
    appendJsonString(line, message);
    for (const auto& field : fields) {
      line.push_back(',');
      appendJsonString(line, field.key);
      line.push_back(':');
      if (field.raw) line += field.value;
      else appendJsonString(line, field.value);
    }
  } else {
    line += message;
    for (const auto& field : fields) {
      line.push_back(' ');
      line += field.key;
      line.push_back('=');
      const bool quote = !field.raw && field.value.find_first_of(" \"=") != std::string::npos;
      if (quote) appendJsonString(line, field.value);
      else line += field.value;
    }
  }
  spdlog::default_logger_raw()->log(toSpd(level), "{}", line);
}

void flushLogs() { spdlog::default_logger_raw()->flush(); }

}  // namespace switchyard::observability
