#include "providers/target_codec.h"

#include <stdexcept>

#include "providers/anthropic/codec.h"
#include "providers/bedrock/codec.h"
#include "providers/gemini/codec.h"
#include "providers/openai/codec.h"

namespace switchyard::providers {

std::unique_ptr<TargetCodec> makeTargetCodec(const config::Provider& provider, const std::string& model,
                                             WallClock clock) {
  if (provider.kind == "openai") return openai::makeOpenAiCodec(provider, model);
  if (provider.kind == "azure") return openai::makeAzureCodec(provider, model);
  if (provider.kind == "anthropic") return anthropic::makeAnthropicCodec(provider, model);
  if (provider.kind == "gemini") return gemini::makeGeminiCodec(provider, model);
  if (provider.kind == "bedrock") return bedrock::makeBedrockCodec(provider, model, std::move(clock));
  throw std::invalid_argument("provider kind '" + provider.kind + "' has no codec");
}

}  // namespace switchyard::providers
