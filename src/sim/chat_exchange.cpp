#include "sim/chat_exchange.h"

#include "sim/chat_request.h"
#include "sim/fault.h"
#include "sim/openai_responses.h"
#include "sim/response_builder.h"

#include <boost/json.hpp>

#include <ctime>

namespace switchyard::sim {
namespace {

namespace json = boost::json;

constexpr std::string_view kFaultHeader = "x-sim-fault";
constexpr std::string_view kFaultField = "sim_fault";
constexpr std::string_view kMalformedBody = R"({"id": "chatcmpl-x", "choices": [)";
constexpr std::string_view kMalformedEvent = "data: {not json\n\n";

// One chat request's answer in the making.
struct Exchange {
  tcp::socket& socket;
  const StringRequest& request;
  SimState& state;
  Fault fault;
  std::string request_id;
};

// The header wins over the body field, which wins over the queue.
FaultResult chooseFault(const StringRequest& request, const json::value* body, SimState& state) {
  if (auto header = request.find(kFaultHeader); header != request.end()) {
    auto fault = parseFaultText(header->value());
    if (!fault) return FaultResult(boost::system::in_place_error, "x-sim-fault: " + fault.error());
    return fault;
  }
  if (body != nullptr && body->is_object()) {
    if (const auto* field = body->get_object().if_contains(kFaultField)) {
      auto fault = parseFault(*field);
      if (!fault) return FaultResult(boost::system::in_place_error, "sim_fault: " + fault.error());
      return fault;
    }
  }
  return state.faults.next().value_or(Fault{});
}

std::string modelOf(const json::value* body) {
  if (body == nullptr || !body->is_object()) return {};
  const auto* model = body->get_object().if_contains("model");
  return model != nullptr && model->is_string() ? std::string(model->get_string()) : std::string();
}

void addRetryAfter(http::response_header<>& head, const Fault& fault) {
  if (fault.retry_after) head.set(http::field::retry_after, *fault.retry_after);
}

asio::awaitable<After> sendJson(Exchange& exchange, unsigned status, std::string body) {
  auto response = makeJsonResponse(status, exchange.request, std::move(body), exchange.request_id);
  addRetryAfter(response, exchange.fault);
  const bool sent = co_await writeResponse(exchange.socket, response);
  co_return sent && response.keep_alive() ? After::KeepAlive : After::Close;
}

// GCC 12 may destroy temporaries in a co_await's full-expression twice (PR 100611 and kin), so
// arguments to awaited calls are named locals throughout this file.
asio::awaitable<After> sendError(Exchange& exchange, unsigned status, const ErrorInfo& error) {
  std::string body = errorJson(error);
  co_return co_await sendJson(exchange, status, std::move(body));
}

// Non-stream truncate/stall: the headers promise the whole body, half of it arrives.
asio::awaitable<After> sendPartialBody(Exchange& exchange, const std::string& body) {
  HeadResponse head;
  setResponseHead(head, 200, exchange.request, kJsonType, exchange.request_id);
  addRetryAfter(head, exchange.fault);
  head.content_length(body.size());
  const std::string_view first_half = std::string_view(body).substr(0, body.size() / 2);
  if (!co_await writeHead(exchange.socket, head) ||
      !co_await writeBytes(exchange.socket, first_half)) {
    co_return After::Close;
  }
  if (exchange.fault.truncate_after) {
    closeConnection(exchange.socket);
  } else {
    co_await waitForPeerToLeave(exchange.socket);
  }
  co_return After::Close;
}

asio::awaitable<After> sendCompletion(Exchange& exchange, const CompletionMeta& meta,
                                      const std::vector<std::string>& words,
                                      std::string_view finish_reason, const Usage& usage) {
  std::string content;
  for (const auto& word : words) content += word;
  std::string body = exchange.fault.malformed ? std::string(kMalformedBody)
                                              : completionJson(meta, content, finish_reason, usage);
  if (exchange.fault.truncate_after || exchange.fault.stall_after) {
    co_return co_await sendPartialBody(exchange, body);
  }
  co_return co_await sendJson(exchange, 200, std::move(body));
}

// Returns true when the fault cuts the stream once `sent` content chunks are out (and cuts it).
asio::awaitable<bool> cutStreamAt(Exchange& exchange, size_t sent) {
  const Fault& fault = exchange.fault;
  if (fault.truncate_after && sent == *fault.truncate_after) {
    closeConnection(exchange.socket);
    co_return true;
  }
  if (fault.stall_after && sent == *fault.stall_after) {
    co_await waitForPeerToLeave(exchange.socket);
    co_return true;
  }
  co_return false;
}

asio::awaitable<After> sendStream(Exchange& exchange, const ChatRequest& chat,
                                  const CompletionMeta& meta, const std::vector<std::string>& words,
                                  std::string_view finish_reason, const Usage& usage) {
  tcp::socket& socket = exchange.socket;
  const Fault& fault = exchange.fault;
  HeadResponse head;
  setResponseHead(head, 200, exchange.request, kEventStreamType, exchange.request_id);
  addRetryAfter(head, fault);
  head.chunked(true);
  if (!co_await writeHead(socket, head)) co_return After::Close;

  StreamChunks chunks(meta, chat.include_usage, chat.include_obfuscation);
  if (fault.malformed) {
    // The role chunk parses; the event after it does not. The HTTP framing stays correct so that
    // the only thing wrong is the JSON.
    const std::string role = sseEvent(chunks.role());
    if (co_await writeChunk(socket, role) && co_await writeChunk(socket, kMalformedEvent) &&
        co_await writeLastChunk(socket)) {
      closeConnection(socket);
    }
    co_return After::Close;
  }
  for (size_t sent = 0; sent < words.size(); ++sent) {
    if (co_await cutStreamAt(exchange, sent)) co_return After::Close;
    if (sent > 0) co_await sleepFor(fault.token_delay);
    // The role chunk goes out with the first content chunk, so that stall_after 0 means "headers,
    // then silence" (a first-token timeout).
    if (sent == 0) {
      const std::string role = sseEvent(chunks.role());
      if (!co_await writeChunk(socket, role)) co_return After::Close;
    }
    const std::string content = sseEvent(chunks.content(words[sent]));
    if (!co_await writeChunk(socket, content)) co_return After::Close;
  }
  if (co_await cutStreamAt(exchange, words.size())) co_return After::Close;
  co_await sleepFor(fault.token_delay);

  std::string tail = sseEvent(chunks.finish(finish_reason));
  if (chat.include_usage) tail += sseEvent(chunks.usage(usage));
  tail += kSseDone;
  if (!co_await writeChunk(socket, tail) || !co_await writeLastChunk(socket)) co_return After::Close;
  co_return exchange.request.keep_alive() ? After::KeepAlive : After::Close;
}

asio::awaitable<After> answerNormally(Exchange& exchange, const ChatRequest& chat) {
  std::vector<std::string> words = splitWords(replyText(exchange.state.name, chat.last_user_text));
  std::string_view finish_reason = kFinishStop;
  if (chat.max_tokens && *chat.max_tokens < words.size()) {
    words.resize(*chat.max_tokens);
    finish_reason = kFinishLength;
  }
  const CompletionMeta meta{newCompletionId(exchange.state.random),
                            static_cast<int64_t>(std::time(nullptr)), chat.model,
                            fingerprintFor(exchange.state.name)};
  const Usage usage{chat.prompt_tokens, words.size()};
  if (chat.stream) co_return co_await sendStream(exchange, chat, meta, words, finish_reason, usage);
  co_return co_await sendCompletion(exchange, meta, words, finish_reason, usage);
}

}  // namespace

asio::awaitable<After> answerChat(tcp::socket& socket, const StringRequest& request,
                                  SimState& state) {
  ++state.stats.chat_requests;
  boost::system::error_code parse_error;
  const json::value parsed = json::parse(request.body(), parse_error);
  const json::value* body = parse_error ? nullptr : &parsed;

  Exchange exchange{socket, request, state, Fault{}, newRequestId(state.random)};
  auto fault = chooseFault(request, body, state);
  if (!fault) {
    const ErrorInfo error{fault.error(), "invalid_request_error", std::nullopt, std::nullopt};
    co_return co_await sendError(exchange, 400, error);
  }
  exchange.fault = *fault;
  if (!exchange.fault.isNormal()) ++state.stats.faults_served;

  co_await sleepFor(exchange.fault.delay);
  if (exchange.fault.reset) {
    resetConnection(socket);
    co_return After::Close;
  }
  if (exchange.fault.hang) {
    co_await waitForPeerToLeave(socket);
    co_return After::Close;
  }
  if (exchange.fault.answersWithError()) {
    const unsigned status = exchange.fault.status.value_or(200);
    std::string error_body = exchange.fault.body
                                 ? *exchange.fault.body
                                 : errorJson(errorForStatus(status, modelOf(body)));
    co_return co_await sendJson(exchange, status, std::move(error_body));
  }
  if (body == nullptr) {
    const ErrorInfo error = invalidJsonError();
    co_return co_await sendError(exchange, 400, error);
  }
  auto chat = parseChatRequest(*body);
  if (!chat) {
    const ErrorInfo error = chat.error();
    co_return co_await sendError(exchange, 400, error);
  }
  co_return co_await answerNormally(exchange, *chat);
}

}  // namespace switchyard::sim
