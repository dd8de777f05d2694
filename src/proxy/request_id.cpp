#include "proxy/request_id.h"

namespace switchyard::proxy {

namespace {

bool isIdCharacter(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-':
    case '_':
    case '.':
    case ':':
    case '/':
    case '+':
    case '=':
    case '@': return true;
    default: return false;
  }
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void writeHex(std::uint64_t value, char* out, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kHex[value & 0xf];
    value >>= 4;
  }
}

}  // namespace

bool isAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > http::kRequestIdMax) return false;
  for (const char c : id) {
    if (!isIdCharacter(c)) return false;
  }
  return true;
}

RequestIdSource::RequestIdSource(std::uint64_t seed) : state_(seed), prefix_(splitmix64(state_)) {}

std::string_view RequestIdSource::next(Buffer& out) {
  if (++counter_ == 0) {
    prefix_ = splitmix64(state_);  // 2^32 ids later: a new prefix keeps them unique
    counter_ = 1;
  }
  writeHex(prefix_, out.data(), 12);
  out[12] = '-';
  writeHex(counter_, out.data() + 13, 8);
  return {out.data(), out.size()};
}

}  // namespace switchyard::proxy
