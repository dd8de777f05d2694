#pragma once
// Byte-level helpers that let the gateway edit one field of a JSON body without re-serialising it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::canonical {

struct ByteSpan {
  std::size_t begin = 0;
  std::size_t end = 0;  // one past the last byte
};

// Finds the value of `key` among the top-level members of a JSON object. The text must already
// be valid JSON (callers parse it first); keys written with escapes are not matched.
// When the key repeats, the last occurrence wins (as in most JSON parsers).
std::optional<ByteSpan> findTopLevelValue(std::string_view json, std::string_view key);

// The JSON string literal for `text`, quotes included.
std::string jsonQuote(std::string_view text);

}  // namespace switchyard::canonical
