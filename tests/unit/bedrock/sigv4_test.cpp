// SigV4 against AWS's published example (IAM ListUsers, "Create a signed AWS API request") and
// against botocore for a Bedrock Converse request.
#include "providers/bedrock/sigv4.h"

#include <gtest/gtest.h>

#include "canonical/arena.h"
#include "test_support.h"

namespace switchyard::providers::bedrock {
namespace {

constexpr std::string_view kExampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigningInput listUsers() {
  SigningInput input;
  input.method = "GET";
  input.canonical_uri = "/";
  input.canonical_query = "Action=ListUsers&Version=2010-05-08";
  input.headers = {{"host", "iam.amazonaws.com"},
                   {"x-amz-date", "20150830T123600Z"},
                   {"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  input.payload_sha256 = kEmptySha256;
  return input;
}

TEST(SigV4, EmptyPayloadHashIsTheWellKnownValue) { EXPECT_EQ(sha256Hex(""), kEmptySha256); }

TEST(SigV4, CanonicalRequestOfAwsExampleHashesToThePublishedValue) {
  EXPECT_EQ(sha256Hex(canonicalRequest(listUsers())),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(signedHeaderList(listUsers()), "content-type;host;x-amz-date");
}

TEST(SigV4, SigningKeyOfAwsExampleMatchesThePublishedValue) {
  const std::string key = signingKey(kExampleSecret, "20150830", "us-east-1", "iam");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (const unsigned char c : key) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 0xF]);
  }
  EXPECT_EQ(hex, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4, AuthorizationOfAwsExampleCarriesThePublishedSignature) {
  const AwsCredentials credentials{"AKIDEXAMPLE", std::string(kExampleSecret), ""};
  EXPECT_EQ(authorizationHeader(credentials, "us-east-1", "iam", "20150830T123600Z", listUsers()),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, HeaderValuesAreTrimmedAndInnerBlanksCollapsed) {
  SigningInput input = listUsers();
  input.headers[2].second = "  application/x-www-form-urlencoded;   charset=utf-8 ";
  EXPECT_EQ(sha256Hex(canonicalRequest(input)),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
}

TEST(SigV4, AmzDateIsUtcBasicFormat) { EXPECT_EQ(amzDate(testing::fixedTime()), "20240501T120000Z"); }

TEST(SigV4, UriEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(uriEncode("anthropic.claude-3-haiku-20240307-v1:0", false),
            "anthropic.claude-3-haiku-20240307-v1%3A0");
  EXPECT_EQ(uriEncode("a/b c~_-.*", false), "a%2Fb%20c~_-.%2A");
  EXPECT_EQ(uriEncode("a/b", true), "a/b");
}

// Non-S3 services sign the path encoded a second time: %3A on the wire is %253A when signed
// (botocore: quote(path, safe='/~'); JS SDK: escapeUri of the path).
TEST(SigV4, CanonicalUriEncodesTheWirePathAgain) {
  EXPECT_EQ(canonicalUri("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"),
            "/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse");
  EXPECT_EQ(canonicalUri("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.x/converse"),
            "/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A1%253Ainference-profile%252Fus.x/converse");
  EXPECT_EQ(canonicalUri(""), "/");
}

// Expected values computed with botocore 1.43 (SigV4Auth(credentials, "bedrock", "us-east-1"),
// get_current_datetime patched to 2024-05-01T12:00:00Z, the same headers and body).
constexpr std::string_view kBotocoreSignature =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/bedrock/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, "
    "Signature=42d0c366c774fb2801782b95a564ee589e91360ab7f72c30e5a27921d59179f4";
constexpr std::string_view kBotocoreSignatureWithToken =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/bedrock/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, "
    "Signature=2163c2ef460962a8751bcfb660d893ac50db9b9a9908f6c3c9785512f41dffca";

std::string encodeHello(const TargetCodec& codec, bool stream, std::string& body) {
  canonical::Arena arena;
  canonical::ChatRequest request(arena);
  canonical::Part part;
  part.text = "Hello";
  request.parts.push_back(part);
  request.addMessage(canonical::Role::User, 0);
  request.stream = stream;
  std::string head;
  EXPECT_FALSE(codec.encode(request, arena, head, body).has_value());
  return head;
}

TEST(BedrockSigning, ConverseRequestIsSignedAsBotocoreSignsIt) {
  std::string body;
  const std::string head = encodeHello(*testing::haikuCodec(), false, body);
  ASSERT_EQ(body, R"({"messages":[{"role":"user","content":[{"text":"Hello"}]}]})");
  EXPECT_EQ(head,
            "POST /model/anthropic.claude-3-haiku-20240307-v1%3A0/converse HTTP/1.1\r\n"
            "Host: bedrock-runtime.us-east-1.amazonaws.com\r\n"
            "Content-Type: application/json\r\n"
            "Accept: application/json\r\n"
            "Content-Length: 59\r\n"
            "X-Amz-Date: 20240501T120000Z\r\n"
            "X-Amz-Content-Sha256: 7421da8d1a0949a481724fee62d5886aacde03836bf58248adb73e8b61ac0d54\r\n"
            "Authorization: " +
                std::string(kBotocoreSignature) +
                "\r\n"
                "User-Agent: switchyard/0.1\r\n\r\n");
}

TEST(BedrockSigning, SessionTokenIsSentAndSigned) {
  std::string body;
  const std::string head = encodeHello(*testing::haikuCodec("FwoGZXIvYXdzEXAMPLETOKEN"), false, body);
  EXPECT_NE(head.find("X-Amz-Security-Token: FwoGZXIvYXdzEXAMPLETOKEN\r\n"), std::string::npos);
  EXPECT_NE(head.find("Authorization: " + std::string(kBotocoreSignatureWithToken) + "\r\n"),
            std::string::npos);
}

TEST(BedrockSigning, StreamRequestGoesToConverseStreamAndAcceptsEventStream) {
  std::string body;
  const std::string head = encodeHello(*testing::haikuCodec(), true, body);
  EXPECT_TRUE(
      head.starts_with("POST /model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream HTTP/1.1\r\n"));
  EXPECT_NE(head.find("Accept: application/vnd.amazon.eventstream\r\n"), std::string::npos);
  EXPECT_EQ(head.find(std::string(kBotocoreSignature)), std::string::npos)
      << "another path, another signature";
}

TEST(BedrockSigning, BasePathAndNonDefaultPortReachPathAndHost) {
  auto provider = testing::bedrockProvider();
  provider.endpoint.tls = false;
  provider.endpoint.host = "127.0.0.1";
  provider.endpoint.port = 8099;
  provider.endpoint.base_path = "/bedrock";
  const auto codec = makeBedrockCodec(provider, testing::kHaiku, [] { return testing::fixedTime(); });
  std::string body;
  const std::string head = encodeHello(*codec, false, body);
  EXPECT_TRUE(
      head.starts_with("POST /bedrock/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse HTTP/1.1\r\n"));
  EXPECT_NE(head.find("Host: 127.0.0.1:8099\r\n"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::providers::bedrock
