#pragma once
// The last requests the simulator received, so that tests can check what the gateway sent
// (headers it added or removed, the body it forwarded).
#include <cstddef>
#include <deque>
#include <string>
#include <utility>
#include <vector>

namespace switchyard::sim {

inline constexpr size_t kRequestLogCapacity = 200;

struct RecordedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased, in arrival order
  std::string body;                                           // raw bytes as received
};

class RequestLog final {
 public:
  explicit RequestLog(size_t capacity = kRequestLogCapacity) : capacity_(capacity) {}

  void record(RecordedRequest request);
  void clear() { requests_.clear(); }
  size_t size() const { return requests_.size(); }

  // {"requests":[{"method","target","headers":{name: value},"body"}]}, oldest first. A header that
  // arrived more than once is joined with ", " as HTTP allows.
  std::string toJson() const;

 private:
  size_t capacity_;
  std::deque<RecordedRequest> requests_;
};

}  // namespace switchyard::sim
