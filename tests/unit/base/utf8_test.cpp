#include "base/utf8.h"

#include <string>

#include <gtest/gtest.h>

namespace switchyard::base {
namespace {

TEST(Utf8, AcceptsAsciiAndEveryEncodingLength) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8(R"({"choices":[{"delta":{"content":"hello world"}}]})"));
  EXPECT_TRUE(isValidUtf8("caf\xC3\xA9"));                  // é
  EXPECT_TRUE(isValidUtf8("\xE2\x82\xAC 12345678"));        // €, then an ASCII word
  EXPECT_TRUE(isValidUtf8("\xF0\x9F\x98\x80"));             // 😀
  EXPECT_TRUE(isValidUtf8("\xF4\x8F\xBF\xBF"));             // U+10FFFF
  EXPECT_TRUE(isValidUtf8("\xED\x9F\xBF"));                 // U+D7FF, just below the surrogates
}

TEST(Utf8, RefusesWhatAnSdkCannotDecode) {
  EXPECT_FALSE(isValidUtf8("\x80"));                         // a lone continuation byte
  EXPECT_FALSE(isValidUtf8("abc\xC3"));                      // cut in the middle of a character
  EXPECT_FALSE(isValidUtf8("\xC0\xAF"));                     // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xE0\x80\xAF"));                 // overlong, three bytes
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));                 // a surrogate (U+D800)
  EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80"));             // above U+10FFFF
  EXPECT_FALSE(isValidUtf8("\xFF"));
  EXPECT_FALSE(isValidUtf8("\xE2\x28\xA1"));                 // bad second byte
  EXPECT_FALSE(isValidUtf8(std::string(64, 'a') + "\xC3\x28" + std::string(64, 'b')));  // past the fast path
}

// The ASCII fast path steps 32 bytes, then 8, then one character: a character (or a bad byte) at
// every offset across those steps is seen, whole or cut by the end of the text.
TEST(Utf8, FindsEveryByteWhateverItsOffsetInTheAsciiSteps) {
  for (std::size_t at = 0; at <= 80; ++at) {
    const std::string before(at, 'a');
    const std::string after(80 - at, 'z');
    EXPECT_TRUE(isValidUtf8(before + "\xE2\x82\xAC" + after)) << "euro sign at " << at;
    EXPECT_FALSE(isValidUtf8(before + "\xE2\x28\xAC" + after)) << "bad second byte at " << at;
    EXPECT_FALSE(isValidUtf8(before + "\x80" + after)) << "lone continuation byte at " << at;
    EXPECT_FALSE(isValidUtf8(before + "\xF0\x9F\x98")) << "a character cut by the end at " << at;
  }
}

}  // namespace
}  // namespace switchyard::base
