#include "canonical/json_scan.h"

#include <gtest/gtest.h>

namespace switchyard::canonical {
namespace {

std::string_view valueOf(std::string_view json, std::string_view key) {
  const auto span = findTopLevelValue(json, key);
  if (!span) return "<none>";
  return json.substr(span->begin, span->end - span->begin);
}

TEST(JsonScan, FindsTopLevelStringValue) {
  EXPECT_EQ(valueOf(R"({"model":"chat","messages":[]})", "model"), R"("chat")");
  EXPECT_EQ(valueOf(R"( { "messages" : [ {"model":"inner"} ] , "model" : "chat" } )", "model"),
            R"("chat")");
}

TEST(JsonScan, IgnoresKeysInsideNestedValuesAndStrings) {
  EXPECT_EQ(valueOf(R"({"messages":[{"content":"\"model\":\"x\""}],"n":1})", "model"), "<none>");
  EXPECT_EQ(valueOf(R"({"a":{"model":"x"},"b":"}","model":"y"})", "model"), R"("y")");
}

TEST(JsonScan, FindsNonStringValues) {
  EXPECT_EQ(valueOf(R"({"stream":true,"n":12})", "n"), "12");
  EXPECT_EQ(valueOf(R"({"stream":true,"n":12})", "stream"), "true");
}

TEST(JsonScan, LastDuplicateWins) {
  EXPECT_EQ(valueOf(R"({"model":"a","model":"b"})", "model"), R"("b")");
}

TEST(JsonScan, QuotesWithEscapes) {
  EXPECT_EQ(jsonQuote("meta-llama/Llama \"3\""), R"("meta-llama/Llama \"3\"")");
}

}  // namespace
}  // namespace switchyard::canonical
