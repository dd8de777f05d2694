#include "canonical/continuation.h"

#include <gtest/gtest.h>

namespace switchyard::canonical {
namespace {

StreamEvent start(std::string_view id, std::string_view model) {
  StreamEvent event;
  event.type = EventType::Start;
  event.id = id;
  event.name = model;
  return event;
}

StreamEvent text(std::string_view delta) {
  StreamEvent event;
  event.type = EventType::TextDelta;
  event.text = delta;
  return event;
}

StreamEvent toolStart(int index) {
  StreamEvent event;
  event.type = EventType::ToolCallStart;
  event.index = index;
  event.id = "call_1";
  event.name = "lookup";
  return event;
}

StreamEvent toolDelta(int index, std::string_view arguments) {
  StreamEvent event;
  event.type = EventType::ToolCallDelta;
  event.index = index;
  event.text = arguments;
  return event;
}

StreamEvent finish(FinishReason reason) {
  StreamEvent event;
  event.type = EventType::Finish;
  event.finish = reason;
  return event;
}

StreamEvent usage(std::int64_t input, std::int64_t output) {
  StreamEvent event;
  event.type = EventType::Usage;
  event.usage.input_tokens = input;
  event.usage.output_tokens = output;
  return event;
}

TEST(PartialAnswer, NothingReceivedIsNotStarted) {
  PartialAnswer partial;
  EXPECT_FALSE(partial.started());
  EXPECT_TRUE(partial.text().empty());
  EXPECT_EQ(partial.toolCallsStarted(), 0);
  EXPECT_FALSE(partial.insideToolCall());
  EXPECT_FALSE(partial.finished());
  EXPECT_EQ(partial.outputTokensEstimate(), 0);
}

TEST(PartialAnswer, RecordsStartAndConcatenatesTextDeltas) {
  PartialAnswer partial;
  partial.onEvent(start("msg_1", "gpt-4o"));
  partial.onEvent(text("Hello"));
  partial.onEvent(text(", "));
  partial.onEvent(text("world"));
  EXPECT_TRUE(partial.started());
  EXPECT_EQ(partial.id(), "msg_1");
  EXPECT_EQ(partial.model(), "gpt-4o");
  EXPECT_EQ(partial.text(), "Hello, world");
  EXPECT_FALSE(partial.insideToolCall());
  EXPECT_FALSE(partial.finished());
}

TEST(PartialAnswer, KeepsItsOwnCopiesOfEventStrings) {
  PartialAnswer partial;
  std::string buffer = "msg_9";
  partial.onEvent(start(buffer, "m"));
  std::string delta = "abc";
  partial.onEvent(text(delta));
  buffer = "XXXXX";
  delta = "XXX";
  EXPECT_EQ(partial.id(), "msg_9");
  EXPECT_EQ(partial.text(), "abc");
}

TEST(PartialAnswer, ToolCallStartedLastIsInsideToolCall) {
  PartialAnswer partial;
  partial.onEvent(start("id", "m"));
  partial.onEvent(text("Let me look."));
  partial.onEvent(toolStart(0));
  EXPECT_TRUE(partial.insideToolCall());
  partial.onEvent(toolDelta(0, R"({"q":)"));
  EXPECT_TRUE(partial.insideToolCall()) << "arguments may still be incomplete";
  EXPECT_EQ(partial.toolCallsStarted(), 1);
}

TEST(PartialAnswer, ATextDeltaOrAnotherCallEndsTheToolCall) {
  PartialAnswer partial;
  partial.onEvent(toolStart(0));
  partial.onEvent(toolDelta(0, "{}"));
  partial.onEvent(text("Done."));
  EXPECT_FALSE(partial.insideToolCall());
  partial.onEvent(toolStart(1));
  EXPECT_TRUE(partial.insideToolCall()) << "the second call is now the last thing emitted";
  EXPECT_EQ(partial.toolCallsStarted(), 2);
  EXPECT_EQ(partial.text(), "Done.");
}

TEST(PartialAnswer, FinishEndsToolCallAndMarksFinished) {
  PartialAnswer partial;
  partial.onEvent(toolStart(0));
  partial.onEvent(toolDelta(0, "{}"));
  partial.onEvent(finish(FinishReason::ToolUse));
  EXPECT_TRUE(partial.finished());
  EXPECT_FALSE(partial.insideToolCall());
  EXPECT_EQ(partial.toolCallsStarted(), 1);
}

TEST(PartialAnswer, EstimatesOutputTokensFromTextRoundedUp) {
  PartialAnswer partial;
  partial.onEvent(text("a"));
  EXPECT_EQ(partial.outputTokensEstimate(), 1);
  partial.onEvent(text("bcd"));
  EXPECT_EQ(partial.outputTokensEstimate(), 1);
  partial.onEvent(text("e"));
  EXPECT_EQ(partial.outputTokensEstimate(), 2);
  partial.onEvent(text(std::string(395, 'x')));
  EXPECT_EQ(partial.outputTokensEstimate(), 100);
}

TEST(PartialAnswer, ReportedUsageWinsOverTheEstimate) {
  PartialAnswer partial;
  partial.onEvent(text(std::string(400, 'x')));
  partial.onEvent(finish(FinishReason::EndTurn));
  partial.onEvent(usage(12, 7));
  EXPECT_EQ(partial.outputTokensEstimate(), 7);
  EXPECT_EQ(partial.usage().input_tokens, 12);
  EXPECT_EQ(partial.usage().output_tokens, 7);
}

}  // namespace
}  // namespace switchyard::canonical
