// Continuations ("assistant prefill") in the simulator: --voice makes two sims one model, and
// --prefill continue|reject|restart makes it a model that continues a partial answer, refuses to,
// or starts over. A gateway's mid-stream failover is tested against each kind.
#include "sim/chat_request.h"
#include "sim/reply.h"
#include "sim/sim_state.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace switchyard::sim {
namespace {

constexpr std::string_view kChatPath = "/v1/chat/completions";

SimState sim(PrefillMode mode, std::string voice = "v") {
  SimState state("a");
  state.voice = std::move(voice);
  state.prefill = mode;
  return state;
}

boost::system::result<SimChat, SimError> parse(const SimDialect& dialect, std::string_view body,
                                                std::string_view path = kChatPath) {
  return dialect.parse(boost::json::parse(body), path);
}

std::string textOf(const SimReply& reply) {
  std::string text;
  for (const auto& word : reply.words) text += word;
  return text;
}

// The answer's text to `body` from a sim in `mode`; the error's message when it answers one.
std::string answer(PrefillMode mode, std::string_view body, const SimDialect& dialect = openAiDialect(),
                   std::string_view path = kChatPath) {
  const auto chat = parse(dialect, body, path);
  EXPECT_TRUE(chat) << chat.error().message;
  if (!chat) return {};
  SimState state = sim(mode);
  const auto reply = replyFor(*chat, dialect, state);
  return reply ? textOf(*reply) : "error: " + reply.error().message;
}

SimError openAiError(std::string_view body) {
  const auto chat = parse(openAiDialect(), body);
  EXPECT_FALSE(chat) << body;
  return chat ? SimError{} : chat.error();
}

constexpr std::string_view kPrefilled =
    R"({"model":"m","messages":[{"role":"user","content":"what is up"},{"role":"assistant","content":"Hello from v:"}]})";
constexpr std::string_view kContinueInstruction =
    R"({"model":"m","messages":[{"role":"user","content":"what is up"},{"role":"assistant","content":"Hello from"},)"
    R"({"role":"user","content":"Continue exactly where you stopped."}]})";

TEST(SimVoice, SimsWithOneVoiceAnswerAlikeWhateverTheirNames) {
  const auto chat = parse(openAiDialect(), R"({"model":"m","messages":[{"role":"user","content":"hi there"}]})");
  ASSERT_TRUE(chat);
  SimState a("a");
  SimState b("b");
  a.voice = b.voice = "v";
  EXPECT_EQ(textOf(*replyFor(*chat, openAiDialect(), a)), "Hello from v: hi there");
  EXPECT_EQ(textOf(*replyFor(*chat, openAiDialect(), b)), "Hello from v: hi there");
  SimState plain("c");
  EXPECT_EQ(textOf(*replyFor(*chat, openAiDialect(), plain)), "Hello from c: hi there");
}

TEST(SimPrefill, OpenAiReadsATrailingAssistantMessageAsAPrefill) {
  const auto chat = parse(openAiDialect(), R"({"model":"m","messages":[{"role":"system","content":"be brief"},
    {"role":"user","content":"q"},{"role":"assistant","content":[{"type":"text","text":"Hello"},{"type":"text","text":"from"}]}]})");
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->prefill_text, "Hello from");
  EXPECT_EQ(chat->question, "q");
  EXPECT_FALSE(chat->question_is_tool_result);

  const auto plain = parse(openAiDialect(), R"({"model":"m","messages":[{"role":"user","content":"a"},
    {"role":"assistant","content":"b"},{"role":"user","content":"c"},{"role":"system","content":"d"}]})");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->prefill_text);
  EXPECT_FALSE(plain->question);
}

TEST(SimPrefill, ContinueAnswersExactlyTheRestKeepingItsLeadingBlank) {
  const auto chat = parse(openAiDialect(), kPrefilled);
  ASSERT_TRUE(chat);
  SimState state = sim(PrefillMode::Continue);
  const auto reply = replyFor(*chat, openAiDialect(), state);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->words, (std::vector<std::string>{" what ", "is ", "up"}));
  EXPECT_EQ(reply->output_tokens, 3u);
  EXPECT_EQ(reply->finish, SimFinish::Stop);
  EXPECT_FALSE(reply->tool_call);
}

TEST(SimPrefill, ContinueWithAPrefillThatIsNotTheAnswersStartAnswersWhole) {
  EXPECT_EQ(answer(PrefillMode::Continue,
                   R"({"model":"m","messages":[{"role":"user","content":"what is up"},{"role":"assistant","content":"Hi!"}]})"),
            "Hello from v: what is up");
  // Another voice's start is not this model's start.
  EXPECT_EQ(answer(PrefillMode::Continue,
                   R"({"model":"m","messages":[{"role":"user","content":"x y"},{"role":"assistant","content":"Hello from w:"}]})"),
            "Hello from v: x y");
}

TEST(SimPrefill, ContinueAfterTheWholeAnswerAnswersNothing) {
  EXPECT_EQ(answer(PrefillMode::Continue,
                   R"({"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","content":"Hello from v: x"}]})"),
            "");
}

TEST(SimPrefill, ContinueCountsMaxTokensInTheRest) {
  const auto chat = parse(openAiDialect(), R"({"model":"m","max_tokens":2,"messages":[{"role":"user","content":"one two three"},
    {"role":"assistant","content":"Hello from v: one"}]})");
  ASSERT_TRUE(chat);
  SimState state = sim(PrefillMode::Continue);
  const auto reply = replyFor(*chat, openAiDialect(), state);
  ASSERT_TRUE(reply);
  EXPECT_EQ(textOf(*reply), " two three");
  EXPECT_EQ(reply->finish, SimFinish::Stop);

  const auto shorter = parse(openAiDialect(), R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":"one two three"},
    {"role":"assistant","content":"Hello from v: one"}]})");
  ASSERT_TRUE(shorter);
  const auto cut = replyFor(*shorter, openAiDialect(), state);
  ASSERT_TRUE(cut);
  EXPECT_EQ(textOf(*cut), " two ");
  EXPECT_EQ(cut->finish, SimFinish::Length);
  EXPECT_EQ(cut->output_tokens, 1u);
}

TEST(SimPrefill, ContinueWritesTextEvenWhenToolsAreOffered) {
  EXPECT_EQ(answer(PrefillMode::Continue, R"({"model":"m","tools":[{"type":"function","function":{"name":"f"}}],
    "messages":[{"role":"user","content":"x y"},{"role":"assistant","content":"Hello from v: x"}]})"),
            " y");
}

TEST(SimPrefill, ContinueResumesAToolResultsEcho) {
  EXPECT_EQ(answer(PrefillMode::Continue, R"({"model":"m","tools":[{"type":"function","function":{"name":"f"}}],
    "messages":[{"role":"user","content":"go"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"call_1","content":"forty two"},{"role":"assistant","content":"Tool result: forty"}]})"),
            " two");
}

TEST(SimPrefill, ContinueLeavesAContinueInstructionToTheModel) {
  EXPECT_EQ(answer(PrefillMode::Continue, kContinueInstruction), "Hello from v: Continue exactly where you stopped.");
}

TEST(SimPrefill, RejectAnswersLlamaCppsErrorInOpenAisShape) {
  const auto chat = parse(openAiDialect(), kPrefilled);
  ASSERT_TRUE(chat);
  SimState state = sim(PrefillMode::Reject);
  const auto reply = replyFor(*chat, openAiDialect(), state);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().status, 400u);
  EXPECT_EQ(reply.error().type, "invalid_request_error");
  EXPECT_EQ(openAiDialect().errorBody(reply.error()),
            R"({"error":{"message":"Assistant response prefill is incompatible with enable_thinking.",)"
            R"("type":"invalid_request_error","param":null,"code":null}})");
}

TEST(SimPrefill, RejectAndRestartLeaveOrdinaryRequestsAlone) {
  constexpr std::string_view kPlain = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
  EXPECT_EQ(answer(PrefillMode::Reject, kPlain), "Hello from v: hi");
  EXPECT_EQ(answer(PrefillMode::Restart, kPlain), "Hello from v: hi");
  EXPECT_EQ(answer(PrefillMode::Reject, kContinueInstruction), "Hello from v: Continue exactly where you stopped.");
}

TEST(SimPrefill, RestartAnswersTheQuestionWholeIgnoringTheTrailingAssistantTurn) {
  EXPECT_EQ(answer(PrefillMode::Restart, kPrefilled), "Hello from v: what is up");
}

TEST(SimPrefill, RestartIgnoresAContinueInstructionAfterThePartialAnswer) {
  const auto chat = parse(openAiDialect(), kContinueInstruction);
  ASSERT_TRUE(chat);
  EXPECT_FALSE(chat->prefill_text);
  EXPECT_EQ(chat->question, "what is up");
  EXPECT_EQ(answer(PrefillMode::Restart, kContinueInstruction), "Hello from v: what is up");
}

TEST(SimPrefill, RestartCallsTheToolAgainWhenToolsAreOffered) {
  const auto chat = parse(openAiDialect(), R"({"model":"m","tools":[{"type":"function","function":{"name":"f"}}],
    "messages":[{"role":"user","content":"weather"},{"role":"assistant","content":"Hello"}]})");
  ASSERT_TRUE(chat);
  SimState state = sim(PrefillMode::Restart);
  const auto reply = replyFor(*chat, openAiDialect(), state);
  ASSERT_TRUE(reply);
  ASSERT_TRUE(reply->tool_call);
  EXPECT_EQ(reply->tool_call->arguments, R"({"input":"weather"})");
}

TEST(SimPrefill, VllmContinueFinalMessageWantsAddGenerationPromptFalse) {
  constexpr std::string_view kBoth = "Cannot set both `continue_final_message` and `add_generation_prompt` to True.";
  const auto absent = openAiError(
      R"({"model":"m","continue_final_message":true,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"Hello"}]})");
  EXPECT_EQ(absent.status, 400u);
  EXPECT_EQ(absent.message, kBoth);
  EXPECT_EQ(absent.type, "invalid_request_error");
  EXPECT_EQ(openAiError(R"({"model":"m","continue_final_message":true,"add_generation_prompt":true,)"
                        R"("messages":[{"role":"user","content":"q"},{"role":"assistant","content":"Hello"}]})")
                .message,
            kBoth);
  const auto chat = parse(openAiDialect(), R"({"model":"m","continue_final_message":true,"add_generation_prompt":false,
    "messages":[{"role":"user","content":"q"},{"role":"assistant","content":"Hello"}]})");
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->prefill_text, "Hello");
}

TEST(SimPrefill, VllmContinueFinalMessageWantsAFinalAssistantMessage) {
  const auto error = openAiError(R"({"model":"m","continue_final_message":true,"add_generation_prompt":false,
    "messages":[{"role":"user","content":"q"}]})");
  EXPECT_EQ(error.status, 400u);
  EXPECT_EQ(error.message, "continue_final_message is set but the final message is not an assistant message.");
  // false is vLLM's default: nothing to check.
  EXPECT_TRUE(parse(openAiDialect(), R"({"model":"m","continue_final_message":false,"messages":[{"role":"user","content":"q"}]})"));
}

TEST(SimPrefill, DeepSeekPrefixIsOnlyAllowedOnAFinalAssistantMessage) {
  EXPECT_TRUE(parse(openAiDialect(), R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","content":"Hello","prefix":true}]})"));
  const auto not_last = openAiError(R"({"model":"m","messages":[{"role":"user","content":"q"},
    {"role":"assistant","content":"Hello","prefix":true},{"role":"user","content":"go on"}]})");
  EXPECT_EQ(not_last.status, 400u);
  EXPECT_EQ(not_last.param, "messages[1].prefix");
  EXPECT_EQ(not_last.message,
            "Invalid 'messages[1].prefix': only the last message may set prefix, and it must be an assistant message.");
  EXPECT_EQ(openAiError(R"({"model":"m","messages":[{"role":"user","content":"q","prefix":true}]})").param,
            "messages[0].prefix");
}

// Anthropic: string or text-block prefills, its own refusal, and its rule against a trailing blank.
constexpr std::string_view kMessagesPath = "/v1/messages";

TEST(SimPrefill, AnthropicContinuesAPrefillOfTextBlocks) {
  const auto chat = parse(anthropicDialect(), R"({"model":"m","max_tokens":50,"messages":[{"role":"user","content":"what is up"},
    {"role":"assistant","content":[{"type":"text","text":"Hello from v: what"}]}]})", kMessagesPath);
  ASSERT_TRUE(chat) << chat.error().message;
  EXPECT_EQ(chat->prefill_text, "Hello from v: what");
  SimState state = sim(PrefillMode::Continue);
  const auto reply = replyFor(*chat, anthropicDialect(), state);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->words, (std::vector<std::string>{" is ", "up"}));
  EXPECT_EQ(reply->output_tokens, 2u);
}

TEST(SimPrefill, AnthropicRejectsInItsOwnWords) {
  const auto chat = parse(anthropicDialect(), R"({"model":"m","max_tokens":50,"messages":[{"role":"user","content":"q"},
    {"role":"assistant","content":"Hello"}]})", kMessagesPath);
  ASSERT_TRUE(chat);
  SimState state = sim(PrefillMode::Reject);
  const auto reply = replyFor(*chat, anthropicDialect(), state);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().status, 400u);
  EXPECT_EQ(reply.error().type, "invalid_request_error");
  EXPECT_EQ(reply.error().message,
            "This model does not support assistant message prefill. The conversation must end with a user message.");
  const auto body = boost::json::parse(anthropicDialect().errorBody(reply.error()));
  EXPECT_EQ(body.at("type"), "error");
  EXPECT_EQ(body.at("error").at("type"), "invalid_request_error");
}

TEST(SimPrefill, AnthropicRestartIgnoresTheContinuationTurns) {
  EXPECT_EQ(answer(PrefillMode::Restart, R"({"model":"m","max_tokens":50,"messages":[{"role":"user","content":"what is up"},
    {"role":"assistant","content":"Hello from"}]})", anthropicDialect(), kMessagesPath),
            "Hello from v: what is up");
  EXPECT_EQ(answer(PrefillMode::Restart, R"({"model":"m","max_tokens":50,"messages":[{"role":"user","content":"what is up"},
    {"role":"assistant","content":"Hello from"},{"role":"user","content":"Continue."}]})", anthropicDialect(), kMessagesPath),
            "Hello from v: what is up");
  // A tool result after a tool call is the conversation going on, not a continuation.
  EXPECT_EQ(answer(PrefillMode::Restart, R"({"model":"m","max_tokens":50,"messages":[{"role":"user","content":"go"},
    {"role":"assistant","content":[{"type":"tool_use","id":"toolu_01","name":"f","input":{}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"42"}]}],
    "tools":[{"name":"f","input_schema":{"type":"object"}}]})", anthropicDialect(), kMessagesPath),
            "Tool result: 42");
}

TEST(SimPrefill, AnthropicRefusesAPrefillEndingWithABlank) {
  const auto chat = parse(anthropicDialect(), R"({"model":"m","max_tokens":50,"messages":[{"role":"user","content":"q"},
    {"role":"assistant","content":"Hello from "}]})", kMessagesPath);
  ASSERT_FALSE(chat);
  EXPECT_EQ(chat.error().status, 400u);
  EXPECT_EQ(chat.error().message, "messages: final assistant content cannot end with trailing whitespace");
}

// Gemini and Bedrock: the same modes, their roles and their error shapes.
TEST(SimPrefill, GeminiReadsAFinalModelTurnAsAPrefill) {
  constexpr std::string_view kPath = "/v1beta/models/gemini-2.5-flash:generateContent";
  constexpr std::string_view kBody = R"({"contents":[{"role":"user","parts":[{"text":"what is up"}]},
    {"role":"model","parts":[{"text":"Hello from v: what"}]}]})";
  EXPECT_EQ(answer(PrefillMode::Continue, kBody, geminiDialect(), kPath), " is up");
  EXPECT_EQ(answer(PrefillMode::Restart, kBody, geminiDialect(), kPath), "Hello from v: what is up");
  const std::string rejected = answer(PrefillMode::Reject, kBody, geminiDialect(), kPath);
  EXPECT_TRUE(rejected.starts_with("error: This model does not support")) << rejected;
  EXPECT_EQ(geminiDialect().prefillRejected().type, "INVALID_ARGUMENT");
}

TEST(SimPrefill, BedrockReadsAFinalAssistantMessageAsAPrefill) {
  constexpr std::string_view kPath = "/model/anthropic.claude-sonnet-4/converse";
  constexpr std::string_view kBody = R"({"messages":[{"role":"user","content":[{"text":"what is up"}]},
    {"role":"assistant","content":[{"text":"Hello from v: what"}]}]})";
  EXPECT_EQ(answer(PrefillMode::Continue, kBody, bedrockDialect(), kPath), " is up");
  EXPECT_EQ(answer(PrefillMode::Restart, kBody, bedrockDialect(), kPath), "Hello from v: what is up");
  EXPECT_EQ(answer(PrefillMode::Reject, kBody, bedrockDialect(), kPath),
            "error: This model does not support assistant message prefill. The conversation must end with a user message.");
  EXPECT_EQ(bedrockDialect().prefillRejected().type, "ValidationException");
}

TEST(SimPrefill, ModesParseFromTheirNames) {
  EXPECT_EQ(parsePrefillMode("continue"), PrefillMode::Continue);
  EXPECT_EQ(parsePrefillMode("reject"), PrefillMode::Reject);
  EXPECT_EQ(parsePrefillMode("restart"), PrefillMode::Restart);
  EXPECT_FALSE(parsePrefillMode("Continue"));
}

}  // namespace
}  // namespace switchyard::sim
