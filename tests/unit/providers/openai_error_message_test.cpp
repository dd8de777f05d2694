#include "providers/openai/error_message.h"

#include <gtest/gtest.h>

namespace switchyard::providers::openai {
namespace {

TEST(OpenAiErrorMessage, ReadsErrorMessageFromAnOpenAiErrorBody) {
  EXPECT_EQ(errorMessageOf(R"({"error":{"message":"Rate limit reached","type":"requests"}})", 300),
            "Rate limit reached");
  EXPECT_EQ(errorMessageOf(R"({"error":"model not loaded"})", 300), "model not loaded");
}

TEST(OpenAiErrorMessage, FallsBackToTheStartOfANonJsonBody) {
  EXPECT_EQ(errorMessageOf("<html>502 Bad Gateway</html>", 10), "<html>502 ");
  EXPECT_EQ(errorMessageOf(R"({"detail":"x"})", 300), "");
}

// Found by fuzz/openai_provider.cpp: the raw bytes of a non-JSON body, or a message cut inside a
// character, reached the client's JSON error body and made it unparseable.
TEST(OpenAiErrorMessage, QuotesOnlyValidUtf8) {
  EXPECT_EQ(errorMessageOf("\xD1\n", 300), "\xEF\xBF\xBD\n");
  EXPECT_EQ(errorMessageOf(R"({"error":{"message":"co\u00fbt"}})", 3), "co");
}

}  // namespace
}  // namespace switchyard::providers::openai
