#pragma once
// Provider kind `anthropic`: the Messages API (POST {base}/v1/messages) with an x-api-key and the
// anthropic-version header. base_url is what the Anthropic SDK takes (no "/v1").
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "providers/target_codec.h"

namespace switchyard::providers::anthropic {

// max_tokens sent when the canonical request has none (an OpenAI client omitted it): Anthropic
// requires the field, and 4096 fits every current Claude model's output limit.
inline constexpr std::int64_t kDefaultMaxTokens = 4096;
// The anthropic-version header when the provider's api_version is empty.
inline constexpr std::string_view kDefaultAnthropicVersion = "2023-06-01";

std::unique_ptr<TargetCodec> makeAnthropicCodec(const config::Provider& provider, const std::string& model);

}  // namespace switchyard::providers::anthropic
