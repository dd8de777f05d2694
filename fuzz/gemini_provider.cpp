// The gemini provider's decoders: the same bytes read as a 2xx answer, as an error answer and as a
// streamed answer fed in network-sized pieces (Gemini generateContent: an answer, an error body, and a streamGenerateContent?alt=sse stream).
// Whatever is decoded is rendered for both client surfaces and must come out as JSON.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto codec = fuzzing::codecOf("gemini");
  const std::string_view body = fuzzing::asView(data, size);
  fuzzing::decodeAnswer(*codec, body);
  fuzzing::feedStream(*codec, body);
  return 0;
}
