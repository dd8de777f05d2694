#pragma once
// Reading Anthropic's answer objects (internal to providers/anthropic): shared by the Message
// decoder and the stream decoder.
#include <boost/json/object.hpp>

#include <cstdint>
#include <string_view>

#include "canonical/chat.h"

namespace switchyard::providers::anthropic {

canonical::FinishReason finishForStopReason(std::string_view stop_reason);
std::int64_t intMember(const boost::json::object& object, std::string_view key);
std::string_view stringMember(const boost::json::object& object, std::string_view key);
// Reads input_tokens, output_tokens, cache_read_input_tokens and cache_creation_input_tokens in
// Anthropic's meaning (cache apart). keep_absent: leave fields the object lacks (or has null) as
// they are, as message_delta's cumulative counters require.
void readUsage(const boost::json::object& usage, canonical::Usage& out, bool keep_absent);
// Anthropic's usage -> canonical (cache tokens added into input_tokens).
canonical::Usage toCanonical(canonical::Usage anthropic);

}  // namespace switchyard::providers::anthropic
