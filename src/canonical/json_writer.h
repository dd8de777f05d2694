#pragma once
// Appends JSON text to a growing buffer: renderers write their output directly, without building a
// document first.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard::canonical {

// `text` as a JSON string literal, quotes included (control characters, '"' and '\\' escaped;
// UTF-8 passed through).
void appendQuoted(std::string& out, std::string_view text);
void appendInt(std::string& out, std::int64_t value);
// Shortest text that reads back as the same double (std::to_chars).
void appendDouble(std::string& out, double value);

// Text quoted from a foreign body (an upstream's HTML error page, a truncated message) made fit
// for a JSON string: at most `max_bytes` of `bytes`, each invalid UTF-8 sequence replaced by U+FFFD
// and a character cut by the limit dropped. Boost.JSON's serializer and appendQuoted copy bytes
// >= 0x80 as they are, so this is where raw bytes become valid text.
std::string validUtf8Prefix(std::string_view bytes, std::size_t max_bytes);

}  // namespace switchyard::canonical
