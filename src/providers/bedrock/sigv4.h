#pragma once
// AWS Signature Version 4 (header signing), pure: the caller supplies the time, the request's
// parts and the credentials; nothing here reads a clock or the environment. Follows the steps of
// AWS's "Create a signed AWS API request" guide: canonical request, string to sign, signing key,
// signature.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::providers::bedrock {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: long-term keys
};

// What is signed. Header names must be lowercase; values are trimmed here.
struct SigningInput {
  std::string_view method;           // "POST"
  std::string_view canonical_uri;    // the path as signed (see canonicalUri)
  std::string_view canonical_query;  // sorted, encoded "a=1&b=2"; empty when none
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view payload_sha256;  // lowercase hex SHA-256 of the body
};

// RFC 3986 percent-encoding as SigV4 defines it: unreserved characters (A-Z a-z 0-9 - _ . ~) stay,
// every other byte becomes %XX (upper-case hex); '/' stays when `keep_slash`.
std::string uriEncode(std::string_view text, bool keep_slash);

// The canonical URI of a path already encoded for the wire. Every service but S3 encodes it once
// more, so a '%' sent on the wire is signed as %25 (botocore quotes the path with safe='/~';
// the JS SDK's SignatureV4 escapes each segment, uriEscapePath defaulting to true).
std::string canonicalUri(std::string_view wire_path);

std::string sha256Hex(std::string_view data);
// "20150830T123600Z" (UTC).
std::string amzDate(std::chrono::system_clock::time_point when);

std::string canonicalRequest(const SigningInput& input);
// "content-type;host;x-amz-date": the sorted lowercase header names.
std::string signedHeaderList(const SigningInput& input);
std::string stringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
// The 32 raw bytes of kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
// "aws4_request").
std::string signingKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service);

// "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=...,
// Signature=..." for `input` signed at `amz_date`.
std::string authorizationHeader(const AwsCredentials& credentials, std::string_view region,
                                std::string_view service, std::string_view amz_date,
                                const SigningInput& input);

}  // namespace switchyard::providers::bedrock
