// The `anthropic` provider codec: canonical requests encoded for the Messages API, and its
// answers, streams and errors read back.
#include <gtest/gtest.h>

#include <random>

#include "canonical/context_limit.h"
#include "providers/anthropic/codec.h"
#include "test_support.h"

namespace switchyard::providers::anthropic {
namespace {

using anthropic_test::parseJson;
using anthropic_test::RecordingSink;
using canonical::Arena;
using canonical::ChatRequest;
using canonical::DecodeState;
using canonical::ErrorCategory;
using canonical::Part;
using canonical::PartType;
using canonical::Role;

config::Provider provider(bool tls = true, std::uint16_t port = 443, std::string key = "sk-ant-1",
                          std::string version = "") {
  config::Provider out;
  out.kind = "anthropic";
  out.endpoint = config::Endpoint{tls, "api.anthropic.com", port, ""};
  out.api_key = std::move(key);
  out.api_version = std::move(version);
  return out;
}

struct Encoded {
  std::string head;
  std::string body;
  std::optional<canonical::Error> error;
};

Encoded encode(const ChatRequest& request, Arena& arena, const config::Provider& target = provider()) {
  Encoded out;
  out.error = makeAnthropicCodec(target, "claude-haiku-4-5")->encode(request, arena, out.head, out.body);
  return out;
}

void addText(ChatRequest& request, Role role, std::string_view text) {
  const auto first = request.parts.size();
  request.parts.push_back(Part{.type = PartType::Text, .text = text});
  request.addMessage(role, first);
}

TEST(AnthropicCodecEncode, HeadCarriesKeyVersionAndLength) {
  Arena arena;
  ChatRequest request(arena);
  addText(request, Role::User, "Hi");
  const auto encoded = encode(request, arena);
  ASSERT_FALSE(encoded.error);
  EXPECT_EQ(encoded.head, "POST /v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\nx-api-key: sk-ant-1\r\n"
                          "anthropic-version: 2023-06-01\r\nContent-Type: application/json\r\n"
                          "User-Agent: switchyard/0.1\r\nAccept: application/json\r\nContent-Length: " +
                              std::to_string(encoded.body.size()) + "\r\n\r\n");
  // An OpenAI client may omit max_tokens; Anthropic requires it.
  EXPECT_EQ(encoded.body, R"({"model":"claude-haiku-4-5","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}]})");
}

TEST(AnthropicCodecEncode, HeadForAStreamOnAPlainPortWithoutKey) {
  Arena arena;
  ChatRequest request(arena);
  request.stream = true;
  addText(request, Role::User, "Hi");
  auto target = provider(false, 8080, "", "2024-01-01");
  target.endpoint.base_path = "/anthropic";
  const auto encoded = encode(request, arena, target);
  EXPECT_TRUE(encoded.head.starts_with("POST /anthropic/v1/messages HTTP/1.1\r\nHost: api.anthropic.com:8080\r\n"
                                       "anthropic-version: 2024-01-01\r\n"));
  EXPECT_NE(encoded.head.find("Accept: text/event-stream\r\n"), std::string::npos);
  EXPECT_EQ(encoded.head.find("x-api-key"), std::string::npos);
  EXPECT_EQ(parseJson(encoded.body).at("stream"), true);
}

TEST(AnthropicCodecEncode, MergesTurnsPutsToolResultsFirstAndDropsEmptyAssistantTurns) {
  Arena arena;
  ChatRequest request(arena);
  request.system.push_back("sys");
  addText(request, Role::User, "one");
  addText(request, Role::User, "two");
  auto first = request.parts.size();
  request.parts.push_back(Part{.type = PartType::Text, .text = ""});
  request.parts.push_back(Part{.type = PartType::ToolCall, .id = "call_1", .name = "f", .arguments = R"({"q":1})"});
  request.parts.push_back(Part{.type = PartType::ToolCall, .id = "call_2", .name = "g", .arguments = ""});
  request.addMessage(Role::Assistant, first);
  // OpenAI's tool messages arrive as separate user turns; a user text follows them.
  first = request.parts.size();
  request.parts.push_back(Part{.type = PartType::ToolResult, .text = "r1", .id = "call_1", .name = "f"});
  request.addMessage(Role::User, first);
  addText(request, Role::User, "and then?");
  first = request.parts.size();
  request.parts.push_back(Part{.type = PartType::ToolResult, .text = "", .id = "call_2", .name = "g", .is_error = true});
  request.addMessage(Role::User, first);
  addText(request, Role::Assistant, "");  // empty assistant turn: dropped
  const auto encoded = encode(request, arena);
  ASSERT_FALSE(encoded.error) << encoded.error->message;
  EXPECT_EQ(parseJson(encoded.body), parseJson(R"({"model":"claude-haiku-4-5","max_tokens":4096,"system":"sys","messages":[
    {"role":"user","content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]},
    {"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"f","input":{"q":1}},
                                   {"type":"tool_use","id":"call_2","name":"g","input":{}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"r1"},
                              {"type":"tool_result","tool_use_id":"call_2","is_error":true},
                              {"type":"text","text":"and then?"}]}]})"));
}

TEST(AnthropicCodecEncode, ToolsChoiceAndSamplingFields) {
  Arena arena;
  ChatRequest request(arena);
  addText(request, Role::User, "x");
  request.tools.push_back(canonical::Tool{"f", "does f", R"({"type":"object","properties":{"a":{"type":"integer"}}})"});
  request.tools.push_back(canonical::Tool{"g", "", ""});
  request.parallel_tool_calls = false;
  request.stop.push_back("STOP");
  request.temperature = 1.6;  // OpenAI allows 2; Anthropic's maximum is 1
  request.top_p = 0.5;
  request.user = "u";
  request.max_tokens = 77;
  auto body = parseJson(encode(request, arena).body);
  EXPECT_EQ(body.at("tools"), parseJson(R"([{"name":"f","description":"does f","input_schema":{"type":"object",
    "properties":{"a":{"type":"integer"}}}},{"name":"g","input_schema":{"type":"object"}}])"));
  EXPECT_EQ(body.at("tool_choice"), parseJson(R"({"type":"auto","disable_parallel_tool_use":true})"));
  EXPECT_EQ(body.at("stop_sequences"), parseJson(R"(["STOP"])"));
  EXPECT_EQ(body.at("temperature").to_number<double>(), 1.0);
  EXPECT_EQ(body.at("top_p"), 0.5);
  EXPECT_EQ(body.at("metadata"), parseJson(R"({"user_id":"u"})"));
  EXPECT_EQ(body.at("max_tokens"), 77);

  using canonical::ToolChoiceMode;
  const std::vector<std::pair<canonical::ToolChoice, std::string>> choices{
      {{ToolChoiceMode::Auto, {}}, R"({"type":"auto"})"},
      {{ToolChoiceMode::Required, {}}, R"({"type":"any"})"},
      {{ToolChoiceMode::None, {}}, R"({"type":"none"})"},
      {{ToolChoiceMode::Named, "f"}, R"({"type":"tool","name":"f"})"}};
  request.parallel_tool_calls.reset();
  for (const auto& [choice, expected] : choices) {
    request.tool_choice = choice;
    Arena scratch;
    EXPECT_EQ(parseJson(encode(request, scratch).body).at("tool_choice"), parseJson(expected));
  }
  request.tools.clear();
  Arena scratch;
  EXPECT_FALSE(parseJson(encode(request, scratch).body).as_object().contains("tool_choice"));
}

TEST(AnthropicCodecEncode, ImagesBecomeUrlAndBase64Sources) {
  Arena arena;
  ChatRequest request(arena);
  request.parts.push_back(Part{.type = PartType::Image, .image = {.url = "https://x/a.png"}});
  request.parts.push_back(Part{.type = PartType::Image, .image = {.media_type = "image/jpeg", .data = "/9j/"}});
  request.addMessage(Role::User, 0);
  EXPECT_EQ(parseJson(encode(request, arena).body).at("messages").at(0).at("content"),
            parseJson(R"([{"type":"image","source":{"type":"url","url":"https://x/a.png"}},
                          {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}}])"));
}

TEST(AnthropicCodecEncode, InvalidToolArgumentsAndJsonModeAreRefusedWithTheirParam) {
  Arena arena;
  ChatRequest request(arena);
  addText(request, Role::User, "x");
  addText(request, Role::Assistant, "y");
  request.parts.push_back(Part{.type = PartType::ToolCall, .id = "c", .name = "f", .arguments = "{not json"});
  request.messages.back().count = 2;
  auto encoded = encode(request, arena);
  ASSERT_TRUE(encoded.error);
  EXPECT_EQ(encoded.error->category, ErrorCategory::InvalidRequest);
  EXPECT_EQ(encoded.error->param, "messages[1].tool_calls[0].function.arguments");
  request.messages.back().count = 1;
  request.response_format = canonical::ResponseFormat::JsonSchema;
  encoded = encode(request, arena);
  ASSERT_TRUE(encoded.error);
  EXPECT_EQ(encoded.error->param, "response_format");
  EXPECT_NE(std::string_view(encoded.error->message).find("cannot guarantee JSON"), std::string::npos);
}

// The gateway reuses its buffers from one candidate target to the next: an encode replaces what
// they held, whether another request, another codec's output or garbage.
TEST(AnthropicCodecEncode, ReplacesWhateverHeadAndBodyHeld) {
  Arena arena;
  ChatRequest request(arena);
  addText(request, Role::User, "Hi");
  addText(request, Role::Assistant, "Hello!");
  addText(request, Role::User, "Tell me more");
  request.stream = true;
  const auto codec = makeAnthropicCodec(provider(), "claude-haiku-4-5");
  std::string fresh_head, fresh_body;
  ASSERT_FALSE(codec->encode(request, arena, fresh_head, fresh_body));
  for (const auto& [old_head, old_body] : std::vector<std::pair<std::string, std::string>>{
           {"garbage\r\n", "{\"not\":\"closed\""},
           {"POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n\r\n", R"({"model":"gpt-4o"})"}}) {
    std::string head = old_head;
    std::string body = old_body;
    ASSERT_FALSE(codec->encode(request, arena, head, body));
    EXPECT_EQ(head, fresh_head);
    EXPECT_EQ(body, fresh_body);
  }
  // The same buffers, one request after the other (as the hedge and failover paths use them).
  ChatRequest other(arena);
  addText(other, Role::User, "Something else entirely");
  std::string head, body;
  ASSERT_FALSE(codec->encode(other, arena, head, body));
  ASSERT_FALSE(codec->encode(request, arena, head, body));
  EXPECT_EQ(head, fresh_head);
  EXPECT_EQ(body, fresh_body);
  // A request it cannot carry leaves nothing of the previous one behind.
  request.response_format = canonical::ResponseFormat::JsonObject;
  EXPECT_TRUE(codec->encode(request, arena, head, body));
  EXPECT_TRUE(head.empty());
  EXPECT_TRUE(body.empty());
}

// A continuation's trailing assistant turn is Anthropic's prefill as it is: whatever way of
// prefilling the request names, the body is the same and ends with that assistant turn (the
// gateway trims its trailing whitespace before, which Anthropic would refuse).
TEST(AnthropicCodecEncode, TrailingAssistantTurnIsThePrefillWhateverTheMode) {
  Arena arena;
  ChatRequest request(arena);
  addText(request, Role::User, "Tell a story");
  addText(request, Role::Assistant, "Once upon");
  const auto plain = encode(request, arena);
  ASSERT_FALSE(plain.error);
  const auto messages = parseJson(plain.body).at("messages");
  EXPECT_EQ(messages.as_array().back(), parseJson(R"({"role":"assistant","content":"Once upon"})"));
  for (const auto mode : {canonical::Prefill::TrailingAssistant, canonical::Prefill::ContinueFinalMessage,
                          canonical::Prefill::PrefixFlag}) {
    request.prefill = mode;
    EXPECT_EQ(encode(request, arena).body, plain.body);
  }
}

TEST(AnthropicCodecDecode, StopReasonsMapToFinishReasons) {
  using canonical::FinishReason;
  const std::vector<std::pair<std::string, FinishReason>> cases{
      {"end_turn", FinishReason::EndTurn},          {"stop_sequence", FinishReason::StopSequence},
      {"max_tokens", FinishReason::MaxTokens},      {"tool_use", FinishReason::ToolUse},
      {"refusal", FinishReason::ContentFilter},     {"pause_turn", FinishReason::EndTurn},
      {"model_context_window_exceeded", FinishReason::MaxTokens}};
  for (const auto& [reason, finish] : cases) {
    Arena arena;
    canonical::ChatResponse response(arena);
    std::string why;
    const std::string body = R"({"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],)"
                             R"("stop_reason":")" + reason + R"(","stop_sequence":"##","usage":{"input_tokens":1,"output_tokens":2}})";
    ASSERT_TRUE(makeAnthropicCodec(provider(), "m")->decodeResponse(body, arena, response, why)) << why;
    EXPECT_EQ(response.finish, finish) << reason;
    EXPECT_EQ(response.stop_sequence, "##");
  }
}

TEST(AnthropicCodecDecode, RejectsBodiesThatAreNotMessages) {
  Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  const auto codec = makeAnthropicCodec(provider(), "m");
  EXPECT_FALSE(codec->decodeResponse("<html>", arena, response, why));
  EXPECT_FALSE(codec->decodeResponse(R"({"object":"chat.completion"})", arena, response, why));
  EXPECT_FALSE(why.empty());
}

std::vector<std::string> decodeAll(std::string_view stream, DecodeState expected_state, unsigned seed = 3) {
  auto decoder = makeAnthropicCodec(provider(), "m")->streamDecoder();
  RecordingSink sink;
  std::mt19937 random(seed);
  std::uniform_int_distribution<std::size_t> slice(1, 9);
  std::string buffered;
  for (std::size_t fed = 0; fed < stream.size() && decoder->state() == DecodeState::More;) {
    const auto n = std::min(slice(random), stream.size() - fed);
    buffered.append(stream.substr(fed, n));
    fed += n;
    buffered.erase(0, decoder->decode(buffered, sink));
  }
  if (decoder->state() == DecodeState::More) decoder->endOfBody(sink);
  EXPECT_EQ(decoder->state(), expected_state) << decoder->error().message;
  return sink.events;
}

TEST(AnthropicStreamDecoder, HandlesCrLfFramesAndCumulativeDeltaUsage) {
  const std::string stream =
      "event: message_start\r\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_9\",\"model\":\"claude\","
      "\"usage\":{\"input_tokens\":0,\"output_tokens\":1}}}\r\n\r\n"
      ": keep-alive comment\r\n\r\n"
      "event: content_block_start\r\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
      "{\"type\":\"text\",\"text\":\"Hi\"}}\r\n\r\n"
      "event: content_block_delta\r\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
      "{\"type\":\"text_delta\",\"text\":\" there\"}}\r\n\r\n"
      "event: message_delta\r\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"stop_sequence\","
      "\"stop_sequence\":\"END\"},\"usage\":{\"input_tokens\":30,\"cache_read_input_tokens\":10,\"output_tokens\":4}}\r\n\r\n"
      "event: message_stop\r\ndata: {\"type\":\"message_stop\"}\r\n\r\n";
  for (unsigned seed = 1; seed <= 10; ++seed) {
    EXPECT_EQ(decodeAll(stream, DecodeState::Done, seed),
              (std::vector<std::string>{"start id=msg_9 model=claude in=0", "text Hi", "text  there", "finish 1 END",
                                        "usage in=40 out=4 read=10 write=0"}));
  }
}

TEST(AnthropicStreamDecoder, ErrorEventSetsTheCategory) {
  const std::vector<std::pair<std::string, ErrorCategory>> cases{
      {"overloaded_error", ErrorCategory::Overloaded}, {"api_error", ErrorCategory::Server},
      {"rate_limit_error", ErrorCategory::RateLimited}, {"timeout_error", ErrorCategory::Timeout},
      {"something_new", ErrorCategory::Server}};
  for (const auto& [type, category] : cases) {
    auto decoder = makeAnthropicCodec(provider(), "m")->streamDecoder();
    RecordingSink sink;
    const std::string stream = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"a\"}}\n\n"
                               "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"" + type +
                               "\",\"message\":\"Overloaded\"}}\n\n";
    decoder->decode(stream, sink);
    ASSERT_EQ(decoder->state(), DecodeState::Error);
    EXPECT_EQ(decoder->error().category, category) << type;
    EXPECT_EQ(decoder->error().message, "Overloaded");
  }
}

TEST(AnthropicStreamDecoder, BrokenJsonAndEarlyEndAreMalformed) {
  decodeAll("event: message_start\ndata: {\"type\":\n\n", DecodeState::Malformed);
  const auto events = decodeAll("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{}}\n\n",
                                DecodeState::Malformed);
  EXPECT_EQ(events.size(), 1u);
}

// A stream is whole only once message_stop arrived: even after message_delta gave the stop reason,
// an end of body is a cut (the usage and the end marker never came).
TEST(AnthropicStreamDecoder, EndOfBodyWithoutMessageStopIsACut) {
  const std::string head =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\"}}\n\n"
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
      "{\"type\":\"text\",\"text\":\"\"}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
      "{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n";
  const std::string delta =
      "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
      "\"usage\":{\"output_tokens\":2}}\n\n";
  for (const std::string& stream : {head, head + delta}) {
    auto decoder = makeAnthropicCodec(provider(), "m")->streamDecoder();
    RecordingSink sink;
    EXPECT_EQ(decoder->decode(stream, sink), stream.size());
    ASSERT_EQ(decoder->state(), DecodeState::More);
    decoder->endOfBody(sink);
    EXPECT_EQ(decoder->state(), DecodeState::Malformed);
    EXPECT_NE(std::string_view(decoder->error().message).find("message_stop"), std::string_view::npos)
        << decoder->error().message;
    EXPECT_EQ(decoder->error().status, 502);
  }
}

// Text deltas in Anthropic's compact form are read in place (no parser); every other form goes
// through the parser. Either way the text is what the JSON says, and what is not JSON is refused.
TEST(AnthropicStreamDecoder, TextDeltasReadInPlaceSayWhatTheParserSays) {
  const std::vector<std::string> datas{
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}})",
      R"({"type":"content_block_delta","index":12,"delta":{"type":"text_delta","text":" w\u00f6rld"}})",
      "{\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"text_delta\",\"text\":\"w\xC3\xB6rld \xF0\x9F\x98\x80\"}}",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"say \"hi\"\n"}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"back\\slash"}})",
      R"({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "spaced"}})",
      R"({"index":0,"type":"content_block_delta","delta":{"text":"reordered","type":"text_delta"}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"}}"}})",
  };
  for (const std::string& data : datas) {
    const auto value = parseJson(data);
    const std::string expected(value.at("delta").at("text").as_string());
    const auto events = decodeAll("event: content_block_delta\ndata: " + data +
                                      "\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
                                  DecodeState::Done);
    if (expected.empty()) {
      EXPECT_EQ(events.front(), "finish 0 ") << data;  // no text event for an empty text
    } else {
      EXPECT_EQ(events.front(), "text " + expected) << data;
    }
  }
  // Not JSON, though shaped like the compact form: a raw control character, bytes that are not
  // UTF-8, a quote that ends the string early, an index with a leading zero.
  const std::vector<std::string> broken{
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\x01z\"}}",
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\xC3\x28z\"}}",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"z"}})",
      R"({"type":"content_block_delta","index":01,"delta":{"type":"text_delta","text":"a"}})",
  };
  for (const std::string& data : broken) {
    decodeAll("event: content_block_delta\ndata: " + data + "\n\n", DecodeState::Malformed);
  }
}

TEST(AnthropicStreamDecoder, MultiLineDataIsJoined) {
  const auto events = decodeAll("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\n"
                                "data: \"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n"
                                "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
                                DecodeState::Done);
  EXPECT_EQ(events.front(), "text x");
}

TEST(AnthropicCodecErrors, ErrorTypesMapToCategories) {
  const std::vector<std::tuple<int, std::string, std::string, ErrorCategory, int>> cases{
      {400, "invalid_request_error", "messages: bad", ErrorCategory::InvalidRequest, 400},
      {400, "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum",
       ErrorCategory::ContextLengthExceeded, 400},
      {401, "authentication_error", "invalid x-api-key", ErrorCategory::Authentication, 401},
      {402, "billing_error", "credit balance too low", ErrorCategory::PermissionDenied, 402},
      {403, "permission_error", "no", ErrorCategory::PermissionDenied, 403},
      {404, "not_found_error", "model: x", ErrorCategory::NotFound, 404},
      {413, "request_too_large", "too big", ErrorCategory::RequestTooLarge, 413},
      {429, "rate_limit_error", "slow down", ErrorCategory::RateLimited, 429},
      {500, "api_error", "Internal server error", ErrorCategory::Server, 500},
      {529, "overloaded_error", "Overloaded", ErrorCategory::Overloaded, 503},
      {504, "timeout_error", "timed out", ErrorCategory::Timeout, 504}};
  for (const auto& [status, type, message, category, client_status] : cases) {
    Arena arena;
    const std::string body = R"({"type":"error","error":{"type":")" + type + R"(","message":")" + message +
                             R"("},"request_id":"req_011CX"})";
    const auto error = makeAnthropicCodec(provider(), "m")->decodeError(status, body, arena);
    EXPECT_EQ(error.category, category) << type;
    EXPECT_EQ(error.status, client_status) << type;
    EXPECT_EQ(error.message, message);
    EXPECT_EQ(error.code, type);
  }
}

TEST(AnthropicCodecErrors, EveryContextOverflowWordingIsContextLengthExceeded) {
  const std::vector<std::pair<std::string, std::optional<std::int64_t>>> cases{
      {"prompt is too long: 208310 tokens > 200000 maximum", 200000},
      {"input length and `max_tokens` exceed context limit: 197626 + 8192 > 200000, decrease input length or "
       "`max_tokens` and try again",
       200000},
      // Anthropic-compatible servers in front of other models say it their own way.
      {"This model's maximum context length is 32768 tokens. However, you requested 40000 tokens.", 32768},
      {"Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length",
       32768},
  };
  for (const auto& [message, limit] : cases) {
    Arena arena;
    const std::string body =
        R"({"type":"error","error":{"type":"invalid_request_error","message":")" + message + R"("}})";
    const auto error = makeAnthropicCodec(provider(), "m")->decodeError(400, body, arena);
    EXPECT_EQ(error.category, ErrorCategory::ContextLengthExceeded) << message;
    EXPECT_EQ(error.status, 400);
    EXPECT_EQ(error.message, message);
    EXPECT_EQ(canonical::contextLimitFromError(body), limit) << message;
    EXPECT_EQ(canonical::contextLimitFromError(error.message), limit) << message;
  }
}

TEST(AnthropicCodecErrors, ForeignBodiesAreClassifiedByStatus) {
  const std::vector<std::pair<int, ErrorCategory>> cases{{529, ErrorCategory::Overloaded}, {503, ErrorCategory::Overloaded},
                                                         {502, ErrorCategory::Server}, {504, ErrorCategory::Timeout},
                                                         {429, ErrorCategory::RateLimited}, {401, ErrorCategory::Authentication},
                                                         {404, ErrorCategory::NotFound}, {413, ErrorCategory::RequestTooLarge},
                                                         {422, ErrorCategory::InvalidRequest}};
  for (const auto& [status, category] : cases) {
    Arena arena;
    const auto error = makeAnthropicCodec(provider(), "m")->decodeError(status, "<html>Bad Gateway</html>", arena);
    EXPECT_EQ(error.category, category) << status;
    EXPECT_NE(std::string_view(error.message).find("<html>Bad Gateway</html>"), std::string_view::npos);
  }
  Arena arena;
  const auto unknown = makeAnthropicCodec(provider(), "m")->decodeError(
      429, R"({"type":"error","error":{"type":"brand_new_error","message":"hm"}})", arena);
  EXPECT_EQ(unknown.category, ErrorCategory::RateLimited);
  EXPECT_EQ(unknown.message, "hm");
}

// Found by fuzz/anthropic_provider.cpp: raw bytes of a non-JSON error body, or of an event that is
// not JSON, were quoted into the error message as they were; the client's error body or error
// event was then not JSON.
TEST(AnthropicCodecDecode, ForeignBytesQuotedInErrorsAreValidUtf8) {
  Arena arena;
  const auto codec = makeAnthropicCodec(provider(), "m");
  const canonical::Error error = codec->decodeError(413, "\n\xD1\n\n", arena);
  EXPECT_EQ(error.message, "the Anthropic upstream answered HTTP 413: \n\xEF\xBF\xBD\n\n");

  auto decoder = codec->streamDecoder();
  RecordingSink sink;
  decoder->decode("event: message_start\ndata: \xFF\x02\n\n", sink);
  ASSERT_EQ(decoder->state(), DecodeState::Malformed);
  EXPECT_EQ(decoder->error().message, "an event's data is not a JSON object: \xEF\xBF\xBD\x02");
}

// The pattern fuzz/bedrock_provider.cpp found in Bedrock's decoder, here too: input_tokens plus the
// cache counts could add up past INT64_MAX (undefined); counts are kept within +-2^53. And (seen while
// fixing it) a content block's index sized a vector: "index": 1000000000000 asked for terabytes; such
// an index is ignored.
TEST(AnthropicCodecDecode, HugeUsageCountsAreClampedNotOverflowed) {
  Arena arena;
  canonical::ChatResponse response(arena);
  std::string why;
  ASSERT_TRUE(makeAnthropicCodec(provider(), "m")->decodeResponse(
      R"({"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"x"}],)"
      R"("stop_reason":"end_turn","usage":{"input_tokens":9223372036854775807,)"
      R"("cache_read_input_tokens":9223372036854775807,"output_tokens":18446744073709551615}})",
      arena, response, why))
      << why;
  constexpr std::int64_t kMax = std::int64_t{1} << 53;
  EXPECT_EQ(response.usage.input_tokens, 2 * kMax);
  EXPECT_EQ(response.usage.output_tokens, kMax);
}

TEST(AnthropicStreamDecoder, AHugeBlockIndexIsIgnoredNotAllocated) {
  const std::string stream =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\"}}\n\n"
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1000000000000,"
      "\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}\n\n"
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
      "\"content_block\":{\"type\":\"text\",\"text\":\"Hi\"}}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  const auto events = decodeAll(stream, DecodeState::Done);
  ASSERT_FALSE(events.empty());
  for (const auto& event : events) EXPECT_FALSE(event.starts_with("call ")) << event;
}

}  // namespace
}  // namespace switchyard::providers::anthropic
