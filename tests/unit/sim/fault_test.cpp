#include "sim/fault.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace switchyard::sim {
namespace {

using std::chrono::milliseconds;

Fault parsed(std::string_view text) {
  auto fault = parseFaultText(text);
  EXPECT_TRUE(fault) << text << ": " << fault.error();
  return fault ? *fault : Fault{};
}

std::string errorOf(std::string_view text) {
  auto fault = parseFaultText(text);
  EXPECT_FALSE(fault) << text;
  return fault ? std::string() : fault.error();
}

TEST(Fault, EmptyAndOkObjectsAreNormal) {
  EXPECT_TRUE(parsed("{}").isNormal());
  EXPECT_TRUE(parsed(R"({"ok":true})").isNormal());
}

TEST(Fault, ReadsEveryField) {
  const Fault fault = parsed(
      R"({"status":503,"retry_after":"2","body":"raw","reset":true,"hang":true,"malformed":true,)"
      R"("delay_ms":10,"token_delay_ms":20,"stall_after":3,"truncate_after":4})");
  EXPECT_EQ(fault.status, 503u);
  EXPECT_EQ(fault.retry_after, "2");
  EXPECT_EQ(fault.body, "raw");
  EXPECT_TRUE(fault.reset);
  EXPECT_TRUE(fault.hang);
  EXPECT_TRUE(fault.malformed);
  EXPECT_EQ(fault.delay, milliseconds(10));
  EXPECT_EQ(fault.token_delay, milliseconds(20));
  EXPECT_EQ(fault.stall_after, 3u);
  EXPECT_EQ(fault.truncate_after, 4u);
  EXPECT_FALSE(fault.isNormal());
}

TEST(Fault, ReadsTheInStreamBreaks) {
  const Fault fault = parsed(R"({"error_after":2,"malformed_after":5})");
  EXPECT_EQ(fault.error_after, 2u);
  EXPECT_EQ(fault.malformed_after, 5u);
  EXPECT_EQ(*parseFault(faultToJson(fault)), fault);
}

TEST(Fault, ReadsTheHostileUpstreamFaults) {
  const Fault fault = parsed(
      R"({"oversized_bytes":10485760,"endless_event_after":1,"keepalive_after":2,"content_length_delta":-7,)"
      R"("extra_bytes":"HTTP/1.1 200 OK\r\n\r\n","extra_bytes_after_ms":30,"invalid_utf8_after":3,"drip_ms":5,)"
      R"("drip_bytes":1024})");
  EXPECT_EQ(fault.oversized_bytes, 10485760u);
  EXPECT_EQ(fault.endless_event_after, 1u);
  EXPECT_EQ(fault.keepalive_after, 2u);
  EXPECT_EQ(fault.content_length_delta, -7);
  EXPECT_EQ(fault.extra_bytes, "HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_EQ(fault.extra_bytes_after_ms, 30u);
  EXPECT_EQ(fault.invalid_utf8_after, 3u);
  EXPECT_EQ(fault.drip_ms, 5u);
  EXPECT_EQ(fault.drip_bytes, 1024u);
  EXPECT_FALSE(fault.isNormal());
  EXPECT_FALSE(fault.answersWithError());
  EXPECT_EQ(*parseFault(faultToJson(fault)), fault);
  EXPECT_EQ(parsed(R"({"content_length_delta":12})").content_length_delta, 12);
}

TEST(Fault, RefusesBadHostileUpstreamValues) {
  EXPECT_NE(errorOf(R"({"oversized_bytes":-1})").find("oversized_bytes"), std::string::npos);
  EXPECT_NE(errorOf(R"({"oversized_bytes":8589934592})").find("4 GiB"), std::string::npos);
  EXPECT_NE(errorOf(R"({"content_length_delta":"5"})").find("integer"), std::string::npos);
  EXPECT_NE(errorOf(R"({"extra_bytes":5})").find("string"), std::string::npos);
  EXPECT_NE(errorOf(R"({"drip_ms":0})").find("positive"), std::string::npos);
  EXPECT_NE(errorOf(R"({"drip_bytes":33554432})").find("16 MiB"), std::string::npos);
  EXPECT_NE(errorOf(R"({"endless_event_after":true})").find("endless_event_after"), std::string::npos);
}

TEST(Fault, RetryAfterMayBeANumber) { EXPECT_EQ(parsed(R"({"retry_after":7})").retry_after, "7"); }

TEST(Fault, NonStringBodyIsSentAsItsJson) {
  EXPECT_EQ(parsed(R"({"status":400,"body":{"error":{"message":"x"}}})").body,
            R"({"error":{"message":"x"}})");
}

TEST(Fault, StatusOrBodyMakeAnErrorAnswerButStatus200DoesNot) {
  EXPECT_TRUE(parsed(R"({"status":429})").answersWithError());
  EXPECT_TRUE(parsed(R"({"body":"x"})").answersWithError());
  EXPECT_FALSE(parsed(R"({"status":200})").answersWithError());
  EXPECT_FALSE(parsed(R"({"delay_ms":5})").answersWithError());
}

TEST(Fault, RejectsTyposAndWrongTypesWithTheFieldName) {
  EXPECT_NE(errorOf(R"({"stauts":503})").find("stauts"), std::string::npos);
  EXPECT_NE(errorOf(R"({"status":"503"})").find("status"), std::string::npos);
  EXPECT_NE(errorOf(R"({"status":99})").find("status"), std::string::npos);
  EXPECT_NE(errorOf(R"({"status":600})").find("status"), std::string::npos);
  EXPECT_NE(errorOf(R"({"reset":1})").find("reset"), std::string::npos);
  EXPECT_NE(errorOf(R"({"delay_ms":-1})").find("delay_ms"), std::string::npos);
  EXPECT_NE(errorOf(R"({"stall_after":1.5})").find("stall_after"), std::string::npos);
  EXPECT_NE(errorOf(R"({"retry_after":true})").find("retry_after"), std::string::npos);
}

TEST(Fault, ExtraHeadersAreKeptInOrderOnANormalAnswer) {
  const Fault fault = parsed(R"({"headers":{"x-ratelimit-remaining-requests":"1","x-ratelimit-limit-requests":100}})");
  using Header = std::pair<std::string, std::string>;
  const std::vector<Header> expected = {{"x-ratelimit-remaining-requests", "1"}, {"x-ratelimit-limit-requests", "100"}};
  EXPECT_EQ(fault.headers, expected);
  EXPECT_FALSE(fault.isNormal());
  EXPECT_FALSE(fault.answersWithError());
}

TEST(Fault, RefusesHeadersThatWouldBreakTheResponse) {
  EXPECT_NE(errorOf(R"({"headers":"x-a: 1"})").find("headers"), std::string::npos);
  EXPECT_NE(errorOf(R"({"headers":{"x a":"1"}})").find("headers"), std::string::npos);
  EXPECT_NE(errorOf(R"({"headers":{"":"1"}})").find("headers"), std::string::npos);
  EXPECT_NE(errorOf(R"({"headers":{"x-a":"1\r\nx-b: 2"}})").find("headers"), std::string::npos);
  EXPECT_NE(errorOf(R"({"headers":{"x-a":true}})").find("headers"), std::string::npos);
}

TEST(Fault, RejectsWhatIsNotAnObject) {
  EXPECT_FALSE(parseFaultText("[]"));
  EXPECT_FALSE(parseFaultText("503"));
  EXPECT_NE(errorOf("{nope").find("not valid JSON"), std::string::npos);
}

TEST(Fault, ReadsEveryScheduleToken) {
  EXPECT_TRUE(parseScheduleToken("ok")->isNormal());
  EXPECT_EQ(parseScheduleToken("503")->status, 503u);
  EXPECT_TRUE(parseScheduleToken("reset")->reset);
  EXPECT_TRUE(parseScheduleToken("hang")->hang);
  EXPECT_TRUE(parseScheduleToken("malformed")->malformed);
  EXPECT_EQ(parseScheduleToken("delay:250")->delay, milliseconds(250));
  EXPECT_EQ(parseScheduleToken("truncate:2")->truncate_after, 2u);
  EXPECT_EQ(parseScheduleToken("stall:0")->stall_after, 0u);
  EXPECT_EQ(parseScheduleToken("oversized:1048576")->oversized_bytes, 1048576u);
  EXPECT_EQ(parseScheduleToken("endless:1")->endless_event_after, 1u);
  EXPECT_EQ(parseScheduleToken("keepalive:1")->keepalive_after, 1u);
  EXPECT_EQ(parseScheduleToken("utf8:0")->invalid_utf8_after, 0u);
}

TEST(Fault, RejectsUnknownScheduleTokens) {
  for (std::string_view token : {"", "nope", "50", "5030", "099", "delay:", "delay:x", "stall:-1",
                                 "truncate", "wait:5"}) {
    EXPECT_FALSE(parseScheduleToken(token)) << token;
  }
}

TEST(Fault, ScheduleIsCommaSeparatedAndToleratesBlanks) {
  auto schedule = parseSchedule("503, ok ,reset");
  ASSERT_TRUE(schedule) << schedule.error();
  ASSERT_EQ(schedule->size(), 3u);
  EXPECT_EQ((*schedule)[0].status, 503u);
  EXPECT_TRUE((*schedule)[1].isNormal());
  EXPECT_TRUE((*schedule)[2].reset);
}

TEST(Fault, ScheduleErrorNamesTheBadToken) {
  auto schedule = parseSchedule("503,,ok");
  ASSERT_FALSE(schedule);
  EXPECT_NE(schedule.error().find("bad schedule token"), std::string::npos);
  auto typo = parseSchedule("503,stal:2");
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().find("stal:2"), std::string::npos);
}

TEST(Fault, JsonFormReadsBackIntoTheSameFault) {
  const Fault fault = parsed(
      R"({"status":429,"retry_after":"3","body":"b","reset":true,"hang":true,"malformed":true,)"
      R"("delay_ms":1,"token_delay_ms":2,"stall_after":3,"truncate_after":0,)"
      R"("headers":{"anthropic-ratelimit-requests-remaining":"0","retry-after-ms":"20"}})");
  auto again = parseFault(boost::json::value(faultToJson(fault)));
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(*again, fault);
  EXPECT_TRUE(faultToJson(Fault{}).empty());
}

}  // namespace
}  // namespace switchyard::sim
