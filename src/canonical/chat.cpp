#include "canonical/chat.h"

namespace switchyard::canonical {

std::string_view toString(Dialect dialect) {
  switch (dialect) {
    case Dialect::OpenAi: return "openai";
    case Dialect::Anthropic: return "anthropic";
    case Dialect::Gemini: return "gemini";
    case Dialect::Bedrock: return "bedrock";
  }
  return "unknown";
}

ErrorCategory categoryForStatus(int status) {
  switch (status) {
    case 401: return ErrorCategory::Authentication;
    case 402:
    case 403: return ErrorCategory::PermissionDenied;
    case 404: return ErrorCategory::NotFound;
    case 408:
    case 504: return ErrorCategory::Timeout;
    case 413: return ErrorCategory::RequestTooLarge;
    case 429: return ErrorCategory::RateLimited;
    case 503:
    case 529: return ErrorCategory::Overloaded;
    default: return status >= 500 ? ErrorCategory::Server : ErrorCategory::InvalidRequest;
  }
}

int statusForCategory(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::InvalidRequest:
    case ErrorCategory::ContextLengthExceeded: return 400;
    case ErrorCategory::Authentication: return 401;
    case ErrorCategory::PermissionDenied: return 403;
    case ErrorCategory::NotFound: return 404;
    case ErrorCategory::RequestTooLarge: return 413;
    case ErrorCategory::RateLimited: return 429;
    case ErrorCategory::Server: return 500;
    case ErrorCategory::Overloaded: return 503;
    case ErrorCategory::Timeout: return 504;
  }
  return 500;
}

}  // namespace switchyard::canonical
