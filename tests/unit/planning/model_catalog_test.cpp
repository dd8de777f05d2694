#include "routing/model_catalog.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace switchyard::routing {
namespace {

// The catalog name an upstream model id resolves to, "" when unknown.
std::string familyOf(std::string_view upstream_model) {
  const auto info = lookupModel(upstream_model);
  return info ? std::string(info->name) : std::string();
}

void expectFamilies(const std::vector<std::pair<std::string_view, std::string_view>>& cases) {
  for (const auto& [id, family] : cases) EXPECT_EQ(familyOf(id), family) << "model id: " << id;
}

TEST(ModelCatalog, ExactNameReturnsItsFigures) {
  const auto info = lookupModel("gpt-4o");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->name, "gpt-4o");
  EXPECT_EQ(info->context_window, 128000);
  EXPECT_DOUBLE_EQ(info->input_per_mtok, 2.50);
  EXPECT_DOUBLE_EQ(info->output_per_mtok, 10.00);
}

TEST(ModelCatalog, EveryEntryIsFoundByItsOwnNameWithPlausibleFigures) {
  for (std::string_view name :
       {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3", "o4-mini", "gpt-5",
        "gpt-5-mini", "claude-3-5-haiku", "claude-3-5-sonnet", "claude-3-7-sonnet", "claude-sonnet-4",
        "claude-sonnet-4-5", "claude-opus-4", "claude-opus-4-1", "claude-haiku-4-5", "gemini-1.5-pro",
        "gemini-1.5-flash", "gemini-2.0-flash", "gemini-2.5-pro", "gemini-2.5-flash",
        "gemini-2.5-flash-lite", "llama-3.1-8b", "llama-3.1-70b", "llama-3.3-70b", "mistral-large",
        "mistral-small", "deepseek-chat", "deepseek-reasoner"}) {
    const auto info = lookupModel(name);
    ASSERT_TRUE(info.has_value()) << name;
    EXPECT_EQ(info->name, name);
    EXPECT_GE(info->context_window, 128000) << name;
    EXPECT_GT(info->input_per_mtok, 0) << name;
    EXPECT_GE(info->output_per_mtok, info->input_per_mtok) << name;
  }
}

TEST(ModelCatalog, OpenAiDatedIdsFindTheirFamily) {
  expectFamilies({{"gpt-4o-2024-08-06", "gpt-4o"},
                  {"gpt-4o-2024-05-13", "gpt-4o"},
                  {"gpt-4o-mini-2024-07-18", "gpt-4o-mini"},
                  {"gpt-4.1-2025-04-14", "gpt-4.1"},
                  {"gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"},
                  {"gpt-4.1-nano-2025-04-14", "gpt-4.1-nano"},
                  {"o3-2025-04-16", "o3"},
                  {"o4-mini-2025-04-16", "o4-mini"},
                  {"gpt-5-2025-08-07", "gpt-5"},
                  {"gpt-5-mini-2025-08-07", "gpt-5-mini"},
                  {"openai/gpt-4o-mini", "gpt-4o-mini"},
                  {"GPT-4o", "gpt-4o"}});
}

TEST(ModelCatalog, LongestFamilyWinsOverItsPrefix) {
  expectFamilies({{"gpt-4o-mini", "gpt-4o-mini"},
                  {"gpt-5-nano", "gpt-5-nano"},
                  {"o3-mini", "o3-mini"},
                  {"gemini-2.5-flash-lite", "gemini-2.5-flash-lite"},
                  {"gemini-2.0-flash-lite-001", "gemini-2.0-flash-lite"},
                  {"claude-opus-4-1-20250805", "claude-opus-4-1"},
                  {"claude-sonnet-4-5-20250929", "claude-sonnet-4-5"}});
}

TEST(ModelCatalog, AnthropicIdsFindTheirFamily) {
  expectFamilies({{"claude-3-5-haiku-20241022", "claude-3-5-haiku"},
                  {"claude-3-5-haiku-latest", "claude-3-5-haiku"},
                  {"claude-3-5-sonnet-20240620", "claude-3-5-sonnet"},
                  {"claude-3-5-sonnet-20241022", "claude-3-5-sonnet"},
                  {"claude-3-7-sonnet-20250219", "claude-3-7-sonnet"},
                  {"claude-sonnet-4-20250514", "claude-sonnet-4"},
                  {"claude-opus-4-20250514", "claude-opus-4"},
                  {"claude-haiku-4-5-20251001", "claude-haiku-4-5"},
                  {"anthropic/claude-3.5-sonnet", "claude-3-5-sonnet"},   // OpenRouter
                  {"claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet"},  // Vertex AI
                  {"claude-opus-4@20250514", "claude-opus-4"}});
}

TEST(ModelCatalog, BedrockIdsFindTheirFamily) {
  expectFamilies({{"anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet"},
                  {"anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet"},
                  {"anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet"},
                  {"us.anthropic.claude-sonnet-4-20250514-v1:0", "claude-sonnet-4"},
                  {"eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"},
                  {"anthropic.claude-opus-4-1-20250805-v1:0", "claude-opus-4-1"},
                  {"meta.llama3-1-8b-instruct-v1:0", "llama-3.1-8b"},
                  {"meta.llama3-1-70b-instruct-v1:0", "llama-3.1-70b"},
                  {"us.meta.llama3-3-70b-instruct-v1:0", "llama-3.3-70b"},
                  {"mistral.mistral-large-2407-v1:0", "mistral-large"},
                  {"mistral.mistral-small-2402-v1:0", "mistral-small"}});
}

TEST(ModelCatalog, GeminiIdsFindTheirFamily) {
  expectFamilies({{"models/gemini-2.5-pro", "gemini-2.5-pro"},
                  {"gemini-2.5-pro-preview-06-05", "gemini-2.5-pro"},
                  {"gemini-2.5-flash", "gemini-2.5-flash"},
                  {"models/gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite"},
                  {"gemini-2.0-flash-001", "gemini-2.0-flash"},
                  {"gemini-1.5-pro-002", "gemini-1.5-pro"},
                  {"gemini-1.5-flash-latest", "gemini-1.5-flash"},
                  {"publishers/google/models/gemini-2.5-flash", "gemini-2.5-flash"}});
}

TEST(ModelCatalog, LlamaIdsInEveryCommonSpellingFindTheirFamily) {
  expectFamilies({{"Llama-3.1-8B-Instruct", "llama-3.1-8b"},
                  {"meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b"},
                  {"meta-llama/Meta-Llama-3.1-70B-Instruct", "llama-3.1-70b"},
                  {"meta-llama/Llama-3.3-70B-Instruct", "llama-3.3-70b"},
                  {"llama-3.3-70b-versatile", "llama-3.3-70b"},  // Groq
                  {"llama3.1:8b", "llama-3.1-8b"},               // Ollama
                  {"@cf/meta/llama-3.1-8b-instruct", "llama-3.1-8b"}});
}

TEST(ModelCatalog, MistralAndDeepSeekIdsFindTheirFamily) {
  expectFamilies({{"mistral-large-latest", "mistral-large"},
                  {"mistral-large-2411", "mistral-large"},
                  {"mistral-small-latest", "mistral-small"},
                  {"mistral-small-2503", "mistral-small"},
                  {"deepseek-chat", "deepseek-chat"},
                  {"deepseek-reasoner", "deepseek-reasoner"},
                  {"deepseek/deepseek-chat", "deepseek-chat"}});
}

TEST(ModelCatalog, NewerVersionIsNotMistakenForAnOlderFamily) {
  // A version number right after a family ending in a number makes another model.
  expectFamilies({{"claude-opus-4-5-20251101", ""},
                  {"gpt-5.1", ""},
                  {"gemini-3-pro-preview", ""}});
}

TEST(ModelCatalog, FamilyMustMatchWholeSegments) {
  expectFamilies({{"chatgpt-4o-latest", ""},
                  {"gpt-4o1", ""},
                  {"xo3", ""},
                  {"gpt-4-1106-preview", ""},
                  {"llama-3.1-8", ""}});
}

TEST(ModelCatalog, UnknownModelsAreNotFound) {
  expectFamilies({{"", ""}, {"my-finetune", ""}, {"claude-3-haiku-20240307", ""}, {"gpt-3.5-turbo", ""}});
}

}  // namespace
}  // namespace switchyard::routing
