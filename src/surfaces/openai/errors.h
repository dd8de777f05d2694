#pragma once
// Errors in the OpenAI API's shape: {"error":{"message","type","param","code"}}, plus the gateway's
// "request_id" in the error object when there is one (the SDKs ignore fields they do not know).
#include <string>
#include <string_view>

namespace switchyard::surfaces::openai {

struct ClientError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // empty renders as null
  std::string code;   // empty renders as null
  std::string request_id;  // the gateway's request id; left out when empty
};

std::string renderError(const ClientError& error);

// The error type OpenAI uses for an HTTP status the gateway produces itself.
std::string_view errorTypeForStatus(int status);

}  // namespace switchyard::surfaces::openai
