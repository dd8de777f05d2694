// parseChatCompletion: OpenAI requests read into canonical form (goldens: <case>.openai.json ->
// <case>.canonical.txt), re-encoded for an OpenAI target (-> <case>.upstream.json: the round trip),
// and every way a request is refused.
#include <gtest/gtest.h>

#include "providers/openai/codec.h"
#include "surfaces/openai/translate.h"
#include "test_support.h"

namespace switchyard::openai_translation_test {
namespace {

using surfaces::openai::parseChatCompletion;

config::Provider openAiProvider() {
  config::Provider provider;
  provider.name = "openai";
  provider.kind = "openai";
  provider.endpoint = {true, "api.openai.com", 443, "/v1"};
  provider.api_key = "sk-test";
  return provider;
}

class ParseGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(ParseGolden, ReadsRequestIntoCanonicalForm) {
  const std::string input = readGolden(GetParam() + ".openai.json");
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  const auto error = parseChatCompletion(input, arena, request);
  ASSERT_FALSE(error) << error->message;
  expectGolden(GetParam() + ".canonical.txt", dumpRequest(request));
}

TEST_P(ParseGolden, ReEncodesForAnOpenAiTargetWithoutLoss) {
  const std::string input = readGolden(GetParam() + ".openai.json");
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  ASSERT_FALSE(parseChatCompletion(input, arena, request));
  const auto codec = providers::openai::makeOpenAiCodec(openAiProvider(), "gpt-4o-2024-08-06");
  std::string head, body;
  const auto error = codec->encode(request, arena, head, body);
  ASSERT_FALSE(error) << error->message;
  expectGolden(GetParam() + ".upstream.json", body);
}

INSTANTIATE_TEST_SUITE_P(Cases, ParseGolden,
                         ::testing::Values("text_basic", "system_multiturn", "images", "tools", "json_schema",
                                           "dropped_params"));

// The error a body gets, as "param | code | message".
std::string refusal(const std::string& body) {
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  const auto error = parseChatCompletion(body, arena, request);
  if (!error) return "accepted";
  EXPECT_EQ(error->status, 400);
  EXPECT_EQ(error->category, canonical::ErrorCategory::InvalidRequest);
  return std::string(error->param) + " | " + std::string(error->code) + " | " + std::string(error->message);
}

std::string withMessages(const std::string& messages, const std::string& extra = "") {
  return R"({"model":"m","messages":)" + messages + extra + "}";
}

TEST(OpenAiParse, RefusesBodiesThatAreNotObjects) {
  EXPECT_NE(refusal("{nope").find("We could not parse the JSON body"), std::string::npos);
  EXPECT_NE(refusal("[1]").find("must be a JSON object"), std::string::npos);
}

TEST(OpenAiParse, NamesMissingAndMistypedTopLevelFields) {
  EXPECT_EQ(refusal(R"({"messages":[]})"), "model | missing_required_parameter | Missing required parameter: 'model'.");
  EXPECT_EQ(refusal(R"({"model":"m"})"),
            "messages | missing_required_parameter | Missing required parameter: 'messages'.");
  EXPECT_EQ(refusal(R"({"model":"m","messages":{}})"),
            "messages | invalid_type | Invalid type for 'messages': expected an array, but got an object instead.");
  EXPECT_EQ(refusal(withMessages("[]")).substr(0, 22), "messages | empty_array");
  EXPECT_EQ(
      refusal(withMessages(R"([{"role":"user","content":"x"}])", R"(,"temperature":"hot")")),
      "temperature | invalid_type | Invalid type for 'temperature': expected a number, but got a string instead.");
  EXPECT_EQ(
      refusal(withMessages(R"([{"role":"user","content":"x"}])", R"(,"max_tokens":1.5)")),
      "max_tokens | invalid_type | Invalid type for 'max_tokens': expected an integer, but got a decimal instead.");
  EXPECT_EQ(refusal(withMessages(R"([{"role":"user","content":"x"}])", R"(,"stop":["a",3])")),
            "stop[1] | invalid_type | Invalid type for 'stop[1]': expected a string, but got an integer instead.");
  EXPECT_EQ(refusal(withMessages(R"([{"role":"user","content":"x"}])", R"(,"stream":"yes")")).substr(0, 21),
            "stream | invalid_type");
}

TEST(OpenAiParse, NamesTheMessageFieldThatIsWrong) {
  EXPECT_EQ(refusal(withMessages(R"([{"role":"user","content":5}])")),
            "messages[0].content | invalid_type | Invalid type for 'messages[0].content': expected one of a string "
            "or array of objects, but got an integer instead.");
  EXPECT_EQ(refusal(withMessages(R"([{"content":"x"}])")),
            "messages[0].role | missing_required_parameter | Missing required parameter: 'messages[0].role'.");
  EXPECT_EQ(refusal(withMessages(R"([{"role":"robot","content":"x"}])")),
            "messages[0].role | invalid_value | Invalid value: 'robot'. Supported values are: 'system', "
            "'assistant', 'user', 'function', 'tool', and 'developer'.");
  EXPECT_EQ(refusal(withMessages(R"([{"role":"user","content":"x"},{"role":"user","content":[{"type":"video"}]}])"))
                .substr(0, 43),
            "messages[1].content[0].type | invalid_value");
  EXPECT_EQ(refusal(withMessages(R"([{"role":"tool","content":"x"}])")).substr(0, 30),
            "messages[0].tool_call_id | mis");
  EXPECT_EQ(refusal(withMessages(R"([{"role":"system","content":[{"type":"image_url"}]}])")).substr(0, 43),
            "messages[0].content[0].type | invalid_value");
  EXPECT_EQ(
      refusal(
          withMessages(R"([{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f"}}]}])"))
          .substr(0, 45),
      "messages[0].tool_calls[0].function.arguments ");
  EXPECT_EQ(
      refusal(withMessages(
                  R"([{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]}])"))
          .substr(0, 60),
      "messages[0].content[0].image_url.url | invalid_image_url | I");
}

TEST(OpenAiParse, RefusesWhatNoOtherProviderCanCarry) {
  const std::string user = R"([{"role":"user","content":"x"}])";
  EXPECT_EQ(refusal(withMessages(user, R"(,"n":2)")).substr(0, 25), "n | unsupported_parameter");
  EXPECT_EQ(refusal(withMessages(user, R"(,"logprobs":true)")).substr(0, 32), "logprobs | unsupported_parameter");
  EXPECT_EQ(refusal(withMessages(user, R"(,"audio":{"voice":"alloy","format":"mp3"})")).substr(0, 29),
            "audio | unsupported_parameter");
  EXPECT_EQ(refusal(withMessages(user, R"(,"modalities":["text","audio"])")).substr(0, 34),
            "modalities | unsupported_parameter");
  EXPECT_EQ(refusal(withMessages(user, R"(,"functions":[{"name":"f"}])")).substr(0, 33),
            "functions | unsupported_parameter");
  EXPECT_EQ(refusal(withMessages(user, R"(,"function_call":"auto")")).substr(0, 37),
            "function_call | unsupported_parameter");
  EXPECT_EQ(refusal(withMessages(user, R"(,"tools":[{"type":"custom","custom":{"name":"x"}}])")).substr(0, 35),
            "tools[0].type | unsupported_paramet");
  EXPECT_EQ(
      refusal(
          withMessages(
              R"([{"role":"user","content":[{"type":"text","text":"x"},{"type":"input_audio","input_audio":{}}]}])"))
          .substr(0, 50),
      "messages[0].content[1].type | unsupported_paramete");
  EXPECT_EQ(refusal(withMessages(R"([{"role":"user","content":[{"type":"file","file":{}}]}])")).substr(0, 49),
            "messages[0].content[0].type | unsupported_paramet");
  EXPECT_EQ(refusal(withMessages(R"([{"role":"function","name":"f","content":"x"}])")).substr(0, 39),
            "messages[0].role | unsupported_paramete");
  EXPECT_EQ(
      refusal(withMessages(R"([{"role":"assistant","function_call":{"name":"f","arguments":"{}"}}])")).substr(0, 48),
      "messages[0].function_call | unsupported_paramete");
}

TEST(OpenAiParse, AcceptsNullsForOptionalParametersAndIgnoresUnknownOnes) {
  EXPECT_EQ(refusal(withMessages(R"([{"role":"user","content":"x"}])",
                                 R"(,"temperature":null,"stop":null,"tools":null,"n":null,"brand_new_param":1)")),
            "accepted");
}

TEST(OpenAiParse, NamesToolResultsAfterTheCallTheyAnswer) {
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  ASSERT_FALSE(parseChatCompletion(
      withMessages(
          R"([{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]},)"
          R"({"role":"tool","tool_call_id":"a","content":"1"},{"role":"tool","tool_call_id":"zz","content":"2"}])"),
      arena, request));
  ASSERT_EQ(request.messages.size(), 2u);
  ASSERT_EQ(request.messages[1].count, 2u);  // consecutive tool messages: one turn
  EXPECT_EQ(request.parts[1].name, "f");
  EXPECT_EQ(request.parts[2].name, "");  // an unknown id has no name
}

}  // namespace
}  // namespace switchyard::openai_translation_test
