// The OpenAI codec's request body for a continuation (canonical::Prefill): each OpenAI-compatible
// server's documented way of continuing a trailing assistant message; and encode() replacing
// whatever its buffers held.
#include <gtest/gtest.h>

#include "providers/openai/codec.h"
#include "test_support.h"

namespace switchyard::openai_translation_test {
namespace {

using canonical::Prefill;
using canonical::Role;

std::unique_ptr<providers::TargetCodec> localCodec() {
  config::Provider provider;
  provider.kind = "openai";
  provider.endpoint = {false, "localhost", 8000, "/v1"};
  return providers::openai::makeOpenAiCodec(provider, "m");
}

void addText(canonical::ChatRequest& request, Role role, std::initializer_list<std::string_view> texts) {
  const auto first = request.parts.size();
  for (const auto text : texts) {
    canonical::Part part;
    part.text = text;
    request.parts.push_back(part);
  }
  request.addMessage(role, first);
}

std::string bodyOf(const canonical::ChatRequest& request, canonical::Arena& arena) {
  std::string head, body;
  const auto error = localCodec()->encode(request, arena, head, body);
  EXPECT_FALSE(error) << (error ? error->message : "");
  return body;
}

constexpr std::string_view kUser = R"({"model":"m","messages":[{"role":"user","content":"Tell a story"},)";
constexpr std::string_view kStream = R"(,"stream":true,"stream_options":{"include_usage":true}})";

struct PrefillCase {
  Prefill mode;
  std::string expected;
};

TEST(OpenAiCodecPrefill, EachModeSaysContinueTheWayItsServersDocument) {
  const PrefillCase cases[] = {
      // No prefill: a trailing assistant message sent as is.
      {Prefill::None, std::string(kUser) + R"({"role":"assistant","content":"Once upon"}])" + std::string(kStream)},
      // llama.cpp, Ollama, Groq, OpenRouter: the trailing assistant message alone.
      {Prefill::TrailingAssistant,
       std::string(kUser) + R"({"role":"assistant","content":"Once upon"}])" + std::string(kStream)},
      // vLLM: render the last message open-ended instead of starting a new assistant turn.
      {Prefill::ContinueFinalMessage, std::string(kUser) + R"({"role":"assistant","content":"Once upon"}])" +
                                          R"(,"continue_final_message":true,"add_generation_prompt":false)" +
                                          std::string(kStream)},
      // DeepSeek (beta) and Mistral: the prefix flag on the last assistant message.
      {Prefill::PrefixFlag,
       std::string(kUser) + R"({"role":"assistant","content":"Once upon","prefix":true}])" + std::string(kStream)},
  };
  for (const auto& c : cases) {
    canonical::Arena arena;
    canonical::ChatRequest request(arena);
    addText(request, Role::User, {"Tell a story"});
    addText(request, Role::Assistant, {"Once upon"});
    request.stream = true;
    request.prefill = c.mode;
    EXPECT_EQ(bodyOf(request, arena), c.expected) << static_cast<int>(c.mode);
  }
}

// The client's own prefill and the partial answer after it are one text to go on from: servers
// that flatten an array of parts would put a newline between them.
TEST(OpenAiCodecPrefill, TheFinalMessagesTextPartsAreJoinedIntoOneString) {
  for (const auto mode : {Prefill::TrailingAssistant, Prefill::ContinueFinalMessage, Prefill::PrefixFlag}) {
    canonical::Arena arena;
    canonical::ChatRequest request(arena);
    addText(request, Role::User, {"Tell a story"});
    addText(request, Role::Assistant, {"Once", " upon a"});
    request.prefill = mode;
    const auto body = boost::json::parse(bodyOf(request, arena));
    EXPECT_EQ(body.at("messages").at(1).at("content"), "Once upon a") << static_cast<int>(mode);
  }
  // Without a prefill the parts stay apart, as the client sent them.
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  addText(request, Role::User, {"Tell a story"});
  addText(request, Role::Assistant, {"Once", " upon a"});
  const auto body = boost::json::parse(bodyOf(request, arena));
  EXPECT_TRUE(body.at("messages").at(1).at("content").is_array());
}

TEST(OpenAiCodecPrefill, OnlyTheFinalAssistantMessageIsFlagged) {
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  addText(request, Role::User, {"Hi"});
  addText(request, Role::Assistant, {"Hello", "!"});
  addText(request, Role::User, {"Tell a story"});
  addText(request, Role::Assistant, {"Once upon"});
  request.prefill = Prefill::PrefixFlag;
  const auto body = boost::json::parse(bodyOf(request, arena));
  const auto& messages = body.at("messages").as_array();
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_FALSE(messages[1].as_object().contains("prefix"));
  EXPECT_TRUE(messages[1].at("content").is_array());  // an earlier turn is not the one continued
  EXPECT_EQ(messages[3].at("prefix"), true);
}

// A request whose last turn is the user's (an instruction to continue) has nothing to prefill.
TEST(OpenAiCodecPrefill, NothingIsAddedWhenTheLastTurnIsTheUsers) {
  for (const auto mode : {Prefill::ContinueFinalMessage, Prefill::PrefixFlag}) {
    canonical::Arena arena;
    canonical::ChatRequest request(arena);
    addText(request, Role::User, {"Tell a story"});
    addText(request, Role::Assistant, {"Once upon"});
    addText(request, Role::User, {"Continue"});
    request.prefill = mode;
    const std::string body = bodyOf(request, arena);
    EXPECT_EQ(body.find("prefix"), std::string::npos) << body;
    EXPECT_EQ(body.find("continue_final_message"), std::string::npos) << body;
  }
}

// The gateway reuses its buffers from one candidate target to the next: an encode replaces what
// they held, whether another request, another codec's output or garbage.
TEST(OpenAiCodecEncode, ReplacesWhateverHeadAndBodyHeld) {
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  addText(request, Role::User, {"Hi"});
  request.max_tokens = 9;
  const auto codec = localCodec();
  std::string fresh_head, fresh_body;
  ASSERT_FALSE(codec->encode(request, arena, fresh_head, fresh_body));
  const std::pair<std::string, std::string> held[] = {
      {"garbage\r\n", "{\"not\":\"closed\""},
      {"POST /v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n", R"({"model":"claude","max_tokens":1})"}};
  for (const auto& [old_head, old_body] : held) {
    std::string head = old_head;
    std::string body = old_body;
    ASSERT_FALSE(codec->encode(request, arena, head, body));
    EXPECT_EQ(head, fresh_head);
    EXPECT_EQ(body, fresh_body);
  }
  // A request it cannot carry leaves nothing of the previous one behind.
  canonical::ChatRequest broken(arena);
  canonical::Part result;
  result.type = canonical::PartType::ToolResult;
  broken.parts.push_back(result);
  broken.addMessage(Role::Assistant, 0);
  std::string head = fresh_head;
  std::string body = fresh_body;
  EXPECT_TRUE(codec->encode(broken, arena, head, body));
  EXPECT_TRUE(head.empty());
  EXPECT_EQ(body.find(fresh_body), std::string::npos);
}

}  // namespace
}  // namespace switchyard::openai_translation_test
