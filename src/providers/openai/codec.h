#pragma once
// Provider kinds `openai` (and every OpenAI-compatible server: vLLM, llama.cpp, Ollama...) and
// `azure` on the translated path: canonical requests said in chat-completions JSON, and OpenAI's
// answers, streams and errors read back. (Clients that speak OpenAI to an OpenAI target take the
// relay path in chat_endpoint.h instead, which never parses the body.)
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "providers/target_codec.h"

namespace switchyard::providers::openai {

// The Azure OpenAI api-version sent when the provider sets none: the newest GA release of the
// data-plane inference API that still uses /openai/deployments/{deployment}/ paths.
inline constexpr std::string_view kDefaultAzureApiVersion = "2024-10-21";

// POST {base_path}/chat/completions with "Authorization: Bearer KEY" (when a key is set).
std::unique_ptr<TargetCodec> makeOpenAiCodec(const config::Provider& provider, const std::string& model);
// POST {base_path}/openai/deployments/{model}/chat/completions?api-version=... with "api-key: KEY":
// on Azure the model of a route target is the deployment's name.
std::unique_ptr<TargetCodec> makeAzureCodec(const config::Provider& provider, const std::string& model);

}  // namespace switchyard::providers::openai
