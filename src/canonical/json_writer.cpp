#include "canonical/json_writer.h"

#include "base/json_cursor.h"
#include "base/utf8.h"

#include <charconv>

namespace switchyard::canonical {

void appendQuoted(std::string& out, std::string_view text) {
  // The request log's and the audit record's escaping (base::JsonCursor), on a growing string.
  out.push_back('"');
  base::JsonCursor::escapeTo(text, [&out](std::string_view piece) { out.append(piece); });
  out.push_back('"');
}

void appendInt(std::string& out, std::int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

void appendDouble(std::string& out, double value) {
  char digits[32];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}


std::string validUtf8Prefix(std::string_view bytes, std::size_t max_bytes) {
  const std::string_view text = bytes.substr(0, max_bytes);
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t length = base::utf8SequenceAt(text, at);
    if (length > 0) {
      out.append(text.substr(at, length));
      at += length;
      continue;
    }
    // A character the limit cut: drop it rather than show a replacement for bytes never sent.
    if (text.size() < bytes.size() && base::utf8SequenceAt(bytes, at) > 0) break;
    out.append("\xEF\xBF\xBD");  // U+FFFD
    ++at;
  }
  return out;
}

}  // namespace switchyard::canonical
