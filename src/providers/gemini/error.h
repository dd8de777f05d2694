#pragma once
// Gemini's errors ({"error":{"code","message","status","details"}}, the google.rpc.Status shape)
// in canonical terms.
#include <string_view>

#include "canonical/arena.h"
#include "canonical/chat.h"

namespace switchyard::providers::gemini {

// The category comes from the status token (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNAVAILABLE...),
// refined by the message where Google reuses a token (an invalid API key is INVALID_ARGUMENT, an
// over-long prompt too); a body that is not Google's error shape falls back to the HTTP status.
// The returned status is the one a client should see for the category.
canonical::Error decodeGeminiError(int status, std::string_view body, canonical::Arena& arena);

}  // namespace switchyard::providers::gemini
