#pragma once
// Builds the HTTP messages the simulator sends, with the headers OpenAI's answers carry.
#include "sim/socket_io.h"

#include <string>
#include <string_view>

namespace switchyard::sim {

inline constexpr std::string_view kJsonType = "application/json";
inline constexpr std::string_view kEventStreamType = "text/event-stream; charset=utf-8";

// Status line (with a reason phrase even for codes Beast does not know, such as 529), content type
// and x-request-id.
void setResponseHead(http::response_header<>& head, unsigned status, const StringRequest& request,
                     std::string_view content_type, std::string_view request_id);

// The same, plus the request's keep-alive choice.
template <class Body>
void setResponseHead(http::response<Body>& response, unsigned status, const StringRequest& request,
                     std::string_view content_type, std::string_view request_id) {
  setResponseHead(static_cast<http::response_header<>&>(response), status, request, content_type,
                  request_id);
  response.keep_alive(request.keep_alive());
}

StringResponse makeJsonResponse(unsigned status, const StringRequest& request, std::string body,
                                std::string_view request_id);

}  // namespace switchyard::sim
