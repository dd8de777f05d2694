#pragma once
// SHA-256 for secrets the gateway must recognise but never keep (client and admin keys), and
// constant-time comparison of digests.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard::base {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);
std::string toHex(const Sha256Digest& digest);  // 64 lowercase hex digits
// From 64 hex digits (either case); false when `hex` is not exactly that.
bool fromHex(std::string_view hex, Sha256Digest& out);
// Takes the same time whatever the contents (no early exit on the first difference).
bool constantTimeEqual(const Sha256Digest& a, const Sha256Digest& b);
// Cryptographically random bytes as lowercase hex (2 * bytes digits); for key secrets and ids.
std::string randomHex(std::size_t bytes);

}  // namespace switchyard::base
