#include "proxy/stream_continuation.h"

#include <array>

#include "http/sse.h"
#include "observability/log.h"
#include "proxy/attempt_support.h"
#include "surfaces/anthropic/messages.h"
#include "surfaces/openai/errors.h"
#include "surfaces/openai/translate.h"

namespace switchyard::proxy {

namespace beast = boost::beast;
using base::FailureKind;
using canonical::DecodeState;
using Kind = AttemptOutcome::Kind;

std::unique_ptr<canonical::StreamEncoder> makeClientEncoder(canonical::Dialect surface, bool include_usage) {
  if (surface == canonical::Dialect::Anthropic) return surfaces::anthropic::makeStreamEncoder();
  return surfaces::openai::makeStreamEncoder(include_usage);
}

std::string streamErrorEvent(canonical::Dialect dialect, std::string_view message, std::string_view code) {
  if (dialect == canonical::Dialect::Anthropic) {
    const canonical::Error error{502, canonical::ErrorCategory::Server, message, {}, code};
    std::string event;
    surfaces::anthropic::makeStreamEncoder()->fail(error, event);
    return event;
  }
  surfaces::openai::ClientError error{502, std::string(message), "server_error", {}, std::string(code)};
  return http::sseData(surfaces::openai::renderError(error));
}

namespace {

// Records what the client got and keeps the client's encoder in step, output thrown away: how a
// forwarded stream's state is rebuilt from the bytes the client received.
class ReplaySink final : public canonical::EventSink {
 public:
  ReplaySink(canonical::PartialAnswer& partial, canonical::StreamEncoder& encoder)
      : partial_(partial), encoder_(encoder) {}
  void onEvent(const canonical::StreamEvent& event) override {
    partial_.onEvent(event);
    encoder_.encode(event, scratch_);
    scratch_.clear();
  }

 private:
  canonical::PartialAnswer& partial_;
  canonical::StreamEncoder& encoder_;
  std::string scratch_;
};

// The continuation's events, spliced, into the client's encoder; notes when text began to flow.
class ClientSink final : public canonical::EventSink {
 public:
  ClientSink(canonical::StreamEncoder& encoder, std::string& out) : encoder_(encoder), out_(out) {}
  void onEvent(const canonical::StreamEvent& event) override {
    if (event.type != canonical::EventType::Start && event.type != canonical::EventType::Usage) answered = true;
    encoder_.encode(event, out_);
  }
  bool answered = false;

 private:
  canonical::StreamEncoder& encoder_;
  std::string& out_;
};

// Anthropic models continue from an assistant prefix (prefill); others are asked to continue.
canonical::ContinuationStyle styleFor(const providers::TargetCodec& codec) {
  if (codec.dialect() == canonical::Dialect::Anthropic) return canonical::ContinuationStyle::AssistantPrefix;
  if (codec.dialect() == canonical::Dialect::Bedrock && codec.upstreamModel().find("anthropic.") != std::string::npos) {
    return canonical::ContinuationStyle::AssistantPrefix;
  }
  return canonical::ContinuationStyle::Instruction;
}

enum class Continued { Completed, FailedBeforeText, BrokeAfterText, ClientGone };

// One continuation attempt on `target`: nothing reaches the client before its first text.
boost::asio::awaitable<Continued> continueOn(const ContinuationInput& input, const routing::TargetRef& target,
                                             canonical::StreamEncoder& encoder, const canonical::PartialAnswer& partial,
                                             http::ResponseWriter& writer, std::string& why) {
  const auto& codec = *input.state.codecs[target.slot];
  canonical::ChatRequest request(input.arena);
  canonical::buildContinuation(input.request, partial, styleFor(codec), input.arena, request);
  std::string head;
  std::string body;
  if (auto error = codec.encode(request, input.arena, head, body)) {
    why = "cannot carry the continuation: " + std::string(error->message);
    co_return Continued::FailedBeforeText;
  }
  auto& pool = *input.pools[target.provider];
  const std::array<boost::asio::const_buffer, 2> pieces{boost::asio::buffer(head), boost::asio::buffer(body)};
  UnwatchOnExit unwatch{input.client};
  auto opened = co_await openExchange(pool, pieces, input.route.timeouts, input.deadline, true, input.client);
  if (!opened.connection) {
    why = std::string(base::toToken(opened.failure.failure)) + " " + opened.failure.detail;
    co_return Continued::FailedBeforeText;
  }
  auto& connection = *opened.connection;
  const int status = static_cast<int>(connection.header().result_int());
  if (status < 200 || status >= 300) {
    connection.close();
    why = "HTTP " + std::to_string(status);
    co_return Continued::FailedBeforeText;
  }
  auto decoder = codec.streamDecoder();
  std::string out;
  ClientSink client(encoder, out);
  canonical::ContinuationSplicer splicer(partial, client);
  std::string pending;
  bool done = false;
  bool wrote = false;
  for (;;) {
    if (done && decoder->state() == DecodeState::More) decoder->endOfBody(splicer);
    const DecodeState state = decoder->state();
    if (state == DecodeState::Done) {
      splicer.flush();
      encoder.finish(out);
      if (co_await writer.writeChunk(out, true)) co_return Continued::ClientGone;
      std::string rest;
      if (!done && co_await readWholeBody(connection, rest, input.deadline)) connection.close();
      if (connection.reusable()) pool.release(std::move(opened.connection));
      co_return Continued::Completed;
    }
    if (state != DecodeState::More) {
      connection.close();
      why = state == DecodeState::Error ? "error event: " + std::string(decoder->error().message)
                                        : "malformed: " + std::string(decoder->error().message);
      co_return wrote ? Continued::BrokeAfterText : Continued::FailedBeforeText;
    }
    if (client.answered && !out.empty()) {
      if (co_await writer.writeChunk(out, false)) co_return Continued::ClientGone;
      out.clear();
      wrote = true;
    }
    const SteadyTime limit = wrote ? std::min(std::chrono::steady_clock::now() + input.route.timeouts.inter_token,
                                              input.deadline)
                                   : opened.first_token_deadline;
    if (const auto ec = co_await connection.readSome(pending, done, limit)) {
      connection.close();
      why = ec == beast::error::timeout ? "no event in time" : ec.message();
      co_return wrote ? Continued::BrokeAfterText : Continued::FailedBeforeText;
    }
    pending.erase(0, decoder->decode(pending, splicer));
  }
}

}  // namespace

boost::asio::awaitable<ContinuationOutcome> continueStream(const ContinuationInput& input, BrokenStream& broken,
                                                           http::ResponseWriter& writer) {
  ContinuationOutcome result;
  result.outcome.kind = Kind::Delivered;
  result.outcome.status = 200;
  result.outcome.failure = broken.failure;
  result.outcome.detail = broken.detail;
  // A forwarded stream: rebuild what the client got, and an encoder in the same state, from its bytes.
  if (!broken.encoder) {
    broken.encoder = makeClientEncoder(input.surface, input.include_usage);
    broken.partial = std::make_unique<canonical::PartialAnswer>();
    ReplaySink replay(*broken.partial, *broken.encoder);
    if (broken.relayed_codec != nullptr) broken.relayed_codec->streamDecoder()->decode(broken.relayed, replay);
  }
  auto& encoder = *broken.encoder;
  const auto& partial = *broken.partial;
  std::string out;
  if (partial.finished()) {
    // Only the end marker was lost: the answer is whole.
    encoder.finish(out);
    if (co_await writer.writeChunk(out, true)) result.outcome.kind = Kind::ClientGone;
    result.outcome.failure = FailureKind::None;
    co_return result;
  }
  std::string why = broken.detail;
  if (partial.started() && partial.toolCallsStarted() == 0) {
    for (const std::size_t index : input.candidates) {
      if (std::chrono::steady_clock::now() >= input.deadline || input.client.gone) break;
      const routing::TargetRef& target = input.route.targets[index];
      auto& health = *input.state.health[target.health];
      const auto admission = health.admit(std::chrono::steady_clock::now());
      if (admission == resilience::Admission::Rejected) continue;
      ++result.attempts;
      const auto started = std::chrono::steady_clock::now();
      const Continued continued = co_await continueOn(input, target, encoder, partial, writer, why);
      const auto ended = std::chrono::steady_clock::now();
      if (continued == Continued::ClientGone) {
        health.recordAbandoned(admission);
        result.outcome.kind = Kind::ClientGone;
        co_return result;
      }
      if (continued == Continued::Completed) {
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(ended - started);
        health.recordSuccess(ended, admission, elapsed, elapsed);
        result.continued_by = &target;
        result.outcome.failure = FailureKind::None;
        co_return result;
      }
      health.recordFailure(ended, admission, FailureKind::StreamCut, why);
      observability::log(observability::LogLevel::Warn, "continuation failed",
                         {{"route", input.route.name}, {"target", target.id}, {"detail", why}});
      if (continued == Continued::BrokeAfterText) break;  // the client's stream now holds two parts
    }
  }
  const std::string message = "The stream broke (" + broken.detail + ") and could not be continued (" + why +
                              "); the answer is incomplete.";
  canonical::Error error{502, canonical::ErrorCategory::Server, message, {}, "stream_interrupted"};
  encoder.fail(error, out);
  if (co_await writer.writeChunk(out, true)) result.outcome.kind = Kind::ClientGone;
  co_return result;
}

}  // namespace switchyard::proxy
