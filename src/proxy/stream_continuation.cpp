#include "proxy/stream_continuation.h"

#include "base/executor.h"
#include "proxy/target_plan.h"

#include <array>

#include "http/sse.h"
#include "observability/log.h"
#include "canonical/resume_filter.h"
#include "canonical/usage_scan.h"
#include "providers/prefill_support.h"
#include "proxy/attempt_support.h"
#include "proxy/gateway_metrics.h"
#include "proxy/request_trace.h"
#include "surfaces/anthropic/messages.h"
#include "surfaces/openai/errors.h"
#include "surfaces/openai/translate.h"

namespace switchyard::proxy {

namespace beast = boost::beast;
using base::FailureKind;
using canonical::DecodeState;
using Kind = AttemptOutcome::Kind;

std::string streamErrorEvent(canonical::Dialect dialect, std::string_view message, std::string_view code,
                             std::string_view request_id) {
  if (dialect == canonical::Dialect::Anthropic) {
    const canonical::Error error{502, canonical::ErrorCategory::Server, message, {}, code, request_id};
    std::string event;
    surfaces::anthropic::makeStreamEncoder()->fail(error, event);
    return event;
  }
  surfaces::openai::ClientError error{502, std::string(message), "server_error", {}, std::string(code),
                                      std::string(request_id)};
  return http::sseData(surfaces::openai::renderError(error));
}

namespace {

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

// Notes what the continuation's upstream spends (its own usage, before any splicing) on the way to
// the sink that splices its events into the client's stream.
class UsageTap final : public canonical::EventSink {
 public:
  UsageTap(canonical::EventSink& next, canonical::StreamUsageMeter& meter) : next_(next), meter_(meter) {}
  void onEvent(const canonical::StreamEvent& event) override {
    noteUsage(meter_, event);
    next_.onEvent(event);
  }

 private:
  canonical::EventSink& next_;
  canonical::StreamUsageMeter& meter_;
};

// How one continuation attempt asks a target for the rest of the answer.
enum class Resume : std::uint8_t {
  Prefill,      // the partial text as a trailing assistant turn, in the target's documented way
  Replay,       // the original request again; the repeat of what the client has is discarded
  Instruction,  // best effort only: the partial text, then a user turn asking to continue it
};

std::string_view toString(Resume resume) {
  switch (resume) {
    case Resume::Prefill: return "prefill";
    case Resume::Replay: return "replay";
    case Resume::Instruction: return "instruction";
  }
  return "";
}

enum class Continued {
  Completed,
  FailedBeforeText,
  BrokeAfterText,
  PrefillRefused,  // a 400 saying the target refuses an assistant prefill: learnt, then a replay
  Diverged,        // a replay whose answer is not the one the client has: another model, not a failure
  ClientGone,
};

// The continuation request for `resume`, encoded for `codec` into `head`/`body`.
std::optional<canonical::Error> encodeContinuation(const ContinuationInput& input, const providers::TargetCodec& codec,
                                                   canonical::Prefill prefill, Resume resume,
                                                   const canonical::PartialAnswer& partial, std::string& head,
                                                   std::string& body) {
  // A replay is the client's own request (a stream, as only streams are continued).
  if (resume == Resume::Replay) return codec.encode(input.request, input.arena, head, body);
  canonical::ChatRequest request(input.arena);
  const auto style = resume == Resume::Prefill ? canonical::ContinuationStyle::AssistantPrefix
                                               : canonical::ContinuationStyle::Instruction;
  canonical::buildContinuation(input.request, partial, style, input.arena, request);
  if (resume == Resume::Prefill) request.prefill = prefill;
  return codec.encode(request, input.arena, head, body);
}

// One continuation attempt on `target`: nothing reaches the client before the answer is known to go
// on from what the client has (its first text after a prefill; its first text past the repeat of a
// replay).
Task<Continued> continueOn(const ContinuationInput& input, const routing::TargetRef& target,
                                             Resume resume, canonical::StreamEncoder& encoder,
                                             const canonical::PartialAnswer& partial, http::ResponseWriter& writer,
                                             std::string& why, canonical::StreamUsageMeter& spent,
                                             const AttemptOutcome& before, std::string_view trace_lines) {
  const auto& codec = *input.state.codecs[target.slot];
  std::string head;
  std::string body;
  if (auto error = encodeContinuation(input, codec, input.state.prefill[target.slot], resume, partial, head, body)) {
    why = "cannot carry the continuation: " + std::string(error->message);
    co_return Continued::FailedBeforeText;
  }
  const auto pieces = withHeadLines(head, writer.requestIdLine(), trace_lines, body);
  UpstreamLease connection(*input.pools[target.provider], input.client);
  accounting::QuotaTracker* const quota = &input.state.learned[target.health]->quota;
  const auto opened = co_await openExchange(connection, pieces, input.route, input.deadline, true, quota);
  if (!opened.ok) {
    why = std::string(base::toToken(opened.failure.failure)) + " " + opened.failure.detail;
    co_return Continued::FailedBeforeText;
  }
  const int status = static_cast<int>(connection->header().result_int());
  if (status < 200 || status >= 300) {
    std::string answer;
    const bool read = !co_await readWholeBody(*connection, answer, opened.attempt_deadline);
    const canonical::Error error = codec.decodeError(status, answer, input.arena);
    why = "HTTP " + std::to_string(status) + " " + std::string(error.message.substr(0, kDetailMax));
    if (read) connection.release();
    if (resume == Resume::Prefill && status == 400 && providers::saysPrefillUnsupported(error.message)) {
      co_return Continued::PrefillRefused;
    }
    co_return Continued::FailedBeforeText;
  }
  auto decoder = codec.streamDecoder();
  std::string out;
  ClientSink client(encoder, out);
  // A prefill's answer goes on from the partial text (its repeated overlap removed); a replay's or
  // an instruction's is matched against it first.
  canonical::ContinuationSplicer splicer(partial, client);
  const auto mode = resume == Resume::Replay ? canonical::ResumeFilter::Mode::Exact
                                             : canonical::ResumeFilter::Mode::BestEffort;
  canonical::ResumeFilter resumer(partial, resume == Resume::Instruction ? static_cast<canonical::EventSink&>(splicer)
                                                                         : static_cast<canonical::EventSink&>(client),
                                  mode);
  canonical::EventSink& splice = resume == Resume::Prefill ? static_cast<canonical::EventSink&>(splicer)
                                                           : static_cast<canonical::EventSink&>(resumer);
  UsageTap sink(splice, spent);
  std::string pending;
  bool done = false;
  bool wrote = false;
  for (;;) {
    if (done && decoder->state() == DecodeState::More) decoder->endOfBody(sink);
    if (resumer.state() == canonical::ResumeFilter::State::Diverged) {
      why = "its answer is not the one the client has (replay diverged)";
      co_return Continued::Diverged;
    }
    const DecodeState state = decoder->state();
    if (state == DecodeState::Done) {
      if (resume == Resume::Prefill) splicer.flush();
      encoder.finish(out);
      if (input.journal != nullptr) {
        AttemptOutcome total = before;  // what the earlier continuation attempts spent, plus this one
        addUsage(total, spent);
        journalBeforeTheEnd(input.journal, target, &target.price, total.usage, total.usage_known);
      }
      if (co_await writer.writeChunk(out, true)) co_return Continued::ClientGone;
      std::string rest;
      if (!done && co_await readWholeBody(*connection, rest, input.deadline)) connection->close();
      connection.release();
      co_return Continued::Completed;
    }
    if (state != DecodeState::More) {
      connection->close();
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
    if (const auto ec = co_await connection->readSome(pending, done, limit)) {
      connection->close();
      why = ec == beast::error::timeout ? "no event in time" : ec.message();
      co_return wrote ? Continued::BrokeAfterText : Continued::FailedBeforeText;
    }
    pending.erase(0, decoder->decode(pending, sink));
  }
}

// One continuation attempt into the request's trace: a span of its own, marked as a continuation.
void traceContinuation(const ContinuationInput& input, const routing::TargetRef& target,
                       const observability::SpanId& span, SteadyTime started, Continued continued,
                       const std::string& why, const canonical::StreamUsageMeter& spent, int number) {
  if (input.trace == nullptr || !input.trace->sampled()) return;
  AttemptOutcome outcome;
  outcome.kind = continued == Continued::Completed ? Kind::Delivered
                 : continued == Continued::ClientGone ? Kind::ClientGone
                                                      : Kind::Failed;
  if (continued == Continued::PrefillRefused) {
    outcome.failure = FailureKind::UpstreamStatus;
    outcome.status = 400;
  } else if (continued == Continued::FailedBeforeText || continued == Continued::BrokeAfterText ||
             continued == Continued::Diverged) {
    outcome.failure = FailureKind::StreamCut;
  }
  if (outcome.failure != FailureKind::None) outcome.detail = why;
  setUsage(outcome, spent);
  const std::string_view result = continued == Continued::Completed    ? std::string_view("ok")
                                  : continued == Continued::ClientGone ? std::string_view("client_gone")
                                                                       : base::toToken(outcome.failure);
  input.trace->attempt({target, input.state.metrics.targets[target.health]->provider_name, span, started, number,
                        false, true, outcome, result});
}

// The ways to ask `target` for the rest, best first: its prefill when it has one (and has not
// refused it), else a replay, then (best effort only) an instruction.
std::vector<Resume> resumesFor(const ContinuationInput& input, const routing::TargetRef& target) {
  std::vector<Resume> resumes;
  const bool refused = input.state.learned[target.health]->refuses_prefill.load(std::memory_order_relaxed);
  if (input.state.prefill[target.slot] != canonical::Prefill::None && !refused) resumes.push_back(Resume::Prefill);
  resumes.push_back(Resume::Replay);
  if (input.route.best_effort_continuation) resumes.push_back(Resume::Instruction);
  return resumes;
}

}  // namespace

Task<ContinuationOutcome> continueStream(const ContinuationInput& input, BrokenStream& broken,
                                                           http::ResponseWriter& writer) {
  ContinuationOutcome result;
  result.outcome.kind = Kind::Delivered;
  result.outcome.status = 200;
  result.outcome.failure = broken.failure;
  result.outcome.detail = broken.detail;
  // A forwarded stream: decode what the record still holds.
  broken.settle(input.surface);
  if (broken.too_long) {
    const std::string event = streamErrorEvent(
        input.surface, "The stream broke (" + broken.detail + ") after an answer longer than limits.max_resume_bytes, "
                       "which is not continued; the answer is incomplete.", "stream_interrupted", writer.requestId());
    if (co_await writer.writeChunk(event, true)) result.outcome.kind = Kind::ClientGone;
    co_return result;
  }
  auto& encoder = *broken.encoder;
  encoder.setIncludeUsage(input.include_usage);
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
      const routing::TargetRef& target = input.route.targets[index];
      if (!targetAllowed(input.state, target, input.required_classes)) continue;  // fail closed (the plan's are allowed)
      auto& health = *input.state.health[target.health];
      std::vector<Resume> resumes = resumesFor(input, target);
      bool broke_after_text = false;
      for (std::size_t r = 0; r < resumes.size(); ++r) {
        if (std::chrono::steady_clock::now() >= input.deadline || input.client.gone || input.client.shutdown) {
          if (input.client.shutdown) why = "the gateway is shutting down";
          break;
        }
        const auto admission = health.admit(std::chrono::steady_clock::now());
        if (admission == resilience::Admission::Rejected) break;
        ++result.attempts;
        if (observability::enabled(observability::LogLevel::Debug)) {
          observability::log(observability::LogLevel::Debug, "continuation attempt",
                             {{"request_id", writer.requestId()}, {"route", input.route.name}, {"target", target.id},
                              {"resume", toString(resumes[r])}});
        }
        const auto started = std::chrono::steady_clock::now();
        canonical::StreamUsageMeter spent;
        observability::SpanId span;
        std::string trace_lines;
        if (input.trace != nullptr) {
          span = input.trace->attemptSpan();
          input.trace->upstreamLines(span, trace_lines);
        }
        const Continued continued = co_await continueOn(input, target, resumes[r], encoder, partial, writer, why, spent,
                                                        result.outcome, trace_lines);
        const auto ended = std::chrono::steady_clock::now();
        addUsage(result.outcome, spent);
        traceContinuation(input, target, span, started, continued, why, spent, result.attempts);
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
        if (continued == Continued::PrefillRefused) {
          // Learnt for the process's life; the same target is asked again without a prefill.
          health.recordAbandoned(admission);
          if (!input.state.learned[target.health]->refuses_prefill.exchange(true)) {
            observability::log(observability::LogLevel::Warn, "target refuses assistant prefill",
                               {{"request_id", writer.requestId()}, {"target", target.id}, {"detail", why}});
          }
          continue;
        }
        // A replay that says something else is not the target's failure: another model's answer.
        if (continued == Continued::Diverged) {
          health.recordAbandoned(admission);
        } else {
          health.recordFailure(ended, admission, FailureKind::StreamCut, why);
        }
        observability::log(observability::LogLevel::Warn, "continuation failed",
                           {{"request_id", writer.requestId()}, {"route", input.route.name}, {"target", target.id},
                            {"resume", toString(resumes[r])}, {"detail", why}});
        if (continued == Continued::BrokeAfterText) {
          broke_after_text = true;  // the client's stream now holds two parts
          break;
        }
      }
      if (broke_after_text) break;
    }
  }
  const std::string message = "The stream broke (" + broken.detail + ") and could not be continued (" + why +
                              "); the answer is incomplete.";
  canonical::Error error{502, canonical::ErrorCategory::Server, message, {}, "stream_interrupted", writer.requestId()};
  encoder.fail(error, out);
  if (co_await writer.writeChunk(out, true)) result.outcome.kind = Kind::ClientGone;
  co_return result;
}

}  // namespace switchyard::proxy
