#pragma once
// Relays an upstream SSE stream (OpenAI chat-completion chunks) to the client.
#include <boost/asio/awaitable.hpp>

#include "http/client.h"
#include "http/response_writer.h"
#include "proxy/upstream_attempt.h"

namespace switchyard::proxy {

// For an upstream answer whose status was 200. Waits for the first data event (within
// `first_token_deadline`) before the client sees anything, so failing over until then is
// invisible; from then on forwards whole events as they arrive. A stream that ends without
// `data: [DONE]` ends, for the client, with an error event and no [DONE], so a truncated answer
// never looks complete.
boost::asio::awaitable<AttemptOutcome> relayStream(const AttemptInput& input,
                                                   http::UpstreamConnection& connection,
                                                   http::ResponseWriter& writer,
                                                   SteadyTime first_token_deadline);

}  // namespace switchyard::proxy
