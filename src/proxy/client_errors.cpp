#include "proxy/client_errors.h"

#include <boost/beast/http/field.hpp>

#include "surfaces/anthropic/messages.h"
#include "surfaces/openai/errors.h"
#include "surfaces/openai/translate.h"

namespace switchyard::proxy {

namespace beast_http = boost::beast::http;
using canonical::ErrorCategory;

canonical::ErrorCategory categoryForStatus(int status) {
  switch (status) {
    case 401: return ErrorCategory::Authentication;
    case 403: return ErrorCategory::PermissionDenied;
    case 404: return ErrorCategory::NotFound;
    case 413: return ErrorCategory::RequestTooLarge;
    case 429: return ErrorCategory::RateLimited;
    case 503:
    case 529: return ErrorCategory::Overloaded;
    case 504: return ErrorCategory::Timeout;
    default: return status >= 500 ? ErrorCategory::Server : ErrorCategory::InvalidRequest;
  }
}

canonical::Dialect dialectOfPath(std::string_view path) {
  return path.starts_with("/v1/messages") ? canonical::Dialect::Anthropic : canonical::Dialect::OpenAi;
}

namespace {

http::Response jsonResponse(int status, std::string body) {
  http::Response response{static_cast<http::Status>(status), 11};
  response.set(beast_http::field::content_type, "application/json");
  response.body() = std::move(body);
  return response;
}

}  // namespace

http::Response clientError(canonical::Dialect surface, http::Status status, std::string_view message,
                           std::string_view code, std::string_view param) {
  const int number = static_cast<int>(status);
  if (surface == canonical::Dialect::Anthropic) {
    const canonical::Error error{number, categoryForStatus(number), message, param, code};
    return jsonResponse(number, surfaces::anthropic::renderErrorBody(error));
  }
  surfaces::openai::ClientError error{number, std::string(message),
                                      std::string(surfaces::openai::errorTypeForStatus(number)),
                                      std::string(param), std::string(code)};
  return jsonResponse(number, surfaces::openai::renderError(error));
}

http::Response providerError(canonical::Dialect surface, const canonical::Error& error) {
  if (surface == canonical::Dialect::Anthropic) {
    return jsonResponse(surfaces::anthropic::clientStatus(error), surfaces::anthropic::renderErrorBody(error));
  }
  return jsonResponse(surfaces::openai::clientStatus(error), surfaces::openai::renderErrorBody(error));
}

}  // namespace switchyard::proxy
