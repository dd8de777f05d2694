#include "canonical/continuation.h"

#include <gtest/gtest.h>

namespace switchyard::canonical {
namespace {

void addText(ChatRequest& request, Role role, std::string_view text) {
  const std::size_t first = request.parts.size();
  Part part;
  part.type = PartType::Text;
  part.text = text;
  request.parts.push_back(part);
  request.addMessage(role, first);
}

// The text of turn `message`, its parts joined with '|'.
std::string turnText(const ChatRequest& request, std::size_t message) {
  const Message& turn = request.messages.at(message);
  std::string joined;
  for (std::uint32_t i = 0; i < turn.count; ++i) {
    if (i > 0) joined += '|';
    joined += request.parts.at(turn.first + i).text;
  }
  return joined;
}

void expectRolesAlternate(const ChatRequest& request) {
  for (std::size_t i = 1; i < request.messages.size(); ++i) {
    EXPECT_NE(request.messages[i].role, request.messages[i - 1].role) << "turns " << i - 1 << " and " << i;
  }
}

PartialAnswer partialWithText(std::string_view text) {
  PartialAnswer partial;
  StreamEvent start;
  start.type = EventType::Start;
  partial.onEvent(start);
  StreamEvent delta;
  delta.type = EventType::TextDelta;
  delta.text = text;
  partial.onEvent(delta);
  return partial;
}

class BuildContinuation : public ::testing::Test {
 protected:
  BuildContinuation() : original(arena), out(arena) {
    original.model = "chat";
    original.system.push_back("Be brief.");
    addText(original, Role::User, "Tell me a story.");
    original.max_tokens = 100;
    original.temperature = 0.3;
    original.top_p = 0.9;
    original.top_k = 40;
    original.stop.push_back("END");
    original.tools.push_back({"lookup", "Looks things up", R"({"type":"object"})"});
    original.tool_choice = {ToolChoiceMode::Auto, {}};
    original.parallel_tool_calls = false;
    original.response_format = ResponseFormat::JsonSchema;
    original.response_schema = R"({"type":"object"})";
    original.response_schema_name = "story";
    original.include_usage = true;
    original.user = "user-7";
    original.stream = false;
  }

  Arena arena;
  ChatRequest original;
  ChatRequest out;
};

TEST_F(BuildContinuation, CopiesEverythingButTurnsMaxTokensAndStream) {
  const PartialAnswer partial = partialWithText("Once upon");
  buildContinuation(original, partial, ContinuationStyle::AssistantPrefix, arena, out);
  EXPECT_EQ(out.model, "chat");
  ASSERT_EQ(out.system.size(), 1u);
  EXPECT_EQ(out.system[0], "Be brief.");
  EXPECT_EQ(out.temperature, 0.3);
  EXPECT_EQ(out.top_p, 0.9);
  EXPECT_EQ(out.top_k, 40);
  ASSERT_EQ(out.stop.size(), 1u);
  EXPECT_EQ(out.stop[0], "END");
  ASSERT_EQ(out.tools.size(), 1u);
  EXPECT_EQ(out.tools[0].name, "lookup");
  EXPECT_EQ(out.tools[0].parameters, R"({"type":"object"})");
  EXPECT_EQ(out.tool_choice.mode, ToolChoiceMode::Auto);
  EXPECT_EQ(out.parallel_tool_calls, false);
  EXPECT_EQ(out.response_format, ResponseFormat::JsonSchema);
  EXPECT_EQ(out.response_schema, R"({"type":"object"})");
  EXPECT_EQ(out.response_schema_name, "story");
  EXPECT_TRUE(out.include_usage);
  EXPECT_EQ(out.user, "user-7");
  EXPECT_TRUE(out.stream);
  // The original is untouched.
  EXPECT_EQ(original.messages.size(), 1u);
  EXPECT_EQ(original.parts.size(), 1u);
  EXPECT_FALSE(original.stream);
}

TEST_F(BuildContinuation, AssistantPrefixEndsWithThePartialTextAsAssistantTurn) {
  const PartialAnswer partial = partialWithText("Once upon a time");
  buildContinuation(original, partial, ContinuationStyle::AssistantPrefix, arena, out);
  ASSERT_EQ(out.messages.size(), 2u);
  EXPECT_EQ(out.messages[0].role, Role::User);
  EXPECT_EQ(turnText(out, 0), "Tell me a story.");
  EXPECT_EQ(out.messages[1].role, Role::Assistant);
  EXPECT_EQ(turnText(out, 1), "Once upon a time");
  EXPECT_EQ(out.parts.back().type, PartType::Text);
  expectRolesAlternate(out);
}

TEST_F(BuildContinuation, AssistantPrefixTrimsTrailingWhitespace) {
  const PartialAnswer partial = partialWithText("Once upon a time, \n\t ");
  buildContinuation(original, partial, ContinuationStyle::AssistantPrefix, arena, out);
  ASSERT_EQ(out.messages.size(), 2u);
  EXPECT_EQ(turnText(out, 1), "Once upon a time,");
}

TEST_F(BuildContinuation, InstructionAddsAUserTurnAskingToContinue) {
  const PartialAnswer partial = partialWithText("Once upon a time ");
  buildContinuation(original, partial, ContinuationStyle::Instruction, arena, out);
  ASSERT_EQ(out.messages.size(), 3u);
  EXPECT_EQ(out.messages[1].role, Role::Assistant);
  EXPECT_EQ(turnText(out, 1), "Once upon a time ") << "sent as the client got it";
  EXPECT_EQ(out.messages[2].role, Role::User);
  EXPECT_EQ(turnText(out, 2), kContinueInstruction);
  expectRolesAlternate(out);
}

TEST_F(BuildContinuation, PrefillGetsThePartialTextAsANewPartOfTheSameTurn) {
  addText(original, Role::Assistant, "{\"story\":");
  const PartialAnswer partial = partialWithText("\"Once upon a time  ");
  buildContinuation(original, partial, ContinuationStyle::AssistantPrefix, arena, out);
  ASSERT_EQ(out.messages.size(), 2u);
  EXPECT_EQ(out.messages[1].role, Role::Assistant);
  ASSERT_EQ(out.messages[1].count, 2u);
  EXPECT_EQ(turnText(out, 1), "{\"story\":|\"Once upon a time");
  expectRolesAlternate(out);
  // The original's prefill turn is unchanged.
  EXPECT_EQ(original.messages[1].count, 1u);
}

TEST_F(BuildContinuation, PrefillWithInstructionStillAlternates) {
  addText(original, Role::Assistant, "Sure:");
  const PartialAnswer partial = partialWithText(" Once upon");
  buildContinuation(original, partial, ContinuationStyle::Instruction, arena, out);
  ASSERT_EQ(out.messages.size(), 3u);
  EXPECT_EQ(turnText(out, 1), "Sure:| Once upon");
  EXPECT_EQ(turnText(out, 2), kContinueInstruction);
  expectRolesAlternate(out);
}

TEST_F(BuildContinuation, PrefillWhosePartsAreNotLastIsMovedToTheEnd) {
  // A request built out of order: the assistant turn's part sits before the user turn's.
  ChatRequest odd(arena);
  Part prefill;
  prefill.text = "Sure:";
  Part question;
  question.text = "Hi";
  odd.parts.push_back(prefill);
  odd.parts.push_back(question);
  odd.messages.push_back({Role::User, 1, 1});
  odd.messages.push_back({Role::Assistant, 0, 1});
  const PartialAnswer partial = partialWithText(" Hello");
  buildContinuation(odd, partial, ContinuationStyle::AssistantPrefix, arena, out);
  ASSERT_EQ(out.messages.size(), 2u);
  EXPECT_EQ(turnText(out, 0), "Hi");
  EXPECT_EQ(turnText(out, 1), "Sure:| Hello");
}

TEST_F(BuildContinuation, MaxTokensIsReducedByTheTokensAlreadyProduced) {
  const PartialAnswer partial = partialWithText(std::string(120, 'x'));  // 30 tokens
  buildContinuation(original, partial, ContinuationStyle::AssistantPrefix, arena, out);
  EXPECT_EQ(out.max_tokens, 70);
}

TEST_F(BuildContinuation, MaxTokensNeverGoesBelowOne) {
  const PartialAnswer partial = partialWithText(std::string(1000, 'x'));  // 250 tokens > 100
  buildContinuation(original, partial, ContinuationStyle::Instruction, arena, out);
  EXPECT_EQ(out.max_tokens, 1);
}

TEST_F(BuildContinuation, NoMaxTokensStaysNone) {
  original.max_tokens.reset();
  const PartialAnswer partial = partialWithText("Once upon");
  buildContinuation(original, partial, ContinuationStyle::AssistantPrefix, arena, out);
  EXPECT_FALSE(out.max_tokens.has_value());
}

TEST_F(BuildContinuation, PartialTextOutlivesThePartialAnswer) {
  {
    const PartialAnswer partial = partialWithText("Once upon a time");
    buildContinuation(original, partial, ContinuationStyle::AssistantPrefix, arena, out);
  }
  EXPECT_EQ(turnText(out, 1), "Once upon a time");
}

TEST_F(BuildContinuation, WithoutTextTheOriginalTurnsAreAskedAgain) {
  const PartialAnswer partial = partialWithText(" \n ");
  buildContinuation(original, partial, ContinuationStyle::AssistantPrefix, arena, out);
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].role, Role::User);
  EXPECT_TRUE(out.stream);

  ChatRequest instructed(arena);
  buildContinuation(original, PartialAnswer{}, ContinuationStyle::Instruction, arena, instructed);
  ASSERT_EQ(instructed.messages.size(), 1u) << "no instruction to continue nothing";
  EXPECT_EQ(instructed.max_tokens, 100);
}

}  // namespace
}  // namespace switchyard::canonical
