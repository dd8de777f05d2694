#include "canonical/resume_filter.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace switchyard::canonical {
namespace {

class RecordingSink final : public EventSink {
 public:
  void onEvent(const StreamEvent& event) override {
    types.push_back(event.type);
    if (event.type == EventType::TextDelta) text += event.text;
    if (event.type == EventType::Usage) usage = event.usage;
  }
  std::vector<EventType> types;
  std::string text;
  Usage usage;
};

StreamEvent textEvent(std::string_view delta) {
  StreamEvent event;
  event.type = EventType::TextDelta;
  event.text = delta;
  return event;
}

StreamEvent ofType(EventType type) {
  StreamEvent event;
  event.type = type;
  return event;
}

// The client has received `delivered` of an answer.
PartialAnswer delivered(std::string_view text) {
  PartialAnswer partial;
  StreamEvent start = ofType(EventType::Start);
  partial.onEvent(start);
  partial.onEvent(textEvent(text));
  return partial;
}

// Feeds `pieces` (one TextDelta each), then Finish.
void feed(ResumeFilter& filter, const std::vector<std::string>& pieces) {
  filter.onEvent(ofType(EventType::Start));
  for (const auto& piece : pieces) filter.onEvent(textEvent(piece));
  filter.onEvent(ofType(EventType::Finish));
}

TEST(ResumeFilter, ReplayThatRepeatsTheDeliveredTextPassesOnlyTheRest) {
  const auto partial = delivered("Hello from A: word0 ");
  RecordingSink sink;
  ResumeFilter filter(partial, sink, ResumeFilter::Mode::Exact);
  feed(filter, {"Hello ", "from ", "A: ", "word0 ", "word1 ", "word2"});
  EXPECT_EQ(filter.state(), ResumeFilter::State::Passed);
  EXPECT_EQ(sink.text, "word1 word2");
  EXPECT_EQ(sink.types.back(), EventType::Finish);
  EXPECT_NE(sink.types.front(), EventType::Start);
}

TEST(ResumeFilter, ComparesWithWhitespaceNormalised) {
  const auto partial = delivered("Hello  from\nA:");
  RecordingSink sink;
  ResumeFilter filter(partial, sink, ResumeFilter::Mode::Exact);
  feed(filter, {"Hello from A:", " and", " more"});
  EXPECT_EQ(sink.text, " and more");  // the model's separator is kept: the client's text ends without one
}

TEST(ResumeFilter, DropsTheSeparatorWhenTheClientAlreadyHasOne) {
  const auto partial = delivered("one two ");
  RecordingSink sink;
  ResumeFilter filter(partial, sink, ResumeFilter::Mode::Exact);
  feed(filter, {"one", " two", " three"});
  EXPECT_EQ(sink.text, "three");
}

TEST(ResumeFilter, PiecesSplitAnywhereGiveTheSameResult) {
  const auto partial = delivered("abc def");
  RecordingSink sink;
  ResumeFilter filter(partial, sink, ResumeFilter::Mode::Exact);
  feed(filter, {"a", "bc d", "e", "f g", "hi"});
  EXPECT_EQ(sink.text, " ghi");
}

TEST(ResumeFilter, AnAnswerThatSaysSomethingElseIsRefusedAndNothingPasses) {
  const auto partial = delivered("Hello from A: word0");
  RecordingSink sink;
  ResumeFilter filter(partial, sink, ResumeFilter::Mode::Exact);
  feed(filter, {"Hello ", "from ", "O: ", "word0"});
  EXPECT_EQ(filter.state(), ResumeFilter::State::Diverged);
  EXPECT_TRUE(sink.types.empty());
}

TEST(ResumeFilter, AnAnswerShorterThanTheDeliveredTextIsAnotherAnswer) {
  const auto partial = delivered("Hello from A: word0 word1");
  RecordingSink sink;
  ResumeFilter filter(partial, sink, ResumeFilter::Mode::Exact);
  feed(filter, {"Hello ", "from ", "A: ", "word0"});
  EXPECT_EQ(filter.state(), ResumeFilter::State::Diverged);
  EXPECT_TRUE(sink.types.empty());
}

TEST(ResumeFilter, AnAnswerThatEndsExactlyWhereTheClientsTextEndsIsWhole) {
  const auto partial = delivered("all of it");
  RecordingSink sink;
  ResumeFilter filter(partial, sink, ResumeFilter::Mode::Exact);
  feed(filter, {"all ", "of ", "it"});
  EXPECT_EQ(filter.state(), ResumeFilter::State::Passed);
  EXPECT_EQ(sink.text, "");
  EXPECT_EQ(sink.types, std::vector<EventType>{EventType::Finish});
}

TEST(ResumeFilter, AToolCallBeforeTheDeliveredTextIsRepeatedIsAnotherAnswer) {
  const auto partial = delivered("Let me check");
  RecordingSink sink;
  ResumeFilter filter(partial, sink, ResumeFilter::Mode::Exact);
  filter.onEvent(textEvent("Let me"));
  filter.onEvent(ofType(EventType::ToolCallStart));
  EXPECT_EQ(filter.state(), ResumeFilter::State::Diverged);
}

TEST(ResumeFilter, AReplaysUsageIsTheWholeAnswers) {
  const auto partial = delivered("one two three four ");
  RecordingSink sink;
  ResumeFilter filter(partial, sink, ResumeFilter::Mode::Exact);
  feed(filter, {"one two three four ", "five"});
  StreamEvent usage = ofType(EventType::Usage);
  usage.usage.output_tokens = 5;
  filter.onEvent(usage);
  EXPECT_EQ(sink.usage.output_tokens, 5);
}

TEST(ResumeFilter, BestEffortPassesAContinuationThatDoesNotRestart) {
  const auto partial = delivered("The answer is");
  RecordingSink sink;
  ResumeFilter filter(partial, sink, ResumeFilter::Mode::BestEffort);
  feed(filter, {"The ", "rest", " of it"});  // starts like the answer, then goes elsewhere
  EXPECT_EQ(filter.state(), ResumeFilter::State::Passed);
  EXPECT_EQ(sink.text, "The rest of it");
  StreamEvent usage = ofType(EventType::Usage);
  usage.usage.output_tokens = 3;
  filter.onEvent(usage);
  EXPECT_EQ(sink.usage.output_tokens, 3 + partial.outputTokensEstimate());  // both parts' output
}

TEST(ResumeFilter, BestEffortDropsARestartedAnswersRepeat) {
  const auto partial = delivered("The answer is");
  RecordingSink sink;
  ResumeFilter filter(partial, sink, ResumeFilter::Mode::BestEffort);
  feed(filter, {"The answer ", "is 42."});
  EXPECT_TRUE(filter.restarted());
  EXPECT_EQ(sink.text, " 42.");
}

TEST(ResumeFilter, NothingDeliveredMeansTheWholeAnswerPasses) {
  const auto partial = delivered("");
  RecordingSink sink;
  ResumeFilter filter(partial, sink, ResumeFilter::Mode::Exact);
  feed(filter, {"Hello", " world"});
  EXPECT_EQ(sink.text, "Hello world");
}

}  // namespace
}  // namespace switchyard::canonical
