// The OpenAI and Azure OpenAI codecs: one body format, two ways to address and authenticate.
#include "providers/openai/codec.h"

#include <cctype>

#include "providers/openai/chat_endpoint.h"
#include "providers/openai/codec_wire.h"

namespace switchyard::providers::openai {
namespace {

bool endsWith(std::string_view text, std::string_view suffix) { return text.ends_with(suffix); }

// A deployment name as a path segment: unreserved characters as they are, the rest %XX.
std::string pathSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

bool isAzureHost(std::string_view host) {
  return endsWith(host, ".openai.azure.com") || endsWith(host, ".cognitiveservices.azure.com") ||
         endsWith(host, ".services.ai.azure.com");
}

class OpenAiCodec final : public TargetCodec {
 public:
  // `head_prefix`: request line, Host, credentials, Content-Type (each ending in CRLF), fixed for
  // the target; encode() adds Accept and Content-Length.
  OpenAiCodec(const std::string& model, std::string head_prefix, bool max_completion_tokens)
      : TargetCodec(model), head_prefix_(std::move(head_prefix)), max_completion_tokens_(max_completion_tokens) {}

  canonical::Dialect dialect() const override { return canonical::Dialect::OpenAi; }

  std::optional<canonical::Error> encode(const canonical::ChatRequest& request, canonical::Arena& /*arena*/,
                                         std::string& head, std::string& body) const override {
    head.clear();
    body.clear();
    if (auto error = wire::appendRequestBody(request, {upstreamModel(), max_completion_tokens_}, body)) return error;
    char tail[kRequestHeadTailMax];
    const std::size_t tail_length = requestHeadTail(request.stream, body.size(), tail);
    head.assign(head_prefix_).append(tail, tail_length);
    return std::nullopt;
  }

  bool decodeResponse(std::string_view body, canonical::Arena& arena, canonical::ChatResponse& out,
                      std::string& why) const override {
    return wire::decodeResponse(body, arena, out, why);
  }

  std::unique_ptr<canonical::StreamDecoder> streamDecoder() const override { return wire::makeChunkDecoder(); }

  canonical::Error decodeError(int status, std::string_view body, canonical::Arena& arena) const override {
    return wire::decodeError(status, body, arena);
  }

 private:
  std::string head_prefix_;
  bool max_completion_tokens_;
};

}  // namespace

std::unique_ptr<TargetCodec> makeOpenAiCodec(const config::Provider& provider, const std::string& model) {
  const auto& endpoint = provider.endpoint;
  // The relay path's head, so both paths send the same headers to the same target.
  const auto chat =
      makeChatEndpoint(endpoint.tls, endpoint.host, endpoint.port, endpoint.base_path, provider.api_key, model);
  // Only OpenAI itself (and Azure) know max_completion_tokens; vLLM, llama.cpp and Ollama read
  // max_tokens.
  const bool max_completion_tokens = endpoint.host == "api.openai.com" || isAzureHost(endpoint.host);
  return std::make_unique<OpenAiCodec>(model, chat.request_head, max_completion_tokens);
}

std::unique_ptr<TargetCodec> makeAzureCodec(const config::Provider& provider, const std::string& model) {
  const auto& endpoint = provider.endpoint;
  const std::string_view version = provider.api_version.empty() ? kDefaultAzureApiVersion : provider.api_version;
  std::string head = "POST " + endpoint.base_path + "/openai/deployments/" + pathSegment(model) +
                     "/chat/completions?api-version=" + std::string(version) +
                     " HTTP/1.1\r\nHost: " + endpoint.hostHeader() + "\r\n";
  if (!provider.api_key.empty()) head += "api-key: " + provider.api_key + "\r\n";
  head += "Content-Type: application/json\r\nUser-Agent: switchyard/0.1\r\n";
  return std::make_unique<OpenAiCodec>(model, std::move(head), true);
}

}  // namespace switchyard::providers::openai
