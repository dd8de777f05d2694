#include "sim/connection.h"

#include "sim/chat_exchange.h"
#include "sim/control_api.h"
#include "sim/count_tokens.h"
#include "sim/openai_responses.h"
#include "sim/response_builder.h"

#include <boost/beast/core/string.hpp>

#include <cctype>

namespace switchyard::sim {
namespace {

// The model lists a gateway's health checks ask for: OpenAI's and Anthropic's, Gemini's, Azure's.
constexpr std::string_view kModelsPath = "/v1/models";
constexpr std::string_view kGeminiModelsPath = "/v1beta/models";
constexpr std::string_view kAzureModelsPath = "/openai/models";
constexpr int64_t kModelsCreated = 1715367049;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

RecordedRequest recordOf(const StringRequest& request) {
  RecordedRequest record{std::string(request.method_string()), std::string(request.target()), {},
                         request.body()};
  for (const auto& field : request) {
    record.headers.emplace_back(lowercase(field.name_string()), std::string(field.value()));
  }
  return record;
}

bool isParseError(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// The answer to a request Beast could not parse; the connection closes after it.
asio::awaitable<void> rejectUnparsable(tcp::socket& socket, const boost::system::error_code& ec,
                                       SimState& state) {
  unsigned status = 400;
  if (ec == http::error::body_limit) status = 413;
  if (ec == http::error::header_limit) status = 431;
  StringRequest placeholder{http::verb::get, "/", 11};
  placeholder.keep_alive(false);
  auto response = makeJsonResponse(
      status, placeholder,
      errorJson(ErrorInfo{"could not read the HTTP request: " + ec.message(),
                          "invalid_request_error", std::nullopt, std::nullopt}),
      newRequestId(state.random));
  co_await writeResponse(socket, response);
}

bool isModelList(std::string_view path) {
  return path == kModelsPath || path == kGeminiModelsPath || path == kAzureModelsPath;
}

std::string geminiModelsJson() {
  return R"({"models":[{"name":"models/gemini-2.5-flash","displayName":"Gemini 2.5 Flash",)"
         R"("inputTokenLimit":1048576,"outputTokenLimit":65536,)"
         R"("supportedGenerationMethods":["generateContent","countTokens"]}]})";
}

asio::awaitable<After> dispatch(tcp::socket& socket, const StringRequest& request,
                                SimState& state) {
  const std::string_view path = pathOf(request.target());
  const std::string_view method = request.method_string();
  if (isControlTarget(path)) {
    ControlResponse answer = handleControl(method, path, request.body(), state);
    auto response =
        makeJsonResponse(answer.status, request, std::move(answer.body), newRequestId(state.random));
    co_return co_await writeResponse(socket, response) && request.keep_alive() ? After::KeepAlive
                                                                                : After::Close;
  }
  state.requests.record(recordOf(request));
  if (request.method() == http::verb::post) {
    if (const SimDialect* dialect = dialectForPath(path)) {
      co_return co_await answerChat(socket, request, state, *dialect);
    }
    if (path == "/v1/messages/count_tokens") {
      std::string answer = countTokensAnswer(request.body());
      const SimError error = anthropicDialect().invalidJson();
      const unsigned status = answer.empty() ? error.status : 200;
      if (answer.empty()) answer = anthropicDialect().errorBody(error);
      auto response = makeJsonResponse(status, request, std::move(answer), newRequestId(state.random));
      co_return co_await writeResponse(socket, response) && request.keep_alive() ? After::KeepAlive : After::Close;
    }
  }
  std::string body;
  unsigned status = 200;
  const bool model_list = isModelList(path) && request.method() == http::verb::get;
  if (model_list && state.health) {
    // /_sim/health takes the provider's health down without touching the chat fault queue.
    if (state.health->reset) {
      resetConnection(socket);
      co_return After::Close;
    }
    status = state.health->status;
    body = errorJson(errorForStatus(status, ""));
  } else if (model_list && path == kGeminiModelsPath) {
    body = geminiModelsJson();
  } else if (model_list) {
    body = modelsJson({"gpt-4o", "gpt-4o-mini", "gpt-4.1-mini"}, kModelsCreated);
  } else {
    status = 404;
    body = errorJson(invalidUrlError(method, path));
  }
  auto response = makeJsonResponse(status, request, std::move(body), newRequestId(state.random));
  co_return co_await writeResponse(socket, response) && request.keep_alive() ? After::KeepAlive
                                                                              : After::Close;
}

// Reads one request; answers 100 Continue when the client waits for it (curl does for big bodies).
asio::awaitable<boost::system::error_code> readRequest(tcp::socket& socket,
                                                       boost::beast::flat_buffer& buffer,
                                                       http::request_parser<http::string_body>& parser) {
  auto [header_ec, header_bytes] = co_await http::async_read_header(socket, buffer, parser, kAwait);
  if (header_ec) co_return header_ec;
  if (boost::beast::iequals(parser.get()[http::field::expect], "100-continue") &&
      !co_await writeBytes(socket, kContinue)) {
    co_return asio::error::connection_reset;
  }
  auto [ec, bytes] = co_await http::async_read(socket, buffer, parser, kAwait);
  co_return ec;
}

}  // namespace

asio::awaitable<void> serveConnection(tcp::socket socket, SimState& state) {
  boost::beast::flat_buffer buffer;
  while (socket.is_open()) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    parser.header_limit(kMaxHeaderBytes);
    const auto ec = co_await readRequest(socket, buffer, parser);
    if (ec) {
      if (isParseError(ec)) co_await rejectUnparsable(socket, ec, state);
      break;
    }
    const StringRequest request = parser.release();
    if (co_await dispatch(socket, request, state) == After::Close) break;
  }
  closeConnection(socket);
}

}  // namespace switchyard::sim
