// The OpenAI chat-completions surface's full parse (a client body into canonical form), then the
// canonical request said to every provider kind, as the translated path does.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  if (surfaces::openai::parseChatCompletion(fuzzing::asView(data, size), arena, request)) return 0;
  fuzzing::encodeForEveryProvider(request, arena);
  return 0;
}
