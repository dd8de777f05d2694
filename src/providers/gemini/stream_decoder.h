#pragma once
// streamGenerateContent?alt=sse: every SSE event is a whole GenerateContentResponse holding the
// next piece of the answer. There is no end marker: the stream ends with the body, which is when
// the decoder reports the finish reason and usage it kept from the events. A body that ends before
// any candidate sent a finishReason (and whose prompt was not blocked) was cut: Malformed.
#include <memory>

#include "canonical/stream_codec.h"

namespace switchyard::providers::gemini {

std::unique_ptr<canonical::StreamDecoder> makeStreamDecoder();

}  // namespace switchyard::providers::gemini
