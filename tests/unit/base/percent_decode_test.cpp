#include "base/percent_decode.h"

#include <gtest/gtest.h>

namespace switchyard::base {
namespace {

TEST(PercentDecode, DecodesHexEscapesInEitherCaseAndKeepsTheRest) {
  EXPECT_EQ(percentDecode("openai%2Fgpt-4o"), "openai/gpt-4o");
  EXPECT_EQ(percentDecode("a%2fb%20c"), "a/b c");
  EXPECT_EQ(percentDecode("plain"), "plain");
}

TEST(PercentDecode, KeepsAPercentThatIsNotAnEscape) {
  EXPECT_EQ(percentDecode("100%"), "100%");
  EXPECT_EQ(percentDecode("%zz1"), "%zz1");
  EXPECT_EQ(percentDecode("%4"), "%4");
}

}  // namespace
}  // namespace switchyard::base
