#include "surfaces/openai/errors.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace switchyard::surfaces::openai {

std::string renderError(const ClientError& error) {
  boost::json::object inner;
  inner["message"] = error.message;
  inner["type"] = error.type;
  inner["param"] = error.param.empty() ? boost::json::value(nullptr) : boost::json::value(error.param);
  inner["code"] = error.code.empty() ? boost::json::value(nullptr) : boost::json::value(error.code);
  if (!error.request_id.empty()) inner["request_id"] = error.request_id;
  boost::json::object outer;
  outer["error"] = std::move(inner);
  return boost::json::serialize(outer);
}

std::string_view errorTypeForStatus(int status) {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 429: return "rate_limit_error";
    default: break;
  }
  return status >= 500 ? "server_error" : "invalid_request_error";
}

}  // namespace switchyard::surfaces::openai
