#include "proxy/admin_auth.h"

#include "base/sha256.h"
#include "proxy/client_errors.h"
#include "proxy/client_keys.h"

namespace switchyard::proxy {

bool peerIsLoopback(http::ResponseWriter& writer) {
  boost::system::error_code ec;
  const auto peer = writer.stream().socket().remote_endpoint(ec);
  if (ec) return false;
  const auto address = peer.address();
  if (address.is_loopback()) return true;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6()).is_loopback();
  }
  return false;
}

std::optional<http::Response> refuseAdmin(const config::Config& config, http::Request& request, bool from_loopback) {
  const auto& admin_keys = config.auth.admin_key_sha256_hex;
  if (admin_keys.empty()) {
    if (from_loopback) return std::nullopt;
    return clientError(canonical::Dialect::OpenAi, http::Status::unauthorized,
                       "The admin API answers only loopback clients while no admin key is configured "
                       "(auth.admin_keys).",
                       "admin_key_required");
  }
  const std::string_view presented = presentedKeyOf(request);
  if (!presented.empty()) {
    const base::Sha256Digest digest = base::sha256(presented);
    bool match = false;
    for (const auto& hex : admin_keys) {
      base::Sha256Digest expected{};
      if (base::fromHex(hex, expected)) match = base::constantTimeEqual(digest, expected) || match;
    }
    if (match) return std::nullopt;
  }
  return clientError(canonical::Dialect::OpenAi, http::Status::unauthorized,
                     presented.empty() ? "The admin API needs an admin key: Authorization: Bearer ADMIN_KEY."
                                       : "The admin key is not valid.",
                     "invalid_admin_key");
}

}  // namespace switchyard::proxy
