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
