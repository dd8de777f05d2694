// Bedrock's failures in canonical terms. Error bodies are {"message": "..."} (a few services say
// "Message"); the exception's name travels only in the x-amzn-ErrorType header, so the HTTP
// status and the message's wording carry the classification.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "canonical/context_limit.h"
#include "canonical/json_writer.h"
#include "providers/bedrock/converse.h"

namespace switchyard::providers::bedrock {
namespace {

namespace json = boost::json;
using canonical::Error;
using canonical::ErrorCategory;

constexpr std::size_t kMaxQuotedBody = 512;  // of a body that is not Bedrock's JSON

bool containsNoCase(std::string_view text, std::string_view needle) {
  const auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != text.end();
}

// Bedrock's wordings ("Input is too long for requested model.", "...exceeds the context window",
// "too many input tokens"...) and those of the models it relays (Claude's "prompt is too long",
// Mistral's "too large for model with N maximum context length"...).
bool saysContextTooLong(std::string_view message) {
  for (const std::string_view needle : {"too long", "context window", "context length",
                                        "too many input tokens", "too many tokens", "maximum context"}) {
    if (containsNoCase(message, needle)) return true;
  }
  return canonical::saysContextLengthExceeded(message);
}

std::string_view messageOf(std::string_view body, canonical::Arena& arena) {
  boost::system::error_code ec;
  const json::value* parsed = arena.parseJson(body, ec);
  if (parsed != nullptr && parsed->is_object()) {
    for (const std::string_view key : {"message", "Message"}) {
      if (const auto* message = parsed->get_object().if_contains(key);
          message != nullptr && message->is_string()) {
        return message->get_string();
      }
    }
  }
  return arena.copy(canonical::validUtf8Prefix(body, kMaxQuotedBody));
}

Error make(int status, ErrorCategory category, std::string_view message) {
  Error error;
  error.status = status;
  error.category = category;
  error.message = message;
  return error;
}

}  // namespace

Error errorOfStatus(int status, std::string_view body, canonical::Arena& arena) {
  const std::string_view message = messageOf(body, arena);
  switch (status) {
    case 400:  // ValidationException
      if (saysContextTooLong(message)) {
        Error error = make(400, ErrorCategory::ContextLengthExceeded, message);
        error.code = "context_length_exceeded";
        return error;
      }
      return make(400, ErrorCategory::InvalidRequest, message);
    case 401:
      return make(401, ErrorCategory::Authentication, message);
    case 403:
      // UnrecognizedClientException, InvalidSignatureException, ExpiredTokenException: the
      // gateway's credentials; AccessDeniedException: the account lacks access to the model.
      if (containsNoCase(message, "signature") || containsNoCase(message, "security token")) {
        return make(401, ErrorCategory::Authentication, message);
      }
      return make(403, ErrorCategory::PermissionDenied, message);
    case 404:
      return make(404, ErrorCategory::NotFound, message);  // ResourceNotFoundException
    case 408:
      return make(504, ErrorCategory::Timeout, message);  // ModelTimeoutException
    case 413:
      return make(413, ErrorCategory::RequestTooLarge, message);
    case 424:
      return make(500, ErrorCategory::Server, message);  // ModelErrorException
    case 429:
      return make(429, ErrorCategory::RateLimited, message);  // ThrottlingException
    case 503:
      return make(503, ErrorCategory::Overloaded, message);  // ServiceUnavailableException
    default:
      break;
  }
  if (status >= 500)
    return make(status == 504 ? 504 : 500, status == 504 ? ErrorCategory::Timeout : ErrorCategory::Server,
                message);
  return make(status >= 400 ? status : 400, ErrorCategory::InvalidRequest, message);
}

Error errorOfException(std::string_view exception_type, std::string_view message) {
  if (exception_type == "throttlingException") return make(429, ErrorCategory::RateLimited, message);
  if (exception_type == "validationException") {
    return make(
        400,
        saysContextTooLong(message) ? ErrorCategory::ContextLengthExceeded : ErrorCategory::InvalidRequest,
        message);
  }
  if (exception_type == "serviceUnavailableException") return make(503, ErrorCategory::Overloaded, message);
  if (exception_type == "modelTimeoutException") return make(504, ErrorCategory::Timeout, message);
  // internalServerException, modelStreamErrorException, and any exception added later.
  return make(500, ErrorCategory::Server, message);
}

}  // namespace switchyard::providers::bedrock
