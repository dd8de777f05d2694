#include "providers/anthropic/codec.h"

#include <charconv>

#include "providers/anthropic/codec_parts.h"

namespace switchyard::providers::anthropic {

namespace {

class AnthropicCodec final : public TargetCodec {
 public:
  AnthropicCodec(const config::Provider& provider, const std::string& model) : TargetCodec(model) {
    const auto& endpoint = provider.endpoint;
    head_prefix_ = "POST " + endpoint.base_path + "/v1/messages HTTP/1.1\r\nHost: " + endpoint.hostHeader() + "\r\n";
    if (!provider.api_key.empty()) head_prefix_ += "x-api-key: " + provider.api_key + "\r\n";
    head_prefix_ += "anthropic-version: ";
    head_prefix_ += provider.api_version.empty() ? std::string(kDefaultAnthropicVersion) : provider.api_version;
    head_prefix_ += "\r\nContent-Type: application/json\r\nUser-Agent: switchyard/0.1\r\n";
  }

  canonical::Dialect dialect() const override { return canonical::Dialect::Anthropic; }

  std::optional<canonical::Error> encode(const canonical::ChatRequest& request, canonical::Arena& arena,
                                         std::string& head, std::string& body) const override {
    head.clear();
    body.clear();
    if (auto error = encodeMessagesBody(request, upstreamModel(), arena, body)) return error;
    head.reserve(head_prefix_.size() + 80);
    head.append(head_prefix_);
    head.append(request.stream ? "Accept: text/event-stream\r\n" : "Accept: application/json\r\n");
    head.append("Content-Length: ");
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, body.size());
    head.append(digits, result.ptr);
    head.append("\r\n\r\n");
    return std::nullopt;
  }

  bool decodeResponse(std::string_view body, canonical::Arena& arena, canonical::ChatResponse& out,
                      std::string& why) const override {
    return decodeMessage(body, arena, out, why);
  }

  std::unique_ptr<canonical::StreamDecoder> streamDecoder() const override { return makeMessagesStreamDecoder(); }

  canonical::Error decodeError(int status, std::string_view body, canonical::Arena& arena) const override {
    return decodeErrorBody(status, body, arena);
  }

 private:
  std::string head_prefix_;  // request line, Host, x-api-key, anthropic-version, Content-Type, User-Agent
};

}  // namespace

std::unique_ptr<TargetCodec> makeAnthropicCodec(const config::Provider& provider, const std::string& model) {
  return std::make_unique<AnthropicCodec>(provider, model);
}

}  // namespace switchyard::providers::anthropic
