#include "canonical/continuation.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace switchyard::canonical {
namespace {

// What the client's encoder would get: events with their strings copied.
struct Recorded {
  EventType type;
  std::string text;
  std::string id;
  int index = 0;
  FinishReason finish = FinishReason::EndTurn;
  Usage usage;
};

class RecordingSink final : public EventSink {
 public:
  void onEvent(const StreamEvent& event) override {
    events.push_back({event.type, std::string(event.text), std::string(event.id), event.index, event.finish,
                      event.usage});
  }
  std::string text() const {
    std::string joined;
    for (const auto& event : events) {
      if (event.type == EventType::TextDelta) joined += event.text;
    }
    return joined;
  }
  std::vector<EventType> types() const {
    std::vector<EventType> out;
    for (const auto& event : events) out.push_back(event.type);
    return out;
  }
  std::vector<Recorded> events;
};

StreamEvent start(std::string_view id) {
  StreamEvent event;
  event.type = EventType::Start;
  event.id = id;
  event.name = "other-model";
  return event;
}

StreamEvent text(std::string_view delta) {
  StreamEvent event;
  event.type = EventType::TextDelta;
  event.text = delta;
  return event;
}

StreamEvent tool(EventType type, int index) {
  StreamEvent event;
  event.type = type;
  event.index = index;
  if (type == EventType::ToolCallStart) {
    event.id = "call_x";
    event.name = "lookup";
  } else {
    event.text = "{}";
  }
  return event;
}

StreamEvent finish() {
  StreamEvent event;
  event.type = EventType::Finish;
  event.finish = FinishReason::EndTurn;
  return event;
}

StreamEvent usage(std::int64_t input, std::int64_t output) {
  StreamEvent event;
  event.type = EventType::Usage;
  event.usage.input_tokens = input;
  event.usage.output_tokens = output;
  event.usage.cache_read_tokens = 3;
  return event;
}

PartialAnswer partialWithText(std::string_view partial_text) {
  PartialAnswer partial;
  partial.onEvent(start("msg_first"));
  if (!partial_text.empty()) partial.onEvent(text(partial_text));
  return partial;
}

// Feeds `continuation` as the splicer's text, in deltas of `step` bytes, then Finish; returns the
// text the client gets after the partial's.
std::string splice(std::string_view partial_text, std::string_view continuation, std::size_t step) {
  const PartialAnswer partial = partialWithText(partial_text);
  RecordingSink client;
  ContinuationSplicer splicer(partial, client);
  splicer.onEvent(start("msg_second"));
  for (std::size_t at = 0; at < continuation.size(); at += step) splicer.onEvent(text(continuation.substr(at, step)));
  splicer.onEvent(finish());
  return client.text();
}

TEST(ContinuationSplicer, DropsTheContinuationsStart) {
  const PartialAnswer partial = partialWithText("Hello");
  RecordingSink client;
  ContinuationSplicer splicer(partial, client);
  splicer.onEvent(start("msg_second"));
  EXPECT_TRUE(client.events.empty());
  splicer.onEvent(finish());
  EXPECT_EQ(client.types(), std::vector<EventType>{EventType::Finish});
}

TEST(ContinuationSplicer, NumbersToolCallsAfterThePartialOnes) {
  PartialAnswer partial = partialWithText("Checking.");
  partial.onEvent(tool(EventType::ToolCallStart, 0));
  partial.onEvent(tool(EventType::ToolCallDelta, 0));
  partial.onEvent(tool(EventType::ToolCallStart, 1));
  partial.onEvent(tool(EventType::ToolCallDelta, 1));
  partial.onEvent(text(" And"));
  RecordingSink client;
  ContinuationSplicer splicer(partial, client);
  splicer.onEvent(start("msg_second"));
  splicer.onEvent(tool(EventType::ToolCallStart, 0));
  splicer.onEvent(tool(EventType::ToolCallDelta, 0));
  splicer.onEvent(tool(EventType::ToolCallStart, 1));
  splicer.onEvent(finish());
  ASSERT_EQ(client.events.size(), 4u);
  EXPECT_EQ(client.events[0].type, EventType::ToolCallStart);
  EXPECT_EQ(client.events[0].index, 2);
  EXPECT_EQ(client.events[0].id, "call_x");
  EXPECT_EQ(client.events[1].type, EventType::ToolCallDelta);
  EXPECT_EQ(client.events[1].index, 2);
  EXPECT_EQ(client.events[2].index, 3);
  EXPECT_EQ(client.events[3].type, EventType::Finish);
}

TEST(ContinuationSplicer, UsageAddsThePartialsEstimatedOutputAndKeepsContinuationInput) {
  const PartialAnswer partial = partialWithText(std::string(40, 'x'));  // ~10 tokens
  RecordingSink client;
  ContinuationSplicer splicer(partial, client);
  splicer.onEvent(finish());
  splicer.onEvent(usage(500, 25));
  ASSERT_EQ(client.events.size(), 2u);
  EXPECT_EQ(client.events[1].type, EventType::Usage);
  EXPECT_EQ(client.events[1].usage.input_tokens, 500);
  EXPECT_EQ(client.events[1].usage.output_tokens, 35);
  EXPECT_EQ(client.events[1].usage.cache_read_tokens, 3);
}

TEST(ContinuationSplicer, UsageAddsThePartialsReportedOutputWhenItHadOne) {
  PartialAnswer partial = partialWithText(std::string(40, 'x'));
  partial.onEvent(usage(100, 4));
  RecordingSink client;
  ContinuationSplicer splicer(partial, client);
  splicer.onEvent(usage(500, 25));
  ASSERT_EQ(client.events.size(), 1u);
  EXPECT_EQ(client.events[0].usage.output_tokens, 29);
  EXPECT_EQ(client.events[0].usage.input_tokens, 500);
}

TEST(ContinuationSplicer, RemovesARepeatOfThePartialsLastWords) {
  EXPECT_EQ(splice("The quick brown fox", "quick brown fox jumps over the lazy dog.", 1000),
            " jumps over the lazy dog.");
  EXPECT_EQ(splice("The quick brown fox ", "brown fox jumps over the lazy dog.", 1000),
            "jumps over the lazy dog.");
}

TEST(ContinuationSplicer, KeepsTextWithoutOverlapUntouched) {
  EXPECT_EQ(splice("The quick brown fox", " jumps over the lazy dog.", 1000), " jumps over the lazy dog.");
  EXPECT_EQ(splice("The quick brown fox", "jumps", 1000), "jumps");
  EXPECT_EQ(splice("", "Hello there", 1000), "Hello there");
}

TEST(ContinuationSplicer, ShortChanceMatchesAreNotOverlaps) {
  // "fox. " repeats the partial's last 5 bytes, too few to be more than chance.
  EXPECT_EQ(splice("I saw a fox. ", "fox. Then it ran off into the woods.", 1000),
            "fox. Then it ran off into the woods.");
}

TEST(ContinuationSplicer, DropsWhitespaceTheClientAlreadyHas) {
  // The prefix sent was trimmed to "...time,"; the model writes the space again.
  EXPECT_EQ(splice("Once upon a time, ", " there was a fox.", 1000), "there was a fox.");
  EXPECT_EQ(splice("Paragraph one.\n", "\n\nParagraph two.", 1000), "\nParagraph two.");
  // Whitespace the client does not have is kept: words do not glue.
  EXPECT_EQ(splice("Once upon a time,", " there was a fox.", 1000), " there was a fox.");
}

TEST(ContinuationSplicer, AShortWholeContinuationThatRepeatsTheEndIsDropped) {
  EXPECT_EQ(splice("It ended.", "ended.", 1000), "");
}

TEST(ContinuationSplicer, WorksWithOneByteDeltas) {
  EXPECT_EQ(splice("The quick brown fox", "quick brown fox jumps over the lazy dog and keeps on running far away.", 1),
            " jumps over the lazy dog and keeps on running far away.");
  EXPECT_EQ(splice("The quick brown fox", " jumps over the lazy dog and keeps on running far away, very far.", 1),
            " jumps over the lazy dog and keeps on running far away, very far.");
  EXPECT_EQ(splice("Once upon a time, ", " there", 1), "there");
}

TEST(ContinuationSplicer, HoldsTextOnlyUntilTheWindowIsFull) {
  const PartialAnswer partial = partialWithText("The quick brown fox");
  RecordingSink client;
  ContinuationSplicer splicer(partial, client);
  const std::string first(ContinuationSplicer::kOverlapWindow - 1, 'a');
  splicer.onEvent(text(first));
  EXPECT_TRUE(client.events.empty()) << "held for the overlap check";
  splicer.onEvent(text("b"));
  ASSERT_EQ(client.events.size(), 1u);
  EXPECT_EQ(client.events[0].text, first + "b");
  splicer.onEvent(text("c"));
  ASSERT_EQ(client.events.size(), 2u) << "after the decision text passes straight through";
  EXPECT_EQ(client.events[1].text, "c");
}

TEST(ContinuationSplicer, HeldTextIsPassedOnBeforeAToolCall) {
  const PartialAnswer partial = partialWithText("Let me check");
  RecordingSink client;
  ContinuationSplicer splicer(partial, client);
  splicer.onEvent(text(" that."));
  splicer.onEvent(tool(EventType::ToolCallStart, 0));
  ASSERT_EQ(client.events.size(), 2u);
  EXPECT_EQ(client.events[0].type, EventType::TextDelta);
  EXPECT_EQ(client.events[0].text, " that.");
  EXPECT_EQ(client.events[1].type, EventType::ToolCallStart);
  EXPECT_EQ(client.events[1].index, 0);
}

TEST(ContinuationSplicer, FlushPassesOnHeldTextWhenTheContinuationBreaks) {
  const PartialAnswer partial = partialWithText("The quick brown fox");
  RecordingSink client;
  ContinuationSplicer splicer(partial, client);
  splicer.onEvent(text("quick brown fox jumps"));
  EXPECT_TRUE(client.events.empty());
  splicer.flush();
  ASSERT_EQ(client.events.size(), 1u);
  EXPECT_EQ(client.events[0].text, " jumps");
  splicer.flush();
  EXPECT_EQ(client.events.size(), 1u) << "a second flush adds nothing";
}

}  // namespace
}  // namespace switchyard::canonical
