#include "sim/request_log.h"

#include <boost/json.hpp>

namespace switchyard::sim {

void RequestLog::record(RecordedRequest request) {
  if (capacity_ == 0) return;
  if (requests_.size() == capacity_) requests_.pop_front();
  requests_.push_back(std::move(request));
}

std::string RequestLog::toJson() const {
  namespace json = boost::json;
  json::array requests;
  for (const auto& request : requests_) {
    json::object headers;
    for (const auto& [name, value] : request.headers) {
      if (auto* seen = headers.if_contains(name)) {
        std::string joined(seen->get_string());
        joined.append(", ").append(value);
        *seen = joined;
      } else {
        headers[name] = value;
      }
    }
    requests.push_back(json::object{{"method", request.method},
                                    {"target", request.target},
                                    {"headers", std::move(headers)},
                                    {"body", request.body}});
  }
  return json::serialize(json::object{{"requests", std::move(requests)}});
}

}  // namespace switchyard::sim
