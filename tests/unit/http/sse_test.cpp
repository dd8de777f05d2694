#include "http/sse.h"

#include <gtest/gtest.h>

namespace switchyard::http {
namespace {

TEST(SseFraming, AnEventEndsAtABlankLine) {
  const std::string data = "data: {\"a\":1}\n\ndata: {\"b\":2}\n\n";
  const auto first = findSseEventEnd(data);
  EXPECT_EQ(first, data.find("data: {\"b\""));
  EXPECT_EQ(findSseEventEnd(data, first), data.size());
}

TEST(SseFraming, AcceptsCrLfLineEndings) {
  const std::string data = "data: x\r\n\r\ndata: y\r\n";
  EXPECT_EQ(findSseEventEnd(data), 11u);
  EXPECT_EQ(findSseEventEnd(data, 11), kSseNoEvent);
}

TEST(SseFraming, AnUnfinishedEventIsNotComplete) {
  EXPECT_EQ(findSseEventEnd("data: {\"a\":"), kSseNoEvent);
  EXPECT_EQ(findSseEventEnd("data: x\n"), kSseNoEvent);
  EXPECT_EQ(findSseEventEnd("data: x\r\n\r"), kSseNoEvent);
}

TEST(SseFraming, ReadsEventNameAndFirstDataLine) {
  const auto event = parseSseEvent("event: message_start\ndata: {\"x\":1}\ndata: more\n\n");
  EXPECT_EQ(event.name, "message_start");
  EXPECT_EQ(event.first_data, "{\"x\":1}");
  EXPECT_TRUE(event.has_data);
}

TEST(SseFraming, ReadsEveryFormOfTheDataLine) {
  EXPECT_EQ(parseSseEvent("data:{\"x\":1}\n\n").first_data, "{\"x\":1}");       // no space after the colon
  EXPECT_EQ(parseSseEvent("data: {\"x\":1}\r\n\r\n").first_data, "{\"x\":1}");  // CRLF line ends
  EXPECT_EQ(parseSseEvent("data:  two spaces\n\n").first_data, " two spaces");     // only one space is the separator
  const auto bare = parseSseEvent("data\n\n");                                      // a field without a colon
  EXPECT_TRUE(bare.has_data);
  EXPECT_EQ(bare.first_data, "");
  EXPECT_FALSE(parseSseEvent("database: x\n\n").has_data);                         // another field's name
  EXPECT_EQ(parseSseEvent("\n\ndata: late\n\n").first_data, "late");              // blank lines before
}

TEST(SseFraming, CommentsCarryNoData) {
  EXPECT_FALSE(parseSseEvent(": keep-alive\n\n").has_data);
}

TEST(SseFraming, RecognisesOpenAiDoneAndErrorEvents) {
  EXPECT_TRUE(isOpenAiDone(parseSseEvent("data: [DONE]\n\n")));
  EXPECT_FALSE(isOpenAiDone(parseSseEvent("data: {\"choices\":[]}\n\n")));
  EXPECT_TRUE(isOpenAiError(parseSseEvent("data: { \"error\": {\"message\":\"x\"}}\n\n")));
  EXPECT_FALSE(isOpenAiError(parseSseEvent("data: {\"id\":\"error\"}\n\n")));
}

TEST(SseFraming, FormatsADataEvent) { EXPECT_EQ(sseData("{}"), "data: {}\n\n"); }

}  // namespace
}  // namespace switchyard::http
