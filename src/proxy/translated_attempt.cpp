#include "proxy/translated_attempt.h"

#include "base/executor.h"
#include "proxy/gateway_metrics.h"

#include <algorithm>
#include <array>

#include <boost/beast/http/field.hpp>

#include "canonical/context_limit.h"
#include "canonical/usage_scan.h"
#include "proxy/pii_restoring_encoder.h"
#include "canonical/stream_codec.h"
#include "proxy/attempt_support.h"
#include "proxy/client_errors.h"
#include "proxy/response_headers.h"
#include "proxy/stream_continuation.h"
#include "resilience/failover_policy.h"
#include "surfaces/anthropic/messages.h"
#include "surfaces/openai/translate.h"

namespace switchyard::proxy {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using base::FailureKind;
using Kind = AttemptOutcome::Kind;

namespace {

void renderResponse(canonical::Dialect surface, const canonical::ChatResponse& response, std::string& out) {
  if (surface == canonical::Dialect::Anthropic) {
    surfaces::anthropic::renderMessage(response, out);
  } else {
    surfaces::openai::renderChatCompletion(response, out);
  }
}

std::string errorDetail(int status, const canonical::Error& error) {
  std::string detail = "HTTP " + std::to_string(status);
  if (!error.message.empty()) {
    detail.append(" (").append(error.message.substr(0, kDetailMax)).append(")");
  }
  return detail;
}

// A non-2xx answer: another target may do better (429, 5xx...), or the client's request is at fault
// and the client sees the provider's error in its own dialect.
Task<AttemptOutcome> handleErrorAnswer(const TranslatedInput& input, UpstreamLease& connection,
                                                         SteadyTime attempt_deadline, http::ResponseWriter& writer) {
  const int status = static_cast<int>(connection->header().result_int());
  std::string answer;
  if (const auto ec = co_await readWholeBody(*connection, answer, attempt_deadline)) {
    co_return failed(ioFailure(ec, false, attempt_deadline, input.deadline, FailureKind::AttemptTimeout),
                     "body: " + tooLargeOr(ec, input.route.limits.max_response_bytes), status);
  }
  const canonical::Error error = input.codec.decodeError(status, answer, input.arena);
  if (input.context_fallback && error.category == canonical::ErrorCategory::ContextLengthExceeded) {
    connection.release();
    auto outcome = failed(FailureKind::ContextLength, errorDetail(status, error), status);
    outcome.context_limit = canonical::contextLimitFromError(answer);
    co_return outcome;
  }
  if (resilience::isFailoverStatus(status)) {
    auto outcome = failed(FailureKind::UpstreamStatus, errorDetail(status, error), status);
    outcome.retry_after = retryAfterOf(connection->header());
    connection.release();
    co_return outcome;
  }
  connection.release();
  http::Response response = providerError(input.surface, writer.requestId(), error);
  setSwitchyardHeaders(response, input.route.name, input.target.id, input.attempt_number);
  AttemptOutcome outcome;
  outcome.kind = Kind::Delivered;
  outcome.status = response.result_int();
  if (!input.race.claim()) co_return hedgeLost();
  if (co_await writer.send(std::move(response))) co_return AttemptOutcome{Kind::ClientGone};
  co_return outcome;
}

Task<AttemptOutcome> deliverWhole(const TranslatedInput& input, UpstreamLease& connection,
                                                    SteadyTime attempt_deadline, http::ResponseWriter& writer) {
  const int status = static_cast<int>(connection->header().result_int());
  std::string answer;
  reserveForBody(*connection, answer);
  if (const auto ec = co_await readWholeBody(*connection, answer, attempt_deadline)) {
    co_return failed(ioFailure(ec, false, attempt_deadline, input.deadline, FailureKind::AttemptTimeout),
                     "body: " + tooLargeOr(ec, input.route.limits.max_response_bytes), status);
  }
  connection.release();
  canonical::ChatResponse response(input.arena);
  std::string why;
  if (!input.codec.decodeResponse(answer, input.arena, response, why)) {
    co_return failed(FailureKind::MalformedResponse, "answer: " + why.substr(0, kDetailMax), status);
  }
  AttemptOutcome outcome;
  outcome.kind = Kind::Delivered;
  outcome.status = 200;
  // A decoder leaves the usage at zero when the answer had none: no answer costs nothing.
  const canonical::Usage& usage = response.usage;
  outcome.usage = usage;
  outcome.usage_known = usage.input_tokens != 0 || usage.output_tokens != 0 || usage.cache_read_tokens != 0 ||
                        usage.cache_write_tokens != 0;
  std::string rendered;
  rendered.reserve(answer.size() + 256);
  renderResponse(input.surface, response, rendered);
  if (input.restorer != nullptr) input.restorer->restoreJson(rendered);
  std::string header_lines = answerHeaderLines("application/json", input.served_by, input.attempt_number);
  appendCostHeader(header_lines, input.price, outcome);
  if (!input.race.claim()) {
    AttemptOutcome lost = hedgeLost();
    lost.usage = outcome.usage;
    lost.usage_known = outcome.usage_known;
    co_return lost;
  }
  journalBeforeTheEnd(input.journal, input.target, input.price, outcome.usage, outcome.usage_known);
  if (co_await writer.send(beast_http::status::ok, header_lines, rendered)) {
    outcome.kind = Kind::ClientGone;
    outcome.status = 0;
  }
  co_return outcome;
}

// Feeds decoded events to the client's encoder (and to the record of what the client got, for a
// continuation); notes when the answer proper has begun.
class EncodingSink final : public canonical::EventSink {
 public:
  EncodingSink(canonical::StreamEncoder& encoder, std::string& out, canonical::PartialAnswer* partial)
      : encoder_(encoder), out_(out), partial_(partial) {}
  void onEvent(const canonical::StreamEvent& event) override {
    if (event.type != canonical::EventType::Start && event.type != canonical::EventType::Usage) answered = true;
    ++events;
    noteUsage(usage, event);
    if (partial_ != nullptr) partial_->onEvent(event);
    encoder_.encode(event, out_);
  }
  // The answer got too long to be continued (limits.max_resume_bytes): stop recording it.
  void stopRecording() { partial_ = nullptr; }
  bool answered = false;
  std::size_t events = 0;  // what timeouts.inter_token waits for: events, not bytes or comments
  canonical::StreamUsageMeter usage;  // what the decoded events say the answer cost

 private:
  canonical::StreamEncoder& encoder_;
  std::string& out_;
  canonical::PartialAnswer* partial_;
};

// The client left mid-stream: what was read until then was still spent.
AttemptOutcome clientGone(const EncodingSink& sink) {
  AttemptOutcome outcome{Kind::ClientGone};
  setUsage(outcome, sink.usage);
  return outcome;
}

// What broke a stream after the client got part of it, into the outcome. (This and the next are plain
// functions so that what they work with stays out of the stream's coroutine frame.)
void noteBreak(const canonical::StreamDecoder& decoder, std::size_t relayed, AttemptOutcome& outcome) {
  const canonical::DecodeState state = decoder.state();
  if (state == canonical::DecodeState::Error) {
    outcome.failure = FailureKind::UpstreamError;
    outcome.detail = "upstream error event after " + std::to_string(relayed) + " bytes";
  } else if (outcome.failure == FailureKind::None) {
    const bool malformed = state == canonical::DecodeState::Malformed;
    outcome.failure = malformed ? FailureKind::MalformedResponse : FailureKind::StreamCut;
    outcome.detail = malformed ? std::string(decoder.error().message) : "stream ended early";
  }
}

// The end of a broken stream that is not continued: the provider's error, or ours, in the client's
// dialect, appended to `out`.
void endBrokenStream(const TranslatedInput& input, const canonical::StreamDecoder& decoder,
                     canonical::StreamEncoder& encoder, const AttemptOutcome& outcome, std::size_t relayed,
                     std::string_view request_id, std::string& out) {
  canonical::Error error{502, canonical::ErrorCategory::Server, {}, {}, "stream_interrupted"};
  std::string message;
  if (decoder.state() == canonical::DecodeState::Error) {
    error = decoder.error();
  } else {
    message = "The upstream stream from " + input.target.id + " broke after " + std::to_string(relayed) +
              " bytes (" + outcome.detail + "); the answer is incomplete.";
    error.message = message;
    if (outcome.failure == FailureKind::DeadlineExceeded) {
      error.category = canonical::ErrorCategory::Timeout;
      error.code = "deadline_exceeded";
    }
  }
  error.request_id = request_id;
  encoder.fail(error, out);
}

// Decodes what `pending` holds completely; drops the consumed bytes.
void decodePending(canonical::StreamDecoder& decoder, std::string& pending, EncodingSink& sink) {
  const std::size_t consumed = decoder.decode(pending, sink);
  pending.erase(0, consumed);
}

Task<AttemptOutcome> deliverStream(const TranslatedInput& input, UpstreamLease& connection,
                                                     SteadyTime first_token_deadline, http::ResponseWriter& writer) {
  auto decoder = input.codec.streamDecoder();
  std::unique_ptr<canonical::StreamEncoder> encoder = makeClientEncoder(input.surface, input.include_usage);
  if (input.restorer != nullptr) encoder = std::make_unique<PiiRestoringEncoder>(std::move(encoder), *input.restorer);
  // Only a continuable stream records what the client got.
  auto partial = input.broken != nullptr ? std::make_unique<canonical::PartialAnswer>() : nullptr;
  std::string pending;  // upstream bytes not yet decoded
  pending.reserve(4096);
  std::string out;      // client bytes not yet written
  out.reserve(4096);
  EncodingSink sink(*encoder, out, partial.get());
  bool done = false;
  using canonical::DecodeState;

  // Until the first token, any failure is invisible to the client: fail over.
  while (!sink.answered && decoder->state() == DecodeState::More) {
    if (done) {
      decoder->endOfBody(sink);
      break;
    }
    const auto ec = co_await connection->readSome(pending, done, first_token_deadline);
    if (ec) {
      co_return failed(ioFailure(ec, false, first_token_deadline, input.deadline, FailureKind::FirstTokenTimeout),
                       "stream: " + ec.message(), 200);
    }
    decodePending(*decoder, pending, sink);
    if (!sink.answered && pending.size() > input.route.limits.max_event_bytes) {
      co_return failed(FailureKind::EventTooLarge, eventTooLarge(input.route.limits.max_event_bytes), 200);
    }
  }
  if (decoder->state() == DecodeState::Error) {
    co_return failed(FailureKind::UpstreamError,
                     "error event: " + std::string(decoder->error().message.substr(0, kDetailMax)), 200);
  }
  if (decoder->state() == DecodeState::Malformed || !sink.answered) {
    const std::string why = decoder->state() == DecodeState::Malformed
                                ? std::string(decoder->error().message.substr(0, kDetailMax))
                                : "stream ended before its first event";
    co_return failed(FailureKind::MalformedResponse, why, 200);
  }

  if (!input.race.claim()) {
    connection->close();
    co_return hedgeLost();
  }
  writer.beginStream(beast_http::status::ok, streamHeaderLines(input.served_by, input.attempt_number));
  AttemptOutcome outcome;
  outcome.kind = Kind::Delivered;
  outcome.first_token_at = std::chrono::steady_clock::now();
  outcome.status = 200;
  std::size_t relayed = 0;
  std::size_t events = sink.events;
  SteadyTime last_event_at = outcome.first_token_at;
  for (;;) {
    const DecodeState state = decoder->state();
    if (state == DecodeState::More && done) {
      decoder->endOfBody(sink);
      continue;
    }
    if (state == DecodeState::Done) encoder->finish(out);
    const bool last = state != DecodeState::More;
    if (last && state != DecodeState::Done) break;  // the error event is written below
    if (!out.empty() || last) {
      if (last) journalBeforeTheEnd(input.journal, input.target, input.price, sink.usage);
      if (co_await writer.writeChunk(out, last)) co_return clientGone(sink);
      relayed += out.size();
      out.clear();
    }
    if (last) break;
    // Silence longer than inter_token (since the last event, whatever bytes came) counts as a broken
    // stream; the total deadline still bounds all.
    const SteadyTime silence_limit = std::min(last_event_at + input.route.timeouts.inter_token, input.deadline);
    const auto ec = co_await connection->readSome(pending, done, silence_limit);
    if (ec) {
      const bool total = ec == beast::error::timeout && silence_limit >= input.deadline;
      outcome.failure = total ? FailureKind::DeadlineExceeded : FailureKind::StreamCut;
      outcome.detail = ec == beast::error::timeout && !total ? "no event within inter_token" : ec.message();
      break;
    }
    decodePending(*decoder, pending, sink);
    if (sink.events != events) {
      const SteadyTime now = std::chrono::steady_clock::now();
      if (input.metrics != nullptr) input.metrics->tokenGap(now - last_event_at, sink.events - events - 1);
      events = sink.events;
      last_event_at = now;
    }
    if (partial && partial->text().size() > input.route.limits.max_resume_bytes) {
      sink.stopRecording();
      partial.reset();
    }
    if (decoder->state() == DecodeState::More && pending.size() > input.route.limits.max_event_bytes) {
      outcome.failure = FailureKind::EventTooLarge;
      outcome.detail = eventTooLarge(input.route.limits.max_event_bytes);
      break;
    }
  }

  if (decoder->state() == DecodeState::Done) {
    // Read what follows the end marker so the connection can serve again.
    pending.clear();
    if (!done && co_await readWholeBody(*connection, pending, input.deadline)) connection->close();
    connection.release();
    setUsage(outcome, sink.usage);
    co_return outcome;
  }
  noteBreak(*decoder, relayed, outcome);
  connection->close();
  setUsage(outcome, sink.usage);
  if (input.broken != nullptr && partial && outcome.failure != FailureKind::DeadlineExceeded) {
    // Left open: the flow continues the answer on another target with this encoder.
    if (!out.empty() && co_await writer.writeChunk(out, false)) co_return clientGone(sink);
    input.broken->open = true;
    input.broken->encoder = std::move(encoder);
    input.broken->partial = std::move(partial);
    input.broken->failure = outcome.failure;
    input.broken->detail = outcome.detail;
    co_return outcome;
  }
  endBrokenStream(input, *decoder, *encoder, outcome, relayed, writer.requestId(), out);
  journalBeforeTheEnd(input.journal, input.target, input.price, sink.usage);
  if (co_await writer.writeChunk(out, true)) co_return clientGone(sink);
  co_return outcome;
}

}  // namespace

Task<AttemptOutcome> runTranslatedAttempt(const TranslatedInput& input, http::ClientPool& pool,
                                                            http::ResponseWriter& writer) {
  const auto pieces = withHeadLines(input.head, writer.requestIdLine(), input.trace_lines, input.body);
  UpstreamLease connection(pool, input.client, input.race.gate, input.race.racer);
  const auto opened = co_await openExchange(connection, pieces, input.route, input.deadline, input.stream, input.quota);
  if (!opened.ok) co_return opened.failure;
  const int status = static_cast<int>(connection->header().result_int());
  if (status < 200 || status >= 300) {
    co_return co_await handleErrorAnswer(input, connection, opened.attempt_deadline, writer);
  }
  if (input.stream) co_return co_await deliverStream(input, connection, opened.first_token_deadline, writer);
  co_return co_await deliverWhole(input, connection, opened.attempt_deadline, writer);
}

}  // namespace switchyard::proxy
