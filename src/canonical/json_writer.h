#pragma once
// Appends JSON text to a growing buffer: renderers write their output directly, without building a
// document first.
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

}  // namespace switchyard::canonical
