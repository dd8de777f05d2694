#include "providers/bedrock/codec.h"

#include <charconv>

#include "providers/bedrock/converse.h"
#include "providers/bedrock/sigv4.h"

namespace switchyard::providers::bedrock {
namespace {

// The SigV4 signing name of bedrock-runtime (its endpoint prefix differs; the scope uses this).
constexpr std::string_view kSigningService = "bedrock";
constexpr std::string_view kUserAgent = "switchyard/0.1";

// bedrock-runtime.{region}.amazonaws.com names its region; used when the config names none.
std::string regionOf(const config::Provider& provider) {
  if (!provider.region.empty()) return provider.region;
  constexpr std::string_view kPrefix = "bedrock-runtime.";
  const std::string_view host = provider.endpoint.host;
  if (host.starts_with(kPrefix)) {
    const auto rest = host.substr(kPrefix.size());
    return std::string(rest.substr(0, rest.find('.')));
  }
  return "us-east-1";
}

class BedrockCodec final : public TargetCodec {
 public:
  BedrockCodec(const config::Provider& provider, const std::string& model, WallClock clock)
      : TargetCodec(model),
        host_header_(provider.endpoint.hostHeader()),
        region_(regionOf(provider)),
        credentials_{provider.aws_access_key_id, provider.aws_secret_access_key, provider.aws_session_token},
        clock_(std::move(clock)) {
    // The model id is one path segment on the wire (':' and '/' of ARNs percent-encoded, as the
    // AWS SDKs do), then encoded once more for the signature.
    const std::string prefix = provider.endpoint.base_path + "/model/" + uriEncode(model, false);
    converse_path_ = prefix + "/converse";
    stream_path_ = prefix + "/converse-stream";
    converse_canonical_ = canonicalUri(converse_path_);
    stream_canonical_ = canonicalUri(stream_path_);
  }

  canonical::Dialect dialect() const override { return canonical::Dialect::Bedrock; }

  std::optional<canonical::Error> encode(const canonical::ChatRequest& request, canonical::Arena& arena,
                                         std::string& head, std::string& body) const override {
    head.clear();
    body.clear();
    if (auto error = writeConverseBody(request, upstreamModel(), arena, body)) return error;
    writeHead(request.stream, body, head);
    return std::nullopt;
  }

  bool decodeResponse(std::string_view body, canonical::Arena& arena, canonical::ChatResponse& out,
                      std::string& why) const override {
    return readConverseResponse(body, upstreamModel(), arena, out, why);
  }

  std::unique_ptr<canonical::StreamDecoder> streamDecoder() const override {
    return makeConverseStreamDecoder(upstreamModel());
  }

  canonical::Error decodeError(int status, std::string_view body, canonical::Arena& arena) const override {
    return errorOfStatus(status, body, arena);
  }

 private:
  // Signed: content-type, host, x-amz-content-sha256, x-amz-date and x-amz-security-token. The
  // JS SDK v3 sends (and signs) x-amz-content-sha256 for bedrock-runtime too; botocore leaves it
  // out; Bedrock accepts both.
  void writeHead(bool stream, std::string_view body, std::string& head) const {
    const std::string date = amzDate(clock_());
    const std::string payload_hash = sha256Hex(body);
    SigningInput input;
    input.method = "POST";
    input.canonical_uri = stream ? stream_canonical_ : converse_canonical_;
    input.payload_sha256 = payload_hash;
    input.headers = {{"content-type", "application/json"},
                     {"host", host_header_},
                     {"x-amz-content-sha256", payload_hash},
                     {"x-amz-date", date}};
    if (!credentials_.session_token.empty()) {
      input.headers.emplace_back("x-amz-security-token", credentials_.session_token);
    }
    const std::string authorization =
        authorizationHeader(credentials_, region_, kSigningService, date, input);

    head.append("POST ").append(stream ? stream_path_ : converse_path_).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(host_header_).append("\r\n");
    head.append("Content-Type: application/json\r\n");
    head.append(stream ? "Accept: application/vnd.amazon.eventstream\r\n" : "Accept: application/json\r\n");
    head.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    head.append("X-Amz-Date: ").append(date).append("\r\n");
    if (!credentials_.session_token.empty()) {
      head.append("X-Amz-Security-Token: ").append(credentials_.session_token).append("\r\n");
    }
    head.append("X-Amz-Content-Sha256: ").append(payload_hash).append("\r\n");
    head.append("Authorization: ").append(authorization).append("\r\n");
    head.append("User-Agent: ").append(kUserAgent).append("\r\n\r\n");
  }

  std::string host_header_;
  std::string region_;
  AwsCredentials credentials_;
  WallClock clock_;
  std::string converse_path_;
  std::string stream_path_;
  std::string converse_canonical_;
  std::string stream_canonical_;
};

}  // namespace

std::unique_ptr<TargetCodec> makeBedrockCodec(const config::Provider& provider, const std::string& model,
                                              WallClock clock) {
  return std::make_unique<BedrockCodec>(provider, model, std::move(clock));
}

}  // namespace switchyard::providers::bedrock
