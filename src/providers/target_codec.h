#pragma once
// The interface between the gateway and one route target (a provider account plus an upstream
// model): how to say a canonical request in the provider's wire format, and how to read its
// answers, streams and errors back into canonical form. One codec per route target, built once at
// start-up and shared read-only by every worker.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "canonical/chat.h"
#include "canonical/stream_codec.h"
#include "config/config.h"

namespace switchyard::providers {

class TargetCodec {
 public:
  virtual ~TargetCodec() = default;

  virtual canonical::Dialect dialect() const = 0;
  const std::string& upstreamModel() const { return model_; }

  // Builds the upstream request for `request` (request.stream says which endpoint): `head` gets the
  // whole request head (request line, Host, credentials, Content-Type, Content-Length, the blank
  // line), `body` the JSON body. Both are replaced, never appended to: whatever they held before
  // (a previous candidate's request, another codec's) is cleared first, so callers may reuse the
  // same buffers for every target they try. A request the target cannot carry (a field with no
  // equivalent that cannot be dropped harmlessly) returns an Error naming that field; `head` and
  // `body` then hold nothing meaningful (never a previous request).
  //
  // request.prefill says how a continuation whose last turn is the assistant's asks the target to
  // go on from that text; codecs whose dialect has one way only (Anthropic, Bedrock, Gemini: the
  // trailing assistant turn itself) ignore it.
  virtual std::optional<canonical::Error> encode(const canonical::ChatRequest& request,
                                                 canonical::Arena& arena, std::string& head,
                                                 std::string& body) const = 0;
  // Reads a 2xx body. Returns false and says why when it is not the provider's answer format.
  virtual bool decodeResponse(std::string_view body, canonical::Arena& arena,
                              canonical::ChatResponse& out, std::string& why) const = 0;
  // A decoder for one streamed answer (status 2xx).
  virtual std::unique_ptr<canonical::StreamDecoder> streamDecoder() const = 0;
  // Reads an error answer (any non-2xx status, any body, possibly not JSON) into canonical terms:
  // the category the provider meant, its message, and the status a client should see.
  virtual canonical::Error decodeError(int status, std::string_view body, canonical::Arena& arena) const = 0;

 protected:
  explicit TargetCodec(std::string model) : model_(std::move(model)) {}

 private:
  std::string model_;
};

// Wall-clock source for request signing (Bedrock SigV4); injected so tests are deterministic.
using WallClock = std::function<std::chrono::system_clock::time_point()>;

// The codec for `model` at `provider`, by provider.kind. Throws std::invalid_argument for an
// unknown kind (the config loader rejects those first).
std::unique_ptr<TargetCodec> makeTargetCodec(const config::Provider& provider, const std::string& model,
                                             WallClock clock = std::chrono::system_clock::now);

}  // namespace switchyard::providers
