#pragma once
// The simulator's AWS event-stream encoder (application/vnd.amazon.eventstream), the framing of
// Bedrock's ConverseStream answers. The sim does not share the gateway's decoder (sim code stays
// apart from providers/), so the unit tests decode these frames with it to prove both agree.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::sim::bedrock {

// One message with string-typed headers (type 7), in the order given:
//   total length u32 BE | headers length u32 BE | prelude CRC32 | headers | payload | message CRC32
std::string encodeEventStreamMessage(
    const std::vector<std::pair<std::string_view, std::string_view>>& headers, std::string_view payload);

// The 12-byte prelude of a message of `total_length` bytes with no headers (valid prelude CRC): the
// start of a frame whose rest may never come (the endless_event_after fault).
std::string framePrelude(std::uint32_t total_length);

// A Converse stream event as Bedrock frames it: :event-type, :content-type application/json,
// :message-type event.
std::string eventFrame(std::string_view event_type, std::string_view json_payload);
// A modelled exception inside the stream: :exception-type, :content-type, :message-type exception.
std::string exceptionFrame(std::string_view exception_type, std::string_view json_payload);

}  // namespace switchyard::sim::bedrock
