// The Anthropic Messages surface's full parse (a client body into canonical form; count_tokens
// too), then the canonical request said to every provider kind, as the translated path does.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzzing::asView(data, size);
  {
    canonical::Arena arena;
    canonical::ChatRequest request(arena);
    (void)surfaces::anthropic::parseCountTokensRequest(body, arena, request);
  }
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  if (surfaces::anthropic::parseMessagesRequest(body, arena, request)) return 0;
  fuzzing::encodeForEveryProvider(request, arena);
  return 0;
}
