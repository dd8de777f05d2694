#pragma once
// The provider kinds a config may name: the five wire formats and the OpenAI-compatible presets,
// which are kind `openai` with a known default base_url.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::config {

struct ProviderKind {
  std::string_view name;              // as written in the config
  std::string_view wire;              // openai | anthropic | gemini | bedrock | azure
  std::string_view default_base_url;  // empty: base_url is required (bedrock derives it from region)
};

const std::vector<ProviderKind>& providerKinds();
const ProviderKind* findProviderKind(std::string_view name);
// "openai, anthropic, ..." for messages.
std::string providerKindNames();

inline constexpr std::string_view kDefaultAnthropicVersion = "2023-06-01";
inline constexpr std::string_view kDefaultAzureApiVersion = "2024-10-21";

// https://bedrock-runtime.REGION.amazonaws.com
std::string bedrockBaseUrl(std::string_view region);

}  // namespace switchyard::config
