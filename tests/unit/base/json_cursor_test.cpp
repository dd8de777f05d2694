#include "base/json_cursor.h"

#include <string>

#include <gtest/gtest.h>

#include "canonical/json_writer.h"

namespace switchyard::base {
namespace {

std::string quote(std::string_view text) {
  std::string out(JsonCursor::quotedMax(text), '\0');
  JsonCursor cursor(out.data());
  cursor.quoted(text);
  out.resize(static_cast<std::size_t>(cursor.at() - out.data()));
  return out;
}

TEST(JsonCursor, QuotesAndEscapesLikeTheJsonWriter) {
  for (const std::string_view text : {"", "plain", "caf\xc3\xa9 \xf0\x9f\x98\x80", "a\"b\\c", "\n\r\t\b\f\x01\x1f\x7f"}) {
    std::string expected;
    canonical::appendQuoted(expected, text);
    EXPECT_EQ(quote(text), expected);
  }
}

// Strings of 16 bytes or more are scanned a block at a time: a byte to escape at any offset of a
// block, or right after one, is still found.
TEST(JsonCursor, FindsAByteToEscapeAtAnyOffsetOfALongString) {
  for (std::size_t at = 0; at < 40; ++at) {
    for (const char special : {'"', '\\', '\n', '\x01', '\x1f'}) {
      std::string text(40, 'x');
      text[at] = special;
      text[39 - at] = '\xc3';  // bytes >= 0x80 are copied as they are
      std::string expected;
      canonical::appendQuoted(expected, text);
      EXPECT_EQ(quote(text), expected) << at;
    }
  }
}

TEST(JsonCursor, WritesIntegersAndPieces) {
  std::string out(64, '\0');
  JsonCursor cursor(out.data());
  cursor.put('[');
  cursor.integer(-9223372036854775807LL - 1);
  cursor.put(",");
  cursor.integer(42);
  cursor.put(']');
  out.resize(static_cast<std::size_t>(cursor.at() - out.data()));
  EXPECT_EQ(out, "[-9223372036854775808,42]");
}

}  // namespace
}  // namespace switchyard::base
