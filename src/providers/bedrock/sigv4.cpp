#include "providers/bedrock/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>

namespace switchyard::providers::bedrock {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kUpperHexDigits = "0123456789ABCDEF";  // percent-encoding
constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";

std::string toHex(const unsigned char* bytes, std::size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHexDigits[bytes[i] >> 4]);
    out.push_back(kHexDigits[bytes[i] & 0xF]);
  }
  return out;
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

// SigV4 canonical header values: surrounding blanks trimmed, inner runs of blanks made one space.
std::string canonicalValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::vector<const std::pair<std::string, std::string>*> sortedHeaders(const SigningInput& input) {
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(input.headers.size());
  for (const auto& header : input.headers) sorted.push_back(&header);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  return sorted;
}

}  // namespace

std::string uriEncode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kUpperHexDigits[c >> 4]);
      out.push_back(kUpperHexDigits[c & 0xF]);
    }
  }
  return out;
}

std::string canonicalUri(std::string_view wire_path) {
  if (wire_path.empty()) return "/";
  return uriEncode(wire_path, true);
}

std::string sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return toHex(digest, length);
}

std::string amzDate(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[17];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string signedHeaderList(const SigningInput& input) {
  std::string out;
  for (const auto* header : sortedHeaders(input)) {
    if (!out.empty()) out.push_back(';');
    out += header->first;
  }
  return out;
}

std::string canonicalRequest(const SigningInput& input) {
  std::string out;
  out.append(input.method).push_back('\n');
  out.append(input.canonical_uri).push_back('\n');
  out.append(input.canonical_query).push_back('\n');
  for (const auto* header : sortedHeaders(input)) {
    out.append(header->first).push_back(':');
    out.append(canonicalValue(header->second)).push_back('\n');
  }
  out.push_back('\n');
  out.append(signedHeaderList(input)).push_back('\n');
  out.append(input.payload_sha256);
  return out;
}

std::string stringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out;
  out.append(kAlgorithm).push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(scope).push_back('\n');
  out.append(sha256Hex(canonical_request));
  return out;
}

std::string signingKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  std::string key = "AWS4";
  key += secret;
  key = hmacSha256(key, date);
  key = hmacSha256(key, region);
  key = hmacSha256(key, service);
  return hmacSha256(key, kTerminator);
}

std::string authorizationHeader(const AwsCredentials& credentials, std::string_view region,
                                std::string_view service, std::string_view amz_date,
                                const SigningInput& input) {
  const std::string_view date = amz_date.substr(0, 8);
  std::string scope;
  scope.append(date).append("/").append(region).append("/").append(service).append("/").append(kTerminator);
  const std::string to_sign = stringToSign(amz_date, scope, canonicalRequest(input));
  const std::string key = signingKey(credentials.secret_access_key, date, region, service);
  const std::string signature = hmacSha256(key, to_sign);

  std::string out;
  out.append(kAlgorithm).append(" Credential=").append(credentials.access_key_id).push_back('/');
  out.append(scope).append(", SignedHeaders=").append(signedHeaderList(input));
  out.append(", Signature=")
      .append(toHex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size()));
  return out;
}

}  // namespace switchyard::providers::bedrock
