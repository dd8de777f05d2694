// The Gemini dialect of the simulator: POST /v1beta/models/{model}:generateContent and
// :streamGenerateContent (the model and whether to stream come from the path; streams are always
// SSE, as with alt=sse).
#include <boost/json/value.hpp>

#include "sim/dialect.h"
#include "sim/dialects/gemini_wire.h"

namespace switchyard::sim {
namespace gemini {

SimError invalidArgument(std::string message) {
  SimError error;
  error.status = 400;
  error.message = std::move(message);
  error.type = "INVALID_ARGUMENT";
  return error;
}

SimError statusError(unsigned status, std::string_view model) {
  const std::string model_name(model.empty() ? "unknown" : model);
  SimError error;
  error.status = status;
  switch (status) {
    case 400:
      error.message = "Request contains an invalid argument.";
      error.type = "INVALID_ARGUMENT";
      break;
    case 401:
      error.message =
          "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
          "or other valid authentication credential. See "
          "https://developers.google.com/identity/sign-in/web/devconsole-project.";
      error.type = "UNAUTHENTICATED";
      break;
    case 403:
      error.message = "The caller does not have permission";
      error.type = "PERMISSION_DENIED";
      break;
    case 404:
      error.message = "models/" + model_name +
                      " is not found for API version v1beta, or is not supported for generateContent. Call "
                      "ListModels to see the list of available models and their supported methods.";
      error.type = "NOT_FOUND";
      break;
    case 429:
      error.message =
          "You exceeded your current quota, please check your plan and billing details. For more "
          "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.";
      error.type = "RESOURCE_EXHAUSTED";
      break;
    case 500:
      error.message =
          "An internal error has occurred. Please retry or report in "
          "https://developers.generativeai.google/guide/troubleshooting";
      error.type = "INTERNAL";
      break;
    case 503:
      error.message = "The model is overloaded. Please try again later.";
      error.type = "UNAVAILABLE";
      break;
    case 504:
      error.message = "Deadline expired before operation could complete.";
      error.type = "DEADLINE_EXCEEDED";
      break;
    default:
      error.message = "Request failed with status " + std::to_string(status) + ".";
      error.type = status >= 500 ? (status == 502 || status == 529 ? "UNAVAILABLE" : "INTERNAL")
                                 : "FAILED_PRECONDITION";
      break;
  }
  return error;
}

}  // namespace gemini

namespace {

constexpr std::string_view kIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::size_t kResponseIdLength = 23;  // Gemini's responseIds look like "Mf9oaPKaJKWz1dkP9dK8kAY"

class GeminiDialect final : public SimDialect {
 public:
  std::string_view name() const override { return "gemini"; }

  boost::system::result<SimChat, SimError> parse(const boost::json::value& body,
                                                 std::string_view path) const override {
    return gemini::parseRequest(body, path);
  }

  std::string newId(std::mt19937_64& random) const override {
    std::uniform_int_distribution<std::size_t> pick(0, kIdAlphabet.size() - 1);
    std::string id;
    for (std::size_t i = 0; i < kResponseIdLength; ++i) id.push_back(kIdAlphabet[pick(random)]);
    return id;
  }

  std::string completion(const SimReply& reply) const override { return gemini::completionJson(reply); }

  std::string_view streamContentType() const override { return "text/event-stream"; }

  std::unique_ptr<SimStream> stream(const SimReply& reply, const SimChat& chat) const override {
    return gemini::makeStream(reply, chat);
  }

  std::string errorBody(const SimError& error) const override { return gemini::errorJson(error); }

  SimError errorForStatus(unsigned status, std::string_view model) const override {
    return gemini::statusError(status, model);
  }

  SimError invalidJson() const override {
    return gemini::invalidArgument("Invalid JSON payload received. Unexpected token.");
  }

  SimError prefillRejected() const override {
    return gemini::invalidArgument(
        "This model does not support model response prefill. The contents must end with a user turn.");
  }
};

}  // namespace

const SimDialect& geminiDialect() {
  static const GeminiDialect dialect;
  return dialect;
}

}  // namespace switchyard::sim
