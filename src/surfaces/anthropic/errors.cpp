// Errors as api.anthropic.com renders them:
//   {"type":"error","error":{"type":"rate_limit_error","message":"..."},"request_id":"req_011C..."}
// The top-level request_id is in the current API (and in the SDK's ErrorResponse type): the
// gateway's x-request-id when the error is rendered for a request, else a fresh one.
#include "canonical/json_writer.h"
#include "surfaces/anthropic/messages.h"
#include "surfaces/anthropic/wire.h"

namespace switchyard::surfaces::anthropic {

using canonical::ErrorCategory;

std::string renderErrorBody(const canonical::Error& error) {
  std::string out;
  out.reserve(error.message.size() + 128);
  out.append(R"({"type":"error","error":{"type":")");
  out.append(errorTypeName(error));
  out.append(R"(","message":)");
  canonical::appendQuoted(out, error.message);
  out.append(R"(},"request_id":)");
  if (!error.request_id.empty()) canonical::appendQuoted(out, error.request_id);
  else canonical::appendQuoted(out, newId("req_"));
  out.append("}");
  return out;
}

int clientStatus(const canonical::Error& error) {
  if (error.code == "billing_error") return 402;
  switch (error.category) {
    case ErrorCategory::InvalidRequest:
    case ErrorCategory::ContextLengthExceeded: return 400;
    case ErrorCategory::Authentication: return 401;
    case ErrorCategory::PermissionDenied: return 403;
    case ErrorCategory::NotFound: return 404;
    case ErrorCategory::RequestTooLarge: return 413;
    case ErrorCategory::RateLimited: return 429;
    case ErrorCategory::Server: return 500;
    case ErrorCategory::Overloaded: return 529;
    case ErrorCategory::Timeout: return 504;
  }
  return 500;
}

}  // namespace switchyard::surfaces::anthropic
