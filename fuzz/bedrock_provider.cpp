// The Bedrock provider's decoders: the same bytes read as a Converse answer, as an error answer,
// and as a ConverseStream body (AWS event-stream frames) fed in network-sized pieces, twice: as
// they are (CRC checks, bad lengths) and with every frame's two CRCs made right, so mutations reach
// the header block and the JSON payloads behind the checksums. Whatever is decoded is rendered for
// both client surfaces and must come out as JSON.
#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/crc.hpp>

#include "fuzz_support.h"
#include "providers/bedrock/event_stream.h"

using namespace switchyard;

namespace {

std::uint32_t readU32(const std::string& bytes, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

void writeU32(std::string& bytes, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((value >> (24 - 8 * i)) & 0xFF);
}

std::uint32_t crc32(const std::string& bytes, std::size_t at, std::size_t size) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data() + at, size);
  return crc.checksum();
}

// Walks the frames by their length fields and rewrites both CRCs of each that fits.
std::string withValidCrcs(std::string_view body) {
  std::string out(body);
  std::size_t at = 0;
  while (at + providers::bedrock::kEventStreamPrelude <= out.size()) {
    const std::uint32_t total = readU32(out, at);
    writeU32(out, at + 8, crc32(out, at, 8));
    if (total < providers::bedrock::kEventStreamOverhead || total > out.size() - at) break;
    writeU32(out, at + total - 4, crc32(out, at, total - 4));
    at += total;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto codec = fuzzing::codecOf("bedrock");
  const std::string_view body = fuzzing::asView(data, size);
  fuzzing::decodeAnswer(*codec, body);
  fuzzing::feedStream(*codec, body);
  const std::string fixed = withValidCrcs(body);
  if (fixed != body) fuzzing::feedStream(*codec, fixed);
  return 0;
}
