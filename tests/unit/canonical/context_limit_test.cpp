// contextLimitFromError and saysContextLengthExceeded on the wordings providers and
// OpenAI-compatible servers really use (messages and whole bodies).
#include "canonical/context_limit.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchyard::canonical {
namespace {

struct Wording {
  std::string who;
  std::string text;
  std::optional<std::int64_t> limit;
};

const std::vector<Wording>& overflowWordings() {
  static const std::vector<Wording> wordings{
      {"openai", "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens "
                 "(8000 in the messages, 1000 in the completion). Please reduce the length of the messages or "
                 "completion.", 8192},
      {"openai (messages)", "This model's maximum context length is 128000 tokens. However, your messages "
                            "resulted in 204308 tokens. Please reduce the length of the messages.", 128000},
      {"openai (body)", R"({"error":{"message":"This model's maximum context length is 16385 tokens. However, )"
                        R"(your messages resulted in 17000 tokens.","type":"invalid_request_error",)"
                        R"("param":"messages","code":"context_length_exceeded"}})", 16385},
      {"vllm", "This model's maximum context length is 4096 tokens. However, you requested 1000 output tokens "
               "and your prompt contains at least 3500 input tokens, for a total of at least 4500 tokens.", 4096},
      {"vllm (engine)", "The decoder prompt (length 5000) is longer than the maximum model length of 4096. "
                        "Make sure that `max_model_len` is no smaller than the number of text tokens.", 4096},
      {"openrouter", "This endpoint's maximum context length is 200000 tokens. However, you requested about "
                     "250000 tokens (240000 of text input, 10000 in the output).", 200000},
      {"anthropic", "prompt is too long: 208310 tokens > 200000 maximum", 200000},
      {"anthropic (body)", R"({"type":"error","error":{"type":"invalid_request_error","message":"prompt is too )"
                           R"(long: 208310 tokens > 200000 maximum"},"request_id":"req_1"})", 200000},
      {"anthropic (max_tokens)", "input length and `max_tokens` exceed context limit: 197626 + 8192 > 200000, "
                                 "decrease input length or `max_tokens` and try again", 200000},
      {"gemini", "The input token count (1234567) exceeds the maximum number of tokens allowed (1048576).", 1048576},
      {"mistral", "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum "
                  "context length", 32768},
      {"mistral (body)", R"({"object":"error","message":"Prompt contains 300000 tokens, too large for model )"
                         R"(with 131072 maximum context length","type":"invalid_request_error","param":null,)"
                         R"("code":null})", 131072},
      {"llama.cpp (body)", R"({"error":{"code":400,"message":"the request exceeds the available context size, )"
                           R"(try increasing it","type":"exceed_context_size_error","n_prompt_tokens":9000,)"
                           R"("n_ctx":4096}})", 4096},
      {"llama.cpp (message)", "request (4476 tokens) exceeds the available context size (4096 tokens)", 4096},
      {"lm studio", "Trying to keep the first 111490 tokens when context the overflows. However, the model is "
                    "loaded with context length of only 32768 tokens, which is not enough.", 32768},
      {"generic", "Input length 1581 exceeds context length 1500", 1500},
      {"generic (grouped digits)", "The prompt (300,000 tokens) exceeds the context window of 131,072 tokens",
       131072},
      {"generic (window)", "The request exceeds the context window of 4096 tokens.", 4096},
      {"kimi", "Your request exceeded model token limit: 262144 (requested: 300000)", 262144},
      {"bedrock", "Input is too long for requested model.", std::nullopt},
      {"ollama", "the input length exceeds the context length", std::nullopt},
      {"ollama (by)", "prompt too long; exceeded max context length by 4096 tokens", std::nullopt},
      {"openai (responses)", "Your input exceeds the context window of this model. Please adjust your input "
                             "and try again.", std::nullopt},
      {"openai (code only)", R"({"error":{"message":"Context length exceeded.","code":"context_length_exceeded"}})",
       std::nullopt},
  };
  return wordings;
}

TEST(ContextLimitFromError, ReadsTheLimitEachProviderStates) {
  for (const auto& wording : overflowWordings()) {
    EXPECT_EQ(contextLimitFromError(wording.text), wording.limit) << wording.who << ": " << wording.text;
  }
}

TEST(ContextLimitFromError, EveryWordingIsAnOverflow) {
  for (const auto& wording : overflowWordings()) {
    EXPECT_TRUE(saysContextLengthExceeded(wording.text)) << wording.who << ": " << wording.text;
  }
}

TEST(ContextLimitFromError, IsCaseInsensitive) {
  EXPECT_EQ(contextLimitFromError("MAXIMUM CONTEXT LENGTH IS 2048 TOKENS"), 2048);
  EXPECT_TRUE(saysContextLengthExceeded("PROMPT IS TOO LONG"));
}

TEST(ContextLimitFromError, OtherErrorsStateNoLimitAndAreNoOverflow) {
  for (const std::string_view text : {
           "Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 29000, "
           "Requested 2000.",
           "max_tokens is too large: 5000. This model supports at most 4096 completion tokens, whereas you "
           "provided 5000.",
           "Invalid value for 'temperature': expected a number between 0 and 2.",
           "You exceeded your current quota, please check your plan and billing details.",
           "Request too large for model",
           "",
       }) {
    EXPECT_EQ(contextLimitFromError(text), std::nullopt) << text;
    EXPECT_FALSE(saysContextLengthExceeded(text)) << text;
  }
}

TEST(ContextLimitFromError, NumbersThatAreNotLimitsAreNotRead) {
  // A sum after the phrase is what was asked for; an absurdly long number is no token count.
  EXPECT_EQ(contextLimitFromError("context limit: 197626 + 8192"), std::nullopt);
  EXPECT_EQ(contextLimitFromError("maximum context length is 0 tokens"), std::nullopt);
  EXPECT_EQ(contextLimitFromError("maximum context length is 12345678901234567890 tokens"), std::nullopt);
  EXPECT_EQ(contextLimitFromError("context lengths of 4096"), std::nullopt);
  // A list's comma is not a thousands separator.
  EXPECT_EQ(contextLimitFromError("context size is 4096,8192"), 4096);
}

TEST(ContextLimitFromError, HugeBodiesAreReadOnlyAtTheirStart) {
  std::string body = "This model's maximum context length is 8192 tokens. ";
  body.append(1 << 20, 'x');
  EXPECT_EQ(contextLimitFromError(body), 8192);
  std::string late(1 << 20, 'x');
  late += " maximum context length is 8192 tokens";
  EXPECT_EQ(contextLimitFromError(late), std::nullopt);
}

}  // namespace
}  // namespace switchyard::canonical
