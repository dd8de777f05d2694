#include "config/address.h"

#include <optional>

#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>

namespace switchyard::config {
namespace {

constexpr std::uint16_t kHttpPort = 80;
constexpr std::uint16_t kHttpsPort = 443;

// Digits only, 0..65535: from_chars alone would accept what a URL's port_number() silently wraps.
bool parsePort(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

bool isIpv4(std::string_view text) {
  return static_cast<bool>(boost::urls::parse_ipv4_address(text));
}

bool isIpv6(std::string_view text) {
  return static_cast<bool>(boost::urls::parse_ipv6_address(text));
}

bool isLocalhost(std::string_view host) {
  constexpr std::string_view kName = "localhost";
  return host.size() == kName.size() &&
         std::equal(host.begin(), host.end(), kName.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

std::string malformedUrl(std::string_view text, std::string_view why) {
  return "malformed URL '" + std::string(text) + "' (" + std::string(why) + ")";
}

}  // namespace

ListenParse parseListenAddress(std::string_view text) {
  constexpr std::string_view kExpected =
      "expected HOST:PORT with an IPv4 address, localhost or a bracketed IPv6 address, e.g. "
      "127.0.0.1:8080, localhost:8080 or \"[::1]:8080\"";
  ListenParse result;
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      result.error =
          "malformed listen address '" + std::string(text) + "' (" + std::string(kExpected) + ")";
      return result;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (!isIpv6(host)) {
      result.error = "malformed listen address '" + std::string(text) + "' ('" + std::string(host) +
                     "' is not an IPv6 address)";
      return result;
    }
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      result.error = "malformed listen address '" + std::string(text) + "' (no port; " +
                     std::string(kExpected) + ")";
      return result;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      result.error = "malformed listen address '" + std::string(text) +
                     "' (put an IPv6 address in brackets, e.g. \"[::1]:8080\")";
      return result;
    }
    // The one name a listener takes: it always means the loopback (RFC 6761), and binding by
    // name would otherwise depend on /etc/hosts and on which family the resolver lists first.
    if (isLocalhost(host)) host = "127.0.0.1";
    if (!isIpv4(host)) {
      result.error = "malformed listen address '" + std::string(text) + "' ('" + std::string(host) +
                     "' is not an IPv4 address; " + std::string(kExpected) + ")";
      return result;
    }
  }
  if (!parsePort(port, result.address.port)) {
    result.error = "malformed listen address '" + std::string(text) + "' (port '" +
                   std::string(port) + "' is not a number from 0 to 65535)";
    return result;
  }
  result.address.host = std::string(host);
  return result;
}

EndpointParse parseBaseUrl(std::string_view text) {
  EndpointParse result;
  const auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    result.error = malformedUrl(text, "expected http[s]://HOST[:PORT][/PATH]");
    return result;
  }
  const boost::urls::url_view url = *parsed;
  if (url.scheme_id() == boost::urls::scheme::https) {
    result.endpoint.tls = true;
  } else if (url.scheme_id() != boost::urls::scheme::http) {
    result.error =
        malformedUrl(text, "scheme '" + std::string(url.scheme()) + "' is not http or https");
    return result;
  }
  // Checked before anything quotes the URL: a password in it must not reach the terminal or logs.
  if (url.has_userinfo()) {
    result.error = "base_url must not contain credentials (user:password@); put the key in api_key";
    return result;
  }
  if (!url.has_authority() || url.encoded_host().empty()) {
    result.error = malformedUrl(text, "no host; expected http[s]://HOST[:PORT][/PATH]");
    return result;
  }
  if (url.host_type() == boost::urls::host_type::ipvfuture) {
    result.error = malformedUrl(text, "unsupported IP literal");
    return result;
  }
  if (url.has_query() || url.has_fragment()) {
    result.error = malformedUrl(text, "a base URL cannot have a query or fragment");
    return result;
  }
  result.endpoint.port = result.endpoint.tls ? kHttpsPort : kHttpPort;
  if (url.has_port() && !url.port().empty()) {
    if (!parsePort(url.port(), result.endpoint.port) || result.endpoint.port == 0) {
      result.error = malformedUrl(
          text, "port '" + std::string(url.port()) + "' is not a number from 1 to 65535");
      return result;
    }
  }
  result.endpoint.host = url.host_address();
  const boost::urls::pct_string_view encoded_path = url.encoded_path();
  std::string path(encoded_path.data(), encoded_path.size());
  while (!path.empty() && path.back() == '/') path.pop_back();
  result.endpoint.base_path = std::move(path);
  return result;
}

namespace {

// "host" or "[v6]", then ":port". Appended piece by piece: GCC 12 at -O3 reports a false
// -Wrestrict overlap for `"[" + host + "]"` and `":" + std::to_string(port)`.
void appendHostPort(std::string& out, const std::string& host, std::optional<std::uint16_t> port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  if (ipv6) out.push_back('[');
  out.append(host);
  if (ipv6) out.push_back(']');
  if (port) {
    out.push_back(':');
    out.append(std::to_string(*port));
  }
}

}  // namespace

std::string Endpoint::hostHeader() const {
  const bool default_port = port == 0 || (tls && port == 443) || (!tls && port == 80);
  std::string header;
  appendHostPort(header, host, default_port ? std::nullopt : std::optional<std::uint16_t>(port));
  return header;
}

std::string chatUrl(const Provider& provider, const std::string& model) {
  const Endpoint& endpoint = provider.endpoint;
  std::string url = endpoint.tls ? "https://" : "http://";
  appendHostPort(url, endpoint.host, endpoint.port);
  url += endpoint.base_path;
  if (provider.kind == "anthropic") {
    url += "/v1/messages";
  } else if (provider.kind == "gemini") {
    const bool vertex = endpoint.host.ends_with("aiplatform.googleapis.com");
    url += (vertex ? "/publishers/google/models/" : "/v1beta/models/") + model + ":generateContent";
  } else if (provider.kind == "bedrock") {
    url += "/model/" + model + "/converse";
  } else if (provider.kind == "azure") {
    url += "/openai/deployments/" + model + "/chat/completions?api-version=" + provider.api_version;
  } else {
    url += "/chat/completions";
  }
  return url;
}

}  // namespace switchyard::config
