#pragma once
// Request ids: the client's `x-request-id` when it is a sensible token, else one the worker makes.
// The id is echoed on every response head (the ResponseWriter carries it), written on every log
// line of the request, put in the gateway's own error bodies and sent upstream on every attempt.
#include <array>
#include <cstdint>
#include <string_view>

#include "http/response_writer.h"

namespace switchyard::proxy {

inline constexpr std::string_view kRequestIdHeader = "x-request-id";

// A client's id is kept when it has 1 to http::kRequestIdMax (128) characters, each a letter, a
// digit or one of - _ . : / + = @ (UUIDs, ULIDs, base64, "req_..." and "trace:span" ids pass; no
// spaces, quotes or control characters, so it is safe in a header, a log line and a JSON string).
bool isAcceptableRequestId(std::string_view id);

// Makes ids for one worker, with no lock and no allocation: a random 48-bit prefix per worker
// (re-drawn if the counter ever wraps) and a counter, as 21 characters "7f3a9c0d2e1b-0000002a".
class RequestIdSource {
 public:
  static constexpr std::size_t kSize = 21;
  using Buffer = std::array<char, kSize>;

  explicit RequestIdSource(std::uint64_t seed);
  // Writes the next id into `out` and returns a view of it.
  std::string_view next(Buffer& out);

 private:
  std::uint64_t state_;   // splitmix64 state: where the prefixes come from
  std::uint64_t prefix_;
  std::uint32_t counter_ = 0;
};

}  // namespace switchyard::proxy
