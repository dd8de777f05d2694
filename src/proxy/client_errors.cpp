#include "proxy/client_errors.h"

#include <boost/beast/http/field.hpp>

#include "surfaces/anthropic/messages.h"
#include "surfaces/openai/errors.h"
#include "surfaces/openai/translate.h"

namespace switchyard::proxy {

namespace beast_http = boost::beast::http;

canonical::Dialect dialectOfPath(std::string_view path) {
  return path.starts_with("/v1/messages") ? canonical::Dialect::Anthropic : canonical::Dialect::OpenAi;
}

http::Response jsonResponse(http::Status status, std::string body) {
  http::Response response{status, 11};
  response.set(beast_http::field::content_type, "application/json");
  response.body() = std::move(body);
  return response;
}


http::Response clientError(canonical::Dialect surface, http::Status status, std::string_view message,
                           std::string_view code, std::string_view param) {
  return clientError(surface, {}, status, message, code, param);
}

http::Response clientError(canonical::Dialect surface, std::string_view request_id, http::Status status,
                           std::string_view message, std::string_view code, std::string_view param) {
  const int number = static_cast<int>(status);
  if (surface == canonical::Dialect::Anthropic) {
    const canonical::Error error{number, canonical::categoryForStatus(number), message, param, code, request_id};
    return jsonResponse(static_cast<http::Status>(number), surfaces::anthropic::renderErrorBody(error));
  }
  surfaces::openai::ClientError error{number, std::string(message),
                                      std::string(surfaces::openai::errorTypeForStatus(number)),
                                      std::string(param), std::string(code), std::string(request_id)};
  return jsonResponse(static_cast<http::Status>(number), surfaces::openai::renderError(error));
}

http::Response providerError(canonical::Dialect surface, const canonical::Error& error) {
  if (surface == canonical::Dialect::Anthropic) {
    return jsonResponse(static_cast<http::Status>(surfaces::anthropic::clientStatus(error)), surfaces::anthropic::renderErrorBody(error));
  }
  return jsonResponse(static_cast<http::Status>(surfaces::openai::clientStatus(error)), surfaces::openai::renderErrorBody(error));
}

http::Response providerError(canonical::Dialect surface, std::string_view request_id, canonical::Error error) {
  error.request_id = request_id;
  return providerError(surface, error);
}

}  // namespace switchyard::proxy
