#pragma once
// Anthropic's usage objects (internal to the surface). Anthropic counts cache tokens apart from
// input_tokens; canonical usage counts them inside, so they are taken out here.
#include <string>

#include "canonical/chat.h"

namespace switchyard::surfaces::anthropic {

// The Usage of a Message (and of message_start): input_tokens, cache_creation_input_tokens,
// cache_read_input_tokens, cache_creation {ephemeral_5m_input_tokens, ephemeral_1h_input_tokens},
// output_tokens, service_tier. Cache writes are reported as 5-minute ones, the default TTL: the
// canonical usage does not say which.
void appendMessageUsage(const canonical::Usage& usage, std::string& out);

// The MessageDeltaUsage of message_delta: input_tokens, cache_creation_input_tokens,
// cache_read_input_tokens, output_tokens (cumulative totals; the SDK's MessageStream overwrites its
// snapshot with each one present, so upstreams that report input tokens only at the end still
// give the client the right count).
void appendDeltaUsage(const canonical::Usage& usage, std::string& out);

}  // namespace switchyard::surfaces::anthropic
