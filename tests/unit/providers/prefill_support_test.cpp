#include "providers/prefill_support.h"

#include <gtest/gtest.h>

namespace switchyard::providers {
namespace {

using canonical::Prefill;

config::Provider provider(std::string kind, std::string preset = {}, std::string base_path = {}) {
  config::Provider p;
  p.kind = std::move(kind);
  p.preset = std::move(preset);
  p.endpoint.base_path = std::move(base_path);
  return p;
}

TEST(PrefillSupport, EachKindAndPresetHasItsDocumentedWay) {
  EXPECT_EQ(prefillFor(provider("anthropic"), "claude-sonnet-4-5"), Prefill::TrailingAssistant);
  EXPECT_EQ(prefillFor(provider("bedrock"), "anthropic.claude-3-5-sonnet-20240620-v1:0"), Prefill::TrailingAssistant);
  EXPECT_EQ(prefillFor(provider("bedrock"), "meta.llama3-70b-instruct-v1:0"), Prefill::None);
  EXPECT_EQ(prefillFor(provider("openai", "vllm"), "m"), Prefill::ContinueFinalMessage);
  EXPECT_EQ(prefillFor(provider("openai", "llamacpp"), "m"), Prefill::TrailingAssistant);
  EXPECT_EQ(prefillFor(provider("openai", "ollama"), "m"), Prefill::TrailingAssistant);
  EXPECT_EQ(prefillFor(provider("openai", "groq"), "m"), Prefill::TrailingAssistant);
  EXPECT_EQ(prefillFor(provider("openai", "openrouter"), "m"), Prefill::TrailingAssistant);
  EXPECT_EQ(prefillFor(provider("openai", "mistral"), "m"), Prefill::PrefixFlag);
}

TEST(PrefillSupport, OpenAiAzureGeminiAndUnknownServersDoNotPrefill) {
  EXPECT_EQ(prefillFor(provider("openai"), "gpt-4o"), Prefill::None);
  EXPECT_EQ(prefillFor(provider("azure"), "gpt-4o"), Prefill::None);
  EXPECT_EQ(prefillFor(provider("gemini"), "gemini-2.5-pro"), Prefill::None);
  EXPECT_EQ(prefillFor(provider("openai", "together"), "m"), Prefill::None);
}

TEST(PrefillSupport, DeepSeekPrefixesOnlyOnItsBetaEndpoint) {
  EXPECT_EQ(prefillFor(provider("openai", "deepseek", ""), "deepseek-chat"), Prefill::None);
  EXPECT_EQ(prefillFor(provider("openai", "deepseek", "/beta"), "deepseek-chat"), Prefill::PrefixFlag);
}

TEST(PrefillSupport, TheProvidersSettingOverridesTheDefault) {
  auto vllm = provider("openai", "vllm");
  vllm.prefill = "false";
  EXPECT_EQ(prefillFor(vllm, "m"), Prefill::None);
  auto generic = provider("openai");
  generic.prefill = "true";
  EXPECT_EQ(prefillFor(generic, "m"), Prefill::TrailingAssistant);
  generic.prefill = "continue_final_message";
  EXPECT_EQ(prefillFor(generic, "m"), Prefill::ContinueFinalMessage);
  generic.prefill = "prefix";
  EXPECT_EQ(prefillFor(generic, "m"), Prefill::PrefixFlag);
  auto mistral = provider("openai", "mistral");
  mistral.prefill = "true";
  EXPECT_EQ(prefillFor(mistral, "m"), Prefill::PrefixFlag);  // true means the kind's own way
}

TEST(PrefillSupport, RecognisesProvidersRefusals) {
  EXPECT_TRUE(saysPrefillUnsupported(
      "This model does not support assistant message prefill. The conversation must end with a user message."));
  EXPECT_TRUE(saysPrefillUnsupported("Assistant response prefill is incompatible with enable_thinking."));
  EXPECT_TRUE(saysPrefillUnsupported(
      "Expected last role User or Tool (or Assistant with prefix True) for serving but got assistant"));
  EXPECT_FALSE(saysPrefillUnsupported("This model's maximum context length is 8192 tokens."));
  EXPECT_FALSE(saysPrefillUnsupported("Invalid value for 'temperature'."));
}

}  // namespace
}  // namespace switchyard::providers
