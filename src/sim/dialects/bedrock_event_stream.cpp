#include "sim/dialects/bedrock_event_stream.h"

#include <boost/crc.hpp>
#include <cstdint>

namespace switchyard::sim::bedrock {
namespace {

constexpr std::uint8_t kStringHeader = 7;
constexpr std::size_t kOverhead = 16;  // prelude (12) and message CRC (4)

void appendU32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

std::uint32_t crc32(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

}  // namespace

std::string encodeEventStreamMessage(
    const std::vector<std::pair<std::string_view, std::string_view>>& headers, std::string_view payload) {
  std::string header_bytes;
  for (const auto& [name, value] : headers) {
    header_bytes.push_back(static_cast<char>(name.size()));
    header_bytes.append(name);
    header_bytes.push_back(static_cast<char>(kStringHeader));
    header_bytes.push_back(static_cast<char>((value.size() >> 8) & 0xFF));
    header_bytes.push_back(static_cast<char>(value.size() & 0xFF));
    header_bytes.append(value);
  }
  std::string out;
  out.reserve(kOverhead + header_bytes.size() + payload.size());
  appendU32(out, static_cast<std::uint32_t>(kOverhead + header_bytes.size() + payload.size()));
  appendU32(out, static_cast<std::uint32_t>(header_bytes.size()));
  appendU32(out, crc32(out));
  out.append(header_bytes).append(payload);
  appendU32(out, crc32(out));
  return out;
}

std::string framePrelude(std::uint32_t total_length) {
  std::string out;
  appendU32(out, total_length);
  appendU32(out, 0);
  appendU32(out, crc32(out));
  return out;
}

std::string eventFrame(std::string_view event_type, std::string_view json_payload) {
  return encodeEventStreamMessage(
      {{":event-type", event_type}, {":content-type", "application/json"}, {":message-type", "event"}},
      json_payload);
}

std::string exceptionFrame(std::string_view exception_type, std::string_view json_payload) {
  return encodeEventStreamMessage({{":exception-type", exception_type},
                                   {":content-type", "application/json"},
                                   {":message-type", "exception"}},
                                  json_payload);
}

}  // namespace switchyard::sim::bedrock
