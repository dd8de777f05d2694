#pragma once
// Provider kind `gemini`: Google AI Studio's Gemini API (generateContent and
// streamGenerateContent?alt=sse, key in x-goog-api-key). The provider's base_url is what the Google
// SDKs take, without the API version: requests go to {base_path}/v1beta/models/{model}:... .
#include <memory>
#include <string>

#include "config/config.h"
#include "providers/target_codec.h"

namespace switchyard::providers::gemini {

std::unique_ptr<TargetCodec> makeGeminiCodec(const config::Provider& provider, const std::string& model);

}  // namespace switchyard::providers::gemini
