#include "sim/response_builder.h"

namespace switchyard::sim {
namespace {

// Reason phrases for statuses providers use that are not in RFC 9110.
std::string_view extraReason(unsigned status) {
  switch (status) {
    case 520: return "Unknown Error";
    case 522: return "Connection Timed Out";
    case 524: return "A Timeout Occurred";
    case 529: return "Site is overloaded";
    default: return "Unknown";
  }
}

}  // namespace

void setResponseHead(http::response_header<>& head, unsigned status, const StringRequest& request,
                     std::string_view content_type, std::string_view request_id) {
  head.version(request.version());
  head.result(status);
  if (http::int_to_status(status) == http::status::unknown) head.reason(extraReason(status));
  head.set(http::field::content_type, content_type);
  head.set("x-request-id", request_id);
  head.set("openai-version", "2020-10-01");
}

StringResponse makeJsonResponse(unsigned status, const StringRequest& request, std::string body,
                                std::string_view request_id) {
  StringResponse response;
  setResponseHead(response, status, request, kJsonType, request_id);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

}  // namespace switchyard::sim
