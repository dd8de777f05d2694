#include "http/sse.h"

namespace switchyard::http {

std::size_t findSseEventEnd(std::string_view data, std::size_t from) {
  // An event ends at an empty line: a '\n' directly preceded by the previous line's '\n'
  // (optionally with a '\r' in between).
  std::size_t pos = from;
  while (true) {
    pos = data.find('\n', pos);
    if (pos == std::string_view::npos) return kSseNoEvent;
    std::size_t next = pos + 1;
    if (next < data.size() && data[next] == '\n') return next + 1;
    if (next + 1 < data.size() && data[next] == '\r' && data[next + 1] == '\n') return next + 2;
    if (next >= data.size() || (data[next] == '\r' && next + 1 >= data.size())) return kSseNoEvent;
    pos = next;
  }
}

namespace {

std::string_view trimLineEnd(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string_view fieldValue(std::string_view line, std::size_t colon) {
  std::string_view value = line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

}  // namespace

SseEvent parseSseEvent(std::string_view raw_event) {
  SseEvent event;
  std::size_t start = 0;
  while (start < raw_event.size()) {
    // The blank line that ends the event needs no search (nor does "data:", the usual field).
    if (raw_event[start] == '\n') {
      ++start;
      continue;
    }
    std::size_t end = raw_event.find('\n', start);
    if (end == std::string_view::npos) end = raw_event.size();
    const std::string_view line = trimLineEnd(raw_event.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line.front() == ':') continue;
    const std::size_t colon = line.starts_with("data:") ? 4 : line.find(':');
    const std::string_view field = line.substr(0, colon);
    if (field == "data" && !event.has_data) {
      event.has_data = true;
      event.first_data = colon == std::string_view::npos ? std::string_view{} : fieldValue(line, colon);
    } else if (field == "event" && colon != std::string_view::npos) {
      event.name = fieldValue(line, colon);
    }
  }
  return event;
}

bool isOpenAiDone(const SseEvent& event) {
  return event.has_data && event.first_data == "[DONE]";
}

bool isOpenAiError(const SseEvent& event) {
  if (!event.has_data) return false;
  std::string_view data = event.first_data;
  const auto skip_space = [&data] {
    while (!data.empty() && (data.front() == ' ' || data.front() == '\t')) data.remove_prefix(1);
  };
  skip_space();
  if (data.empty() || data.front() != '{') return false;
  data.remove_prefix(1);
  skip_space();
  return data.starts_with("\"error\"");
}

std::string sseData(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 8);
  out.append("data: ").append(payload).append("\n\n");
  return out;
}

}  // namespace switchyard::http
