#include "providers/gemini/codec.h"

#include <charconv>

#include "providers/gemini/error.h"
#include "providers/gemini/request_body.h"
#include "providers/gemini/response.h"
#include "providers/gemini/stream_decoder.h"

namespace switchyard::providers::gemini {
namespace {

constexpr std::string_view kApiVersionPath = "/v1beta/models/";
// Vertex AI serves the same API under its own paths: base_url names the version (and, outside express
// mode, the project and location), then /publishers/google/models/MODEL:generateContent.
constexpr std::string_view kVertexModelsPath = "/publishers/google/models/";
constexpr std::string_view kVertexHostSuffix = "aiplatform.googleapis.com";
constexpr std::size_t kMaxContentLengthDigits = 20;

// The model as one path segment: "models/x" (the resource name form) is accepted as "x", and any
// byte outside RFC 3986's unreserved set is percent-encoded.
std::string modelSegment(std::string_view model) {
  constexpr std::string_view kResourcePrefix = "models/";
  if (model.starts_with(kResourcePrefix)) model.remove_prefix(kResourcePrefix.size());
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : model) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                            (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

class GeminiCodec final : public TargetCodec {
 public:
  GeminiCodec(const config::Provider& provider, const std::string& model) : TargetCodec(model) {
    const bool vertex = std::string_view(provider.endpoint.host).ends_with(kVertexHostSuffix);
    const std::string prefix = provider.endpoint.base_path +
                               std::string(vertex ? kVertexModelsPath : kApiVersionPath) + modelSegment(model);
    // Everything but the request line and Content-Length is fixed per target: built once here.
    std::string fixed = " HTTP/1.1\r\nHost: " + provider.endpoint.hostHeader() + "\r\n";
    if (!provider.api_key.empty()) fixed += "x-goog-api-key: " + provider.api_key + "\r\n";
    fixed += "Content-Type: application/json\r\nUser-Agent: switchyard/0.1\r\n";
    unary_head_ =
        "POST " + prefix + ":generateContent" + fixed + "Accept: application/json\r\nContent-Length: ";
    stream_head_ = "POST " + prefix + ":streamGenerateContent?alt=sse" + fixed +
                   "Accept: text/event-stream\r\nContent-Length: ";
  }

  canonical::Dialect dialect() const override { return canonical::Dialect::Gemini; }

  std::optional<canonical::Error> encode(const canonical::ChatRequest& request, canonical::Arena& arena,
                                         std::string& head, std::string& body) const override {
    head.clear();
    body.clear();
    if (auto error = encodeRequestBody(request, arena, body)) return error;
    head = request.stream ? stream_head_ : unary_head_;
    char digits[kMaxContentLengthDigits];
    const auto end = std::to_chars(digits, digits + sizeof digits, body.size()).ptr;
    head.append(digits, end);
    head.append("\r\n\r\n");
    return std::nullopt;
  }

  bool decodeResponse(std::string_view body, canonical::Arena& arena, canonical::ChatResponse& out,
                      std::string& why) const override {
    return decodeGenerateContent(body, arena, out, why);
  }

  std::unique_ptr<canonical::StreamDecoder> streamDecoder() const override { return makeStreamDecoder(); }

  canonical::Error decodeError(int status, std::string_view body, canonical::Arena& arena) const override {
    return decodeGeminiError(status, body, arena);
  }

 private:
  std::string unary_head_;   // up to "Content-Length: "
  std::string stream_head_;  // up to "Content-Length: "
};

}  // namespace

std::unique_ptr<TargetCodec> makeGeminiCodec(const config::Provider& provider, const std::string& model) {
  return std::make_unique<GeminiCodec>(provider, model);
}

}  // namespace switchyard::providers::gemini
