// validUtf8Prefix: how raw upstream bytes (an HTML error page, a truncated message) become text a
// JSON string can carry. Found by the provider fuzzers (fuzz/*_provider.cpp): such bytes reached
// clients' error bodies as they were, and a client's JSON parser refused the whole answer.
#include "canonical/json_writer.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace switchyard::canonical {
namespace {

constexpr std::size_t kAll = std::string_view::npos;
const std::string kReplacement = "\xEF\xBF\xBD";

TEST(ValidUtf8Prefix, KeepsValidTextUpToTheLimit) {
  EXPECT_EQ(validUtf8Prefix("<html>502 Bad Gateway</html>", 10), "<html>502 ");
  EXPECT_EQ(validUtf8Prefix("h\xC3\xA9llo w\xC3\xB6rld \xE2\x82\xAC \xF0\x9F\x98\x80", kAll),
            "h\xC3\xA9llo w\xC3\xB6rld \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(validUtf8Prefix("", 5), "");
}

TEST(ValidUtf8Prefix, ReplacesEachInvalidByteWithTheReplacementCharacter) {
  EXPECT_EQ(validUtf8Prefix("\xD1\n", kAll), kReplacement + "\n");          // a lead byte without its tail
  EXPECT_EQ(validUtf8Prefix("b\xFFz", kAll), "b" + kReplacement + "z");      // never valid
  EXPECT_EQ(validUtf8Prefix("\xC0\xAF", kAll), kReplacement + kReplacement);  // overlong '/'
  EXPECT_EQ(validUtf8Prefix("\xED\xA0\x80", kAll), kReplacement + kReplacement + kReplacement);  // surrogate
  EXPECT_EQ(validUtf8Prefix("\xF4\x90\x80\x80", kAll), kReplacement + kReplacement + kReplacement + kReplacement);
  EXPECT_EQ(validUtf8Prefix("a\x80" "b", kAll), "a" + kReplacement + "b");  // a stray continuation byte
}

TEST(ValidUtf8Prefix, DropsACharacterTheLimitCuts) {
  EXPECT_EQ(validUtf8Prefix("ab\xE2\x82\xAC", 4), "ab");
  EXPECT_EQ(validUtf8Prefix("ab\xE2\x82\xAC", 5), "ab\xE2\x82\xAC");
  // Bytes invalid in any case are still replaced, at the limit too.
  EXPECT_EQ(validUtf8Prefix("ab\xFF\xFF", 3), "ab" + kReplacement);
}

TEST(ValidUtf8Prefix, QuotedResultIsAlwaysJson) {
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  for (std::size_t limit : {std::size_t{0}, std::size_t{1}, std::size_t{130}, std::size_t{200}, kAll}) {
    std::string quoted;
    appendQuoted(quoted, validUtf8Prefix(all_bytes, limit));
    boost::system::error_code ec;
    boost::json::parse(quoted, ec);
    EXPECT_FALSE(ec) << "limit " << limit << ": " << ec.message();
  }
}

}  // namespace
}  // namespace switchyard::canonical
