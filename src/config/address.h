#pragma once
// The two addresses a config names: where the gateway listens and where each provider lives.
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"

namespace switchyard::config {

struct ListenAddress {
  std::string host;  // an IPv4 or IPv6 literal, without brackets
  std::uint16_t port = 0;
};

struct ListenParse {
  ListenAddress address;
  std::string error;  // empty on success; otherwise says what is wrong (the text is not secret)
};

// "HOST:PORT" where HOST is an IPv4 literal, "localhost" (read as 127.0.0.1) or a bracketed IPv6
// literal; port 0 picks a free port.
ListenParse parseListenAddress(std::string_view text);

struct EndpointParse {
  Endpoint endpoint;
  std::string error;  // empty on success; a complete message, which quotes the URL unless it holds
                      // credentials
};

// http[s]://HOST[:PORT][/PATH]; the port defaults to 80/443 and the path loses its trailing '/'.
EndpointParse parseBaseUrl(std::string_view text);

// The URL a non-stream chat request to `model` at `provider` goes to, port explicit, e.g.
// http://[::1]:80/v1/chat/completions.
std::string chatUrl(const Provider& provider, const std::string& model);

}  // namespace switchyard::config
