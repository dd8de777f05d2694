#pragma once
// Relays an upstream SSE stream (OpenAI chat-completion chunks) to the client.
#include <boost/asio/awaitable.hpp>

#include "base/executor.h"
#include "canonical/usage_scan.h"
#include "http/client.h"
#include "http/response_writer.h"
#include "proxy/upstream_attempt.h"

namespace switchyard::proxy {

// For an upstream answer whose status was 200. Waits for the first data event (within
// `first_token_deadline`) before the client sees anything, so failing over until then is
// invisible; from then on forwards whole events as they arrive. A stream that ends without
// `data: [DONE]` ends, for the client, with an error event and no [DONE], so a truncated answer
// never looks complete.
// `usage` follows what the stream says it cost: OpenAI's usage chunk, Anthropic's message_start and
// message_delta counts, and the text relayed (for an estimate when the stream ends without them). It
// belongs to the caller, whose coroutine frame is large anyway: this one stays under the size Asio
// recycles. With `strip_usage_chunk` (the gateway, not the client, asked for
// stream_options.include_usage), OpenAI's usage-only chunk (choices empty) is read and never relayed.
Task<AttemptOutcome> relayStream(const AttemptInput& input,
                                                   http::UpstreamConnection& connection,
                                                   http::ResponseWriter& writer,
                                                   SteadyTime first_token_deadline, bool strip_usage_chunk,
                                                   canonical::StreamUsageMeter& usage);

}  // namespace switchyard::proxy
