#pragma once
// Provider kind `bedrock`: AWS Bedrock Runtime's Converse and ConverseStream operations, signed
// with SigV4 (service "bedrock"), streams framed as AWS event-stream messages.
#include <memory>
#include <string>

#include "config/config.h"
#include "providers/target_codec.h"

namespace switchyard::providers::bedrock {

// The codec for `model` (a Bedrock model id, inference profile id or ARN) at `provider`:
// provider.endpoint says where (https://bedrock-runtime.{region}.amazonaws.com unless base_url
// says otherwise), provider.region and provider.aws_* how to sign. `clock` dates the signatures.
std::unique_ptr<TargetCodec> makeBedrockCodec(const config::Provider& provider, const std::string& model,
                                              WallClock clock);

}  // namespace switchyard::providers::bedrock
