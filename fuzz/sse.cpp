// The SSE framer (http/sse): event boundaries found in an upstream stream as a relay finds them,
// piece by piece, and each event's fields read. Oracle: the boundaries found incrementally are
// the ones found on the whole stream, and every event lies inside the bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "http/sse.h"

using namespace switchyard;

namespace {

std::vector<std::size_t> boundaries(std::string_view data) {
  std::vector<std::size_t> ends;
  std::size_t from = 0;
  for (;;) {
    const std::size_t end = http::findSseEventEnd(data, from);
    if (end == http::kSseNoEvent) break;
    if (end <= from || end > data.size()) fuzzing::fail("event end out of range", data);
    ends.push_back(end);
    const auto event = http::parseSseEvent(data.substr(from, end - from));
    (void)http::isOpenAiDone(event);
    (void)http::isOpenAiError(event);
    if (!event.name.empty() && (event.name.data() < data.data() || event.name.data() + event.name.size() > data.data() + end)) {
      fuzzing::fail("event name outside the event", data);
    }
    from = end;
  }
  return ends;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view stream = fuzzing::asView(data, size);
  const std::vector<std::size_t> whole = boundaries(stream);

  // A relay's view: bytes arrive in pieces; complete events are forwarded and dropped.
  fuzzing::Splitter split(stream);
  std::vector<std::size_t> relayed;
  std::size_t delivered = 0;  // bytes received so far
  std::size_t forwarded = 0;  // bytes before the first incomplete event
  while (delivered < stream.size()) {
    delivered += std::min(stream.size() - delivered, 1 + split.next(64));
    const std::string_view have = stream.substr(0, delivered);
    for (;;) {
      const std::size_t end = http::findSseEventEnd(have, forwarded);
      if (end == http::kSseNoEvent) break;
      relayed.push_back(end);
      forwarded = end;
    }
  }
  if (relayed != whole) fuzzing::fail("incremental framing differs from whole-stream framing", stream);

  const std::string framed = http::sseData(stream);
  (void)http::findSseEventEnd(framed);
  return 0;
}
