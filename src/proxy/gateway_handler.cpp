#include "proxy/gateway_handler.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "http/asio_fwd.h"
#include "observability/log.h"
#include "proxy/client_watch.h"
#include "proxy/response_headers.h"
#include "proxy/upstream_attempt.h"
#include "surfaces/openai/chat_request.h"

namespace switchyard::proxy {

namespace beast_http = boost::beast::http;
using observability::LogLevel;
using Clock = std::chrono::steady_clock;

namespace {

// "%2F" -> "/": model ids in paths are URL-encoded by the SDKs.
std::string percentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

// nginx's convention for "the client closed the connection before the answer was complete".
constexpr int kClientClosedRequest = 499;

http::Response openAiError(http::Status status, std::string message, std::string code,
                           std::string param) {
  const int code_number = static_cast<int>(status);
  surfaces::openai::ClientError error{code_number, std::move(message),
                                      std::string(surfaces::openai::errorTypeForStatus(code_number)),
                                      std::move(param), std::move(code)};
  http::Response response{status, 11};
  response.set(beast_http::field::content_type, "application/json");
  response.body() = surfaces::openai::renderError(error);
  return response;
}

GatewayHandler::GatewayHandler(const GatewayState& state, boost::asio::io_context& io)
    : state_(state), io_(io), random_(std::random_device{}()) {
  for (std::size_t i = 0; i < state_.config.providers.size(); ++i) {
    const auto& endpoint = state_.config.providers[i].endpoint;
    pools_.push_back(std::make_unique<http::ClientPool>(
        io_, http::UpstreamTarget{endpoint.tls, endpoint.host, endpoint.port}, state_.tls[i],
        config::kDefaultPoolMaxIdle));
  }
}

http::Response GatewayHandler::reject(http::Status status, std::string_view message,
                                      std::string_view /*target*/) {
  return openAiError(status, std::string(message));
}

boost::asio::awaitable<void> GatewayHandler::handle(http::Request& request,
                                                    http::ResponseWriter& writer) {
  std::string_view path = request.target();  // boost::core::string_view converts
  if (const auto query = path.find('?'); query != std::string_view::npos) path = path.substr(0, query);
  const auto method = request.method();
  if (path == "/v1/chat/completions" || path == "/chat/completions") {
    if (method == beast_http::verb::post) {
      co_await chatCompletions(request, writer);
      co_return;
    }
    co_await writer.send(openAiError(http::Status::method_not_allowed,
                                     "Use POST for /v1/chat/completions.", "method_not_allowed"));
    co_return;
  }
  if (method == beast_http::verb::get && (path == "/v1/models" || path == "/models")) {
    co_await writer.send(models());
    co_return;
  }
  if (method == beast_http::verb::get && path.starts_with("/v1/models/")) {
    co_await writer.send(model(percentDecode(path.substr(std::string_view("/v1/models/").size()))));
    co_return;
  }
  if (method == beast_http::verb::get && (path == "/healthz" || path == "/readyz")) {
    http::Response response{http::Status::ok, 11};
    response.set(beast_http::field::content_type, "application/json");
    response.body() = path == "/healthz" ? R"({"status":"ok"})" : R"({"status":"ready"})";
    co_await writer.send(std::move(response));
    co_return;
  }
  co_await writer.send(openAiError(http::Status::not_found,
                                   "Unknown endpoint: " + std::string(beast_http::to_string(method)) + " " +
                                       std::string(path) + ". Switchyard serves POST /v1/chat/completions and GET /v1/models.",
                                   "unknown_url"));
}

namespace {

boost::json::object modelObject(std::string_view id, std::int64_t created) {
  return boost::json::object{{"id", id}, {"object", "model"}, {"created", created}, {"owned_by", "switchyard"}};
}

}  // namespace

http::Response GatewayHandler::unknownRoute(std::string_view name) const {
  return openAiError(http::Status::not_found,
                     "The model '" + std::string(name) + "' is not a route of this gateway. Known routes: " +
                         state_.routes.routeNames() + ".",
                     "model_not_found", "model");
}

http::Response GatewayHandler::model(const std::string& id) const {
  if (state_.routes.find(id) == nullptr) {
    return unknownRoute(id);
  }
  const auto created = std::chrono::duration_cast<std::chrono::seconds>(
                           state_.started.time_since_epoch()).count();
  http::Response response{http::Status::ok, 11};
  response.set(beast_http::field::content_type, "application/json");
  response.body() = boost::json::serialize(modelObject(id, created));
  return response;
}

http::Response GatewayHandler::models() const {
  const auto created = std::chrono::duration_cast<std::chrono::seconds>(
                           state_.started.time_since_epoch()).count();
  boost::json::array data;
  for (const auto& route : state_.routes.routes()) data.push_back(modelObject(route.name, created));
  http::Response response{http::Status::ok, 11};
  response.set(beast_http::field::content_type, "application/json");
  response.body() = boost::json::serialize(boost::json::object{{"object", "list"}, {"data", std::move(data)}});
  return response;
}

namespace {

// An explicit non-JSON type is the client's mistake; no Content-Type at all (curl -d without -H,
// simple load tools) is taken as JSON, and the body is still validated as JSON.
bool isJsonContentType(std::string_view value) {
  if (value.empty()) return true;
  const auto semicolon = value.find(';');
  std::string_view media = value.substr(0, semicolon);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media.size() < 16) return false;
  std::string lower(media);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json" || lower.ends_with("+json");
}

struct AttemptRecord {
  std::string target;
  base::FailureKind failure;
  std::string detail;
};

std::string describeFailures(std::string_view route, const std::vector<AttemptRecord>& attempts,
                             std::string_view why) {
  std::string message = "Route '" + std::string(route) + "': " + std::string(why) + " after " +
                        std::to_string(attempts.size()) + " attempt" + (attempts.size() == 1 ? "" : "s");
  message += attempts.empty() ? "." : ":";
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    message += (i == 0 ? " " : "; ");
    message += "#" + std::to_string(i + 1) + " " + attempts[i].target + ": " +
               std::string(base::toToken(attempts[i].failure));
    if (!attempts[i].detail.empty()) message += " " + attempts[i].detail;
  }
  return message;
}

// 503 when every attempt failed, 504 when the total deadline ran out; the message lists them all.
http::Response allTargetsFailed(std::string_view route, const std::vector<AttemptRecord>& failures,
                                int attempts, bool timed_out) {
  const auto status = timed_out ? http::Status::gateway_timeout : http::Status::service_unavailable;
  const char* why = timed_out ? "total deadline exceeded" : "every target failed";
  auto response = openAiError(status, describeFailures(route, failures, why),
                              timed_out ? "deadline_exceeded" : "all_targets_failed");
  setSwitchyardHeaders(response, route, {}, attempts);
  return response;
}

// One line per chat request: what served it, how, and how long it took.
void logRequest(std::string_view route, const routing::TargetRef* served_by, int attempts, bool stream,
                const AttemptOutcome& outcome, Clock::time_point started) {
  if (!observability::enabled(LogLevel::Info)) return;
  const auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  std::string result;
  if (outcome.kind == AttemptOutcome::Kind::ClientGone) result = "client_gone";
  else if (outcome.failure != base::FailureKind::None) result = base::toToken(outcome.failure);
  else result = served_by ? "ok" : "failed";
  observability::log(LogLevel::Info, "request",
                     {{"route", route},
                      {"target", served_by ? served_by->id : std::string()},
                      {"attempts", attempts},
                      {"status", outcome.status},
                      {"stream", stream ? "true" : "false"},
                      {"outcome", std::move(result)},
                      {"ms", elapsed}});
}

// A request refused before any routing, so a request log shows every answer.
void logRejected(int status, std::string_view why) {
  if (!observability::enabled(LogLevel::Info)) return;
  observability::log(LogLevel::Info, "request rejected", {{"status", status}, {"reason", why}});
}

}  // namespace

boost::asio::awaitable<void> GatewayHandler::chatCompletions(http::Request& request,
                                                             http::ResponseWriter& writer) {
  const auto started = Clock::now();
  if (!isJsonContentType(request[beast_http::field::content_type])) {
    logRejected(415, "unsupported content type");
    co_await writer.send(openAiError(http::Status::unsupported_media_type,
                                     "Content-Type must be application/json.", "unsupported_media_type"));
    co_return;
  }
  auto parsed = surfaces::openai::parseChatRequest(request.body());
  if (auto* error = std::get_if<surfaces::openai::ClientError>(&parsed)) {
    logRejected(400, error->message);
    co_await writer.send(openAiError(http::Status::bad_request, error->message, error->code, error->param));
    co_return;
  }
  const auto& chat = std::get<surfaces::openai::ChatRequest>(parsed);
  const routing::RouteSpec* route = state_.routes.find(chat.model);
  if (route == nullptr) {
    logRejected(404, "unknown route '" + chat.model + "'");
    co_await writer.send(unknownRoute(chat.model));
    co_return;
  }

  auto& client_socket = writer.stream().socket();
  auto watch = std::make_shared<ClientWatch>(io_);
  boost::asio::co_spawn(io_, watchClient(client_socket, watch), boost::asio::detached);
  const SteadyTime deadline = started + route->timeouts.total;
  resilience::RetryState retry(route->retry, route->targets.size(), deadline, [this] {
    return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  });
  std::vector<AttemptRecord> failures;
  AttemptOutcome outcome;
  const routing::TargetRef* served_by = nullptr;
  bool deadline_hit = false;
  for (;;) {
    const auto next = retry.next(Clock::now());
    if (next.decision != resilience::RetryState::Decision::Try) {
      deadline_hit = next.decision == resilience::RetryState::Decision::GiveUpDeadline;
      break;
    }
    if (next.wait.count() > 0) {
      boost::asio::steady_timer timer(io_, next.wait);
      co_await timer.async_wait(http::kAwaitTuple);
    }
    if (watch->gone) {
      outcome.kind = AttemptOutcome::Kind::ClientGone;
      break;
    }
    retry.startAttempt();
    const routing::TargetRef& target = route->targets[next.target];
    const AttemptInput input{*route, target, state_.endpoints[target.slot], state_.served_by[target.slot], request,
                             chat.model_span, chat.stream, retry.attempts(), deadline, *watch};
    outcome = co_await runAttempt(input, *pools_[target.provider], writer);
    if (watch->gone) outcome.kind = AttemptOutcome::Kind::ClientGone;
    if (outcome.kind != AttemptOutcome::Kind::Failed) {
      served_by = &target;
      break;
    }
    failures.push_back({target.id, outcome.failure, outcome.detail});
    observability::log(LogLevel::Warn, "attempt failed",
                       {{"route", route->name}, {"target", target.id}, {"attempt", retry.attempts()},
                        {"failure", std::string(base::toToken(outcome.failure))}, {"detail", outcome.detail}});
    if (outcome.failure == base::FailureKind::DeadlineExceeded) {
      deadline_hit = true;
      break;
    }
    retry.recordFailure(next.target, outcome.retry_after, Clock::now());
  }

  stopWatching(client_socket, *watch);
  if (outcome.kind == AttemptOutcome::Kind::ClientGone) {
    writer.abort();
    outcome.status = kClientClosedRequest;
  }
  if (served_by == nullptr && outcome.kind != AttemptOutcome::Kind::ClientGone) {
    const bool timed_out = deadline_hit && Clock::now() >= deadline;
    auto response = allTargetsFailed(route->name, failures, retry.attempts(), timed_out);
    outcome.status = response.result_int();
    co_await writer.send(std::move(response));
  }
  logRequest(route->name, served_by, retry.attempts(), chat.stream, outcome, started);
}

}  // namespace switchyard::proxy
