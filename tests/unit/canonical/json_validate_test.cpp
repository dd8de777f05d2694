#include "canonical/json_validate.h"

#include <array>
#include <climits>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "canonical/json_probe.h"

namespace switchyard::canonical {
namespace {

// The reference: Boost.JSON's full parser at the same depth limit.
bool boostAccepts(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  boost::json::parse(text, ec, {}, options);
  return !ec;
}

TEST(JsonValidate, AcceptsWellFormedValues) {
  for (const std::string_view text : {
           R"({"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"}}]})",
           "0", "-0", "1.5e-3", "-12.75E+10", "true", "false", "null", R"("")", "[]", "{}", " [ 1 , 2 ] ",
           "\t{\n\"a\" : [ {}, [], \"x\", -1 ]\r}\n", R"("\" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00")",
           "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "\"\x7f\"",
           R"({"a":{"b":{"c":[[[[null]]]]}}})", "1e999999",
       }) {
    EXPECT_TRUE(isValidJson(text)) << text;
  }
}

TEST(JsonValidate, RejectsWhatIsNotOneJsonValue) {
  for (const std::string_view text : {
           "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]", "01", "1.", ".5", "-", "+1",
           "1e", "1e+", "tru", "nul", "True", "NaN", "[1]]", "{} {}", "\"abc", "\"a\nb\"", "\"\\x\"",
           R"("\u12g4")", R"("\ud83d")", R"("\ude00")", R"("\ud83d\u0041")", "\"\xc3\"", "\"\xc0\xaf\"",
           "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "// c\n1", "[1,/*c*/2]", "\xef\xbb\xbf{}",
       }) {
    EXPECT_FALSE(isValidJson(text)) << text;
  }
}

TEST(JsonValidate, LeavesLongExponentsToBoost) {
  for (const std::string_view text : {"1e400", "1e999999", "1e99999999999", "[1e9999999999999999999]"}) {
    EXPECT_EQ(isValidJson(text), boostAccepts(text)) << text;
  }
}

TEST(JsonProbe, ReadsTopLevelMembersInOnePass) {
  static constexpr std::array<std::string_view, 5> kKeys{"model", "stream", "max_tokens", "messages", "n"};
  std::array<ProbedMember, 5> members;
  const JsonProbe probe = probeJson(
      R"({"model":"gpt-4o","messages":[{"model":"inner"}],"stream":true,"max_tokens":-7,"n":18446744073709551615})",
      kKeys, members);
  ASSERT_TRUE(probe.valid);
  EXPECT_TRUE(probe.is_object);
  EXPECT_EQ(members[0].kind, JsonKind::String);
  EXPECT_EQ(members[0].string_value, "gpt-4o");
  EXPECT_EQ(members[1].kind, JsonKind::Bool);
  EXPECT_TRUE(members[1].bool_value);
  EXPECT_EQ(members[2].int_value, -7);
  EXPECT_EQ(members[3].kind, JsonKind::Array);
  EXPECT_EQ(members[4].int_value, INT64_MAX);  // a uint64, held at INT64_MAX as Boost's probe did
}

TEST(JsonProbe, UnescapesAStringValueAndReadsAnEscapedName) {
  static constexpr std::array<std::string_view, 1> kKeys{"model"};
  std::array<ProbedMember, 1> members;
  ASSERT_TRUE(probeJson(R"({"model":"caf\u00e9 \"x\""})", kKeys, members).valid);
  EXPECT_EQ(members[0].string_value, "caf\xc3\xa9 \"x\"");
  ASSERT_TRUE(probeJson(R"({"mod\u0065l":"spelled"})", kKeys, members).valid);
  EXPECT_EQ(members[0].string_value, "spelled");
}

TEST(JsonProbe, ExplainsInvalidTextInBoostsWords) {
  std::array<ProbedMember, 1> members;
  static constexpr std::array<std::string_view, 1> kKeys{"model"};
  const JsonProbe probe = probeJson(R"({"model":"x",})", kKeys, members);
  EXPECT_FALSE(probe.valid);
  EXPECT_EQ(probe.error, probeJsonWithBoost(R"({"model":"x",})", kKeys, members).error);
  EXPECT_FALSE(probe.error.empty());
}

TEST(JsonValidate, NestsAsDeepAsTheProbeAndNoDeeper) {
  const std::string deepest = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  const std::string too_deep = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  EXPECT_TRUE(isValidJson(deepest));
  EXPECT_FALSE(isValidJson(too_deep));
  EXPECT_EQ(isValidJson(deepest), boostAccepts(deepest));
  EXPECT_EQ(isValidJson(too_deep), boostAccepts(too_deep));
}

// Long strings take the 16-bytes-at-a-time path: every special byte at every offset of a block.
TEST(JsonValidate, FindsASpecialByteAtAnyOffsetOfALongString) {
  for (std::size_t at = 0; at < 40; ++at) {
    std::string text = "\"" + std::string(40, 'x') + "\"";
    text[1 + at] = '\n';
    EXPECT_FALSE(isValidJson(text)) << at;
    text[1 + at] = '"';
    EXPECT_FALSE(isValidJson(text)) << at;
    text.replace(1 + at, 1, "\\\"");
    EXPECT_TRUE(isValidJson(text)) << at;
    text = "\"" + std::string(40, 'x') + "\"";
    text.replace(1 + at, 1, "\xc3\xa9");
    EXPECT_TRUE(isValidJson(text)) << at;
    text[1 + at] = '\xff';
    EXPECT_FALSE(isValidJson(text)) << at;
  }
}

// Differential: random edits of real requests and answers are judged as Boost.JSON judges them, and
// the probe reads the members its Boost reference reads (fuzz/json_probe.cpp does the same without
// a bound).
TEST(JsonValidate, AgreesWithBoostJsonOnEditedAnswers) {
  const std::vector<std::string> seeds = {
      R"({"model":"bench","messages":[{"role":"user","content":"Say hi"}],"max_tokens":64,"stream":true,"model":"m\u00e9"})",
      R"({"model":"gpt","stream":false,"max_tokens":9223372036854775808,"usage":{"a":[1,2]}})",
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1735689600,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! \u00e9\n","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":19,"total_tokens":43}})",
      R"({"type":"message","content":[{"type":"text","text":"caf)" "\xc3\xa9" R"( \ud83d\ude00"}],"usage":{"input_tokens":2.5e3,"output_tokens":-0.0}})",
      R"([true,false,null,[[],{}],{"a":[1,-2,3.25E-2]}])",
  };
  const std::string alphabet = "{}[]\",:\\/ 0123456789-+.eEtrufalsn\nu\xc3\xa9\x80\xff\x01x";
  std::mt19937 random(20261206);
  int disagreements = 0;
  for (int i = 0; i < 30000; ++i) {
    std::string text = seeds[i % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = random() % text.size();
      const char c = alphabet[random() % alphabet.size()];
      switch (random() % 3) {
        case 0: text[at] = c; break;
        case 1: text.insert(at, 1, c); break;
        default: text.erase(at, 1); break;
      }
    }
    static constexpr std::array<std::string_view, 4> kKeys{"model", "stream", "max_tokens", "usage"};
    std::array<ProbedMember, 4> got;
    std::array<ProbedMember, 4> want;
    const JsonProbe probe = probeJson(text, kKeys, got);
    const JsonProbe reference = probeJsonWithBoost(text, kKeys, want);
    bool same = isValidJson(text) == boostAccepts(text) && probe.valid == reference.valid &&
                probe.is_object == reference.is_object;
    for (std::size_t k = 0; same && probe.valid && k < kKeys.size(); ++k) {
      same = got[k].kind == want[k].kind && got[k].int_value == want[k].int_value &&
             got[k].bool_value == want[k].bool_value &&
             (got[k].kind != JsonKind::String || got[k].string_value == want[k].string_value);
    }
    if (!same) {
      ++disagreements;
      ADD_FAILURE() << "disagree on: " << text;
      if (disagreements > 5) break;
    }
  }
}

}  // namespace
}  // namespace switchyard::canonical
