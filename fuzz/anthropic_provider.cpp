// The anthropic provider's decoders: the same bytes read as a 2xx answer, as an error answer and as a
// streamed answer fed in network-sized pieces (Anthropic Messages: a Message answer, an error body, and an SSE stream (message_start ... message_stop)).
// Whatever is decoded is rendered for both client surfaces and must come out as JSON.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto codec = fuzzing::codecOf("anthropic");
  const std::string_view body = fuzzing::asView(data, size);
  fuzzing::decodeAnswer(*codec, body);
  fuzzing::feedStream(*codec, body);
  return 0;
}
