#include "sim/chat_exchange.h"

#include "sim/chat_request.h"
#include "sim/fault.h"
#include "sim/reply.h"
#include "sim/response_builder.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

namespace switchyard::sim {
namespace {

namespace json = boost::json;

constexpr std::string_view kFaultHeader = "x-sim-fault";
constexpr std::string_view kFaultField = "sim_fault";
constexpr std::string_view kMalformedBody = R"({"id": "x", "choices": [)";
// Appended to a content piece by invalid_utf8_after: a lead byte with a wrong continuation, and a
// byte that never appears in UTF-8.
constexpr std::string_view kInvalidUtf8 = "\xC3\x28\xFF";
constexpr std::size_t kWritePiece = 64 * 1024;
constexpr unsigned kDefaultDripMs = 10;
constexpr unsigned kDefaultDripBytes = 64 * 1024;

// One chat request's answer in the making.
struct Exchange {
  tcp::socket& socket;
  const StringRequest& request;
  SimState& state;
  const SimDialect& dialect;
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

// Retry-After and the fault's extra headers, on whatever the answer is (success or error).
void addFaultHeaders(http::response_header<>& head, const Fault& fault) {
  if (fault.retry_after) head.set(http::field::retry_after, *fault.retry_after);
  for (const auto& [name, value] : fault.headers) head.set(name, value);
}

asio::awaitable<After> sendJson(Exchange& exchange, unsigned status, std::string body) {
  auto response = makeJsonResponse(status, exchange.request, std::move(body), exchange.request_id);
  addFaultHeaders(response, exchange.fault);
  const bool sent = co_await writeResponse(exchange.socket, response);
  co_return sent && response.keep_alive() ? After::KeepAlive : After::Close;
}

// GCC 12 may destroy temporaries in a co_await's full-expression twice (PR 100611 and kin), so
// arguments to awaited calls are named locals throughout this file.
asio::awaitable<After> sendError(Exchange& exchange, const SimError& error) {
  std::string body = exchange.dialect.errorBody(error);
  co_return co_await sendJson(exchange, error.status, std::move(body));
}

// Non-stream truncate/stall: the headers promise the whole body, half of it arrives.
asio::awaitable<After> sendPartialBody(Exchange& exchange, const std::string& body) {
  HeadResponse head;
  setResponseHead(head, 200, exchange.request, kJsonType, exchange.request_id);
  addFaultHeaders(head, exchange.fault);
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

// `count` bytes of `fill`, in pieces, without holding them all.
asio::awaitable<bool> writeFill(tcp::socket& socket, char fill, std::uint64_t count) {
  const std::string piece(static_cast<std::size_t>(std::min<std::uint64_t>(count, kWritePiece)), fill);
  while (count > 0) {
    const std::string_view part(piece.data(), static_cast<std::size_t>(std::min<std::uint64_t>(count, piece.size())));
    if (!co_await writeBytes(socket, part)) co_return false;
    count -= part.size();
  }
  co_return true;
}

// Non-stream oversized_bytes / content_length_delta / extra_bytes: a completion padded with blanks
// (still valid JSON), a Content-Length that lies, bytes after the answer.
asio::awaitable<After> sendHostileBody(Exchange& exchange, const std::string& body) {
  const Fault& fault = exchange.fault;
  const std::uint64_t padding =
      fault.oversized_bytes && *fault.oversized_bytes > body.size() ? *fault.oversized_bytes - body.size() : 0;
  const std::uint64_t actual = body.size() + padding;
  std::uint64_t declared = actual;
  if (const std::int64_t delta = fault.content_length_delta.value_or(0); delta < 0) {
    const auto shorter = static_cast<std::uint64_t>(-(delta + 1)) + 1;
    declared = shorter >= actual ? 0 : actual - shorter;
  } else {
    declared = actual + static_cast<std::uint64_t>(delta);
  }
  HeadResponse head;
  setResponseHead(head, 200, exchange.request, kJsonType, exchange.request_id);
  addFaultHeaders(head, fault);
  head.content_length(declared);
  if (!co_await writeHead(exchange.socket, head) || !co_await writeBytes(exchange.socket, body) ||
      !co_await writeFill(exchange.socket, ' ', padding)) {
    co_return After::Close;
  }
  if (fault.extra_bytes) {
    co_await sleepFor(std::chrono::milliseconds(fault.extra_bytes_after_ms.value_or(0)));
    const std::string_view extra = *fault.extra_bytes;
    if (!co_await writeBytes(exchange.socket, extra)) co_return After::Close;
  }
  if (declared > actual) {
    // The promised rest never comes: the connection ends instead.
    closeConnection(exchange.socket);
    co_return After::Close;
  }
  co_return head.keep_alive() ? After::KeepAlive : After::Close;
}

asio::awaitable<After> sendCompletion(Exchange& exchange, const SimReply& reply) {
  std::string body = exchange.fault.malformed ? std::string(kMalformedBody) : exchange.dialect.completion(reply);
  if (exchange.fault.truncate_after || exchange.fault.stall_after) {
    co_return co_await sendPartialBody(exchange, body);
  }
  if (exchange.fault.oversized_bytes || exchange.fault.content_length_delta || exchange.fault.extra_bytes) {
    co_return co_await sendHostileBody(exchange, body);
  }
  co_return co_await sendJson(exchange, 200, std::move(body));
}

// Sends `first` (when not empty), then `piece` every drip_ms, each as one HTTP chunk, until a write
// fails (the peer left); then closes.
asio::awaitable<void> dripUntilPeerLeaves(Exchange& exchange, const std::string& first, const std::string& piece) {
  const std::chrono::milliseconds interval(exchange.fault.drip_ms.value_or(kDefaultDripMs));
  if (first.empty() || co_await writeChunk(exchange.socket, first)) {
    while (co_await writeChunk(exchange.socket, piece)) co_await sleepFor(interval);
  }
  closeConnection(exchange.socket);
}

// Returns true when the fault cuts the stream once `sent` content chunks are out (and cuts it).
asio::awaitable<bool> cutStreamAt(Exchange& exchange, size_t sent, SimStream& stream) {
  const Fault& fault = exchange.fault;
  const bool error_now = fault.error_after && sent == *fault.error_after;
  if (error_now || (fault.malformed_after && sent == *fault.malformed_after)) {
    const std::string piece = error_now ? stream.errorEvent() : stream.malformed();
    if (co_await writeChunk(exchange.socket, piece)) co_await writeLastChunk(exchange.socket);
    closeConnection(exchange.socket);
    co_return true;
  }
  if (fault.truncate_after && sent == *fault.truncate_after) {
    closeConnection(exchange.socket);
    co_return true;
  }
  if (fault.stall_after && sent == *fault.stall_after) {
    co_await waitForPeerToLeave(exchange.socket);
    co_return true;
  }
  if (fault.endless_event_after && sent == *fault.endless_event_after) {
    const std::string start = stream.endlessEventStart();
    const std::string filler(fault.drip_bytes.value_or(kDefaultDripBytes), 'a');
    co_await dripUntilPeerLeaves(exchange, start, filler);
    co_return true;
  }
  if (fault.keepalive_after && sent == *fault.keepalive_after) {
    const std::string comment = stream.keepAlive();
    if (comment.empty()) {
      co_await waitForPeerToLeave(exchange.socket);
    } else {
      const std::string nothing;
      co_await dripUntilPeerLeaves(exchange, nothing, comment);
    }
    co_return true;
  }
  co_return false;
}

asio::awaitable<After> sendStream(Exchange& exchange, const SimChat& chat, const SimReply& reply) {
  tcp::socket& socket = exchange.socket;
  const Fault& fault = exchange.fault;
  HeadResponse head;
  setResponseHead(head, 200, exchange.request, exchange.dialect.streamContentType(), exchange.request_id);
  addFaultHeaders(head, fault);
  head.chunked(true);
  if (!co_await writeHead(socket, head)) co_return After::Close;

  auto stream = exchange.dialect.stream(reply, chat);
  if (fault.malformed) {
    // The start parses; the piece after it does not. The HTTP framing stays correct so that the
    // only thing wrong is the provider's own framing or JSON.
    const std::string start = stream->start(reply);
    const std::string broken = stream->malformed();
    if (co_await writeChunk(socket, start) && co_await writeChunk(socket, broken) &&
        co_await writeLastChunk(socket)) {
      closeConnection(socket);
    }
    co_return After::Close;
  }
  bool started = false;
  if (fault.oversized_bytes) {
    // One content piece of N bytes before the answer's own.
    std::string bytes = stream->start(reply);
    bytes += stream->text(std::string(static_cast<std::size_t>(*fault.oversized_bytes), 'x'));
    if (!co_await writeChunk(socket, bytes)) co_return After::Close;
    started = true;
  }
  // A tool call is one piece; text is one piece per word.
  const size_t pieces = reply.tool_call ? 1 : reply.words.size();
  for (size_t sent = 0; sent < pieces; ++sent) {
    if (co_await cutStreamAt(exchange, sent, *stream)) co_return After::Close;
    if (sent > 0) co_await sleepFor(fault.token_delay);
    // The start goes out with the first content piece, so that stall_after 0 means "headers,
    // then silence" (a first-token timeout).
    std::string bytes = started ? std::string() : stream->start(reply);
    started = true;
    bytes += reply.tool_call ? stream->toolCall(*reply.tool_call) : stream->text(reply.words[sent]);
    if (!co_await writeChunk(socket, bytes)) co_return After::Close;
  }
  if (co_await cutStreamAt(exchange, pieces, *stream)) co_return After::Close;
  co_await sleepFor(fault.token_delay);

  std::string tail = started ? std::string() : stream->start(reply);
  tail += stream->finish(reply);
  if (!co_await writeChunk(socket, tail) || !co_await writeLastChunk(socket)) co_return After::Close;
  if (fault.extra_bytes) {
    co_await sleepFor(std::chrono::milliseconds(fault.extra_bytes_after_ms.value_or(0)));
    const std::string_view extra = *fault.extra_bytes;
    if (!co_await writeBytes(socket, extra)) co_return After::Close;
  }
  co_return exchange.request.keep_alive() ? After::KeepAlive : After::Close;
}

}  // namespace

asio::awaitable<After> answerChat(tcp::socket& socket, const StringRequest& request,
                                  SimState& state, const SimDialect& dialect) {
  ++state.stats.chat_requests;
  boost::system::error_code parse_error;
  const json::value parsed = json::parse(request.body(), parse_error);
  const json::value* body = parse_error ? nullptr : &parsed;

  Exchange exchange{socket, request, state, dialect, Fault{}, newRequestId(state.random)};
  auto fault = chooseFault(request, body, state);
  if (!fault) {
    SimError error = dialect.invalidJson();
    error.message = fault.error();
    co_return co_await sendError(exchange, error);
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
  const std::string_view path = request.target().substr(0, request.target().find('?'));
  if (exchange.fault.answersWithError()) {
    const unsigned status = exchange.fault.status.value_or(200);
    std::string error_body = exchange.fault.body ? *exchange.fault.body
                                                 : dialect.errorBody(dialect.errorForStatus(status, modelOf(body)));
    co_return co_await sendJson(exchange, status, std::move(error_body));
  }
  if (body == nullptr) {
    const SimError error = dialect.invalidJson();
    co_return co_await sendError(exchange, error);
  }
  auto chat = dialect.parse(*body, path);
  if (!chat) {
    const SimError error = chat.error();
    co_return co_await sendError(exchange, error);
  }
  const auto answer = replyFor(*chat, dialect, state);
  if (!answer) {
    const SimError error = answer.error();
    co_return co_await sendError(exchange, error);
  }
  SimReply reply = *answer;
  if (const auto k = exchange.fault.invalid_utf8_after; k && *k < reply.words.size()) reply.words[*k] += kInvalidUtf8;
  if (chat->stream) co_return co_await sendStream(exchange, *chat, reply);
  co_return co_await sendCompletion(exchange, reply);
}

}  // namespace switchyard::sim
