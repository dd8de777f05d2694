#pragma once
// Shared by the fuzz targets: providers and codecs as a configuration would build them, a stream
// feeder that hands a decoder the body in the uneven pieces a network delivers, and the oracles
// (what the gateway writes must be well-formed JSON) that turn a wrong answer into a crash.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "canonical/json_validate.h"
#include "canonical/stream_codec.h"
#include "config/config.h"
#include "providers/target_codec.h"
#include "surfaces/anthropic/messages.h"
#include "surfaces/openai/translate.h"

namespace switchyard::fuzzing {

inline std::string_view asView(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A crash with a message: libFuzzer saves the input that led here.
[[noreturn]] inline void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz oracle: %s: %.*s\n", what, static_cast<int>(std::min<std::size_t>(detail.size(), 2000)),
               detail.data());
  std::abort();
}

inline void expectJson(std::string_view text, const char* what) {
  if (!canonical::isValidJson(text)) fail(what, text);
}

// Every "data:" line of an SSE stream the gateway writes carries one JSON value ([DONE] aside).
inline void expectSseJson(std::string_view stream, const char* what) {
  std::size_t at = 0;
  while (at < stream.size()) {
    std::size_t end = stream.find('\n', at);
    if (end == std::string_view::npos) end = stream.size();
    std::string_view line = stream.substr(at, end - at);
    if (line.starts_with("data: ")) {
      line.remove_prefix(6);
      if (line != "[DONE]") expectJson(line, what);
    }
    at = end + 1;
  }
}

// A request head the gateway writes ends at its first blank line, and every line ends in CRLF.
inline void expectHead(std::string_view head, const char* what) {
  if (head.find("\r\n\r\n") != head.size() - 4) fail(what, head);
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')) fail(what, head);
  }
}

inline config::Provider providerOf(std::string_view kind) {
  config::Provider provider;
  provider.name = "fuzz";
  provider.kind = std::string(kind);
  provider.endpoint = {true, "upstream.example", 443, ""};
  provider.api_key = "sk-fuzz";
  if (kind == "openai") provider.endpoint.base_path = "/v1";
  if (kind == "bedrock") {
    provider.endpoint.host = "bedrock-runtime.us-east-1.amazonaws.com";
    provider.region = "us-east-1";
    provider.aws_access_key_id = "AKIDEXAMPLE";
    provider.aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  }
  return provider;
}

inline std::unique_ptr<providers::TargetCodec> codecOf(std::string_view kind) {
  return providers::makeTargetCodec(providerOf(kind), "fuzz-model",
                                    [] { return std::chrono::system_clock::from_time_t(1714564800); });
}

// A deterministic stream of small numbers drawn from the input itself, so a crash replays.
class Splitter {
 public:
  explicit Splitter(std::string_view data) {
    for (const char c : data.substr(0, 64)) state_ = state_ * 131 + static_cast<unsigned char>(c);
  }
  std::size_t next(std::size_t bound) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>((state_ >> 33) % bound);
  }

 private:
  std::uint64_t state_ = 1469598103934665603ULL;
};

// Sends every decoded event to both client surfaces' encoders, as a translated stream does.
class EncodingSink final : public canonical::EventSink {
 public:
  EncodingSink() : openai_(surfaces::openai::makeStreamEncoder(true)), anthropic_(surfaces::anthropic::makeStreamEncoder()) {}
  void onEvent(const canonical::StreamEvent& event) override {
    openai_->encode(event, openai_out_);
    anthropic_->encode(event, anthropic_out_);
  }
  void finish(const canonical::StreamDecoder& decoder) {
    if (decoder.state() == canonical::DecodeState::Done) {
      openai_->finish(openai_out_);
      anthropic_->finish(anthropic_out_);
    } else {
      openai_->fail(decoder.error(), openai_out_);
      anthropic_->fail(decoder.error(), anthropic_out_);
    }
    expectSseJson(openai_out_, "openai client stream is not JSON");
    expectSseJson(anthropic_out_, "anthropic client stream is not JSON");
  }

 private:
  std::unique_ptr<canonical::StreamEncoder> openai_;
  std::unique_ptr<canonical::StreamEncoder> anthropic_;
  std::string openai_out_;
  std::string anthropic_out_;
};

// Feeds `body` to a fresh decoder in pieces of 1..max_piece bytes, keeping what it did not consume
// (as proxy/translated_attempt.cpp does), then ends the body and closes the client streams.
inline void feedStream(const providers::TargetCodec& codec, std::string_view body, std::size_t max_piece = 256) {
  auto decoder = codec.streamDecoder();
  EncodingSink sink;
  Splitter split(body);
  std::string pending;
  std::size_t at = 0;
  while (decoder->state() == canonical::DecodeState::More && at < body.size()) {
    const std::size_t piece = 1 + split.next(max_piece);
    pending.append(body.substr(at, piece));
    at += std::min(piece, body.size() - at);
    const std::size_t consumed = decoder->decode(pending, sink);
    if (consumed > pending.size()) fail("decoder consumed more than it was given", pending);
    pending.erase(0, consumed);
  }
  if (decoder->state() == canonical::DecodeState::More) decoder->endOfBody(sink);
  if (decoder->state() == canonical::DecodeState::More) fail("decoder still wants more after the body ended", body);
  sink.finish(*decoder);
}

// A 2xx answer and an error answer read from the same bytes, rendered for both client surfaces.
inline void decodeAnswer(const providers::TargetCodec& codec, std::string_view body) {
  {
    canonical::Arena arena;
    canonical::ChatResponse response(arena);
    std::string why;
    if (codec.decodeResponse(body, arena, response, why)) {
      std::string out;
      surfaces::openai::renderChatCompletion(response, out);
      expectJson(out, "openai client answer is not JSON");
      out.clear();
      surfaces::anthropic::renderMessage(response, out);
      expectJson(out, "anthropic client answer is not JSON");
    }
  }
  static constexpr int kStatuses[] = {400, 401, 402, 403, 404, 408, 413, 422, 429, 500, 502, 503, 504, 529};
  Splitter split(body);
  canonical::Arena arena;
  const canonical::Error error =
      codec.decodeError(kStatuses[split.next(std::size(kStatuses))], body, arena);
  expectJson(surfaces::openai::renderErrorBody(error), "openai client error is not JSON");
  expectJson(surfaces::anthropic::renderErrorBody(error), "anthropic client error is not JSON");
  (void)surfaces::openai::clientStatus(error);
  (void)surfaces::anthropic::clientStatus(error);
}

// A parsed client request said to every provider kind.
inline void encodeForEveryProvider(const canonical::ChatRequest& request, canonical::Arena& arena) {
  static const std::unique_ptr<providers::TargetCodec> codecs[] = {
      codecOf("openai"), codecOf("azure"), codecOf("anthropic"), codecOf("gemini"), codecOf("bedrock")};
  std::string head;
  std::string body;
  for (const auto& codec : codecs) {
    if (codec->encode(request, arena, head, body)) continue;  // a field the target cannot carry
    expectJson(body, "upstream request body is not JSON");
    expectHead(head, "upstream request head is malformed");
  }
}

}  // namespace switchyard::fuzzing
