// Anthropic error answers -> canonical errors. The body is {"type":"error","error":{"type",
// "message"},"request_id"}; error.type decides the category, and "prompt is too long" (or the
// input + max_tokens overflow message) in an invalid_request_error is a context-length error.
// A body that is not Anthropic's (a proxy's HTML page, an empty 529) is classified by its status.
#include <boost/json.hpp>

#include "canonical/context_limit.h"
#include "canonical/json_writer.h"
#include "providers/anthropic/codec_parts.h"
#include "providers/anthropic/wire_read.h"

namespace switchyard::providers::anthropic {

namespace json = boost::json;
using canonical::ErrorCategory;

namespace {
constexpr std::size_t kMaxQuotedBody = 200;  // how much of a foreign body a message quotes
}  // namespace

bool categoryForErrorType(std::string_view type, std::string_view message, ErrorCategory& out) {
  if (type == "invalid_request_error") {
    // "prompt is too long: N tokens > M maximum", "input length and `max_tokens` exceed context
    // limit: ...", and the wordings of Anthropic-compatible servers in front of other models.
    out = canonical::saysContextLengthExceeded(message) ? ErrorCategory::ContextLengthExceeded
                                                        : ErrorCategory::InvalidRequest;
  } else if (type == "authentication_error") {
    out = ErrorCategory::Authentication;
  } else if (type == "permission_error" || type == "billing_error") {
    out = ErrorCategory::PermissionDenied;
  } else if (type == "not_found_error") {
    out = ErrorCategory::NotFound;
  } else if (type == "request_too_large") {
    out = ErrorCategory::RequestTooLarge;
  } else if (type == "rate_limit_error") {
    out = ErrorCategory::RateLimited;
  } else if (type == "api_error") {
    out = ErrorCategory::Server;
  } else if (type == "overloaded_error") {
    out = ErrorCategory::Overloaded;
  } else if (type == "timeout_error") {
    out = ErrorCategory::Timeout;
  } else {
    return false;
  }
  return true;
}

canonical::Error decodeErrorBody(int status, std::string_view body, canonical::Arena& arena) {
  boost::system::error_code ec;
  const json::value* document = arena.parseJson(body, ec);
  const json::object* error = nullptr;
  if (document != nullptr && document->is_object()) {
    if (const auto* inner = document->get_object().if_contains("error"); inner != nullptr) error = inner->if_object();
  }
  if (error != nullptr) {
    const auto type = stringMember(*error, "type");
    const auto message = stringMember(*error, "message");
    ErrorCategory category;
    if (categoryForErrorType(type, message, category)) {
      // A 402 stays a billing error for Anthropic clients (code), a permission problem for others.
      const int client_status = type == "billing_error" ? 402 : statusForCategory(category);
      return canonical::Error{client_status, category, message, {}, type};
    }
    if (!message.empty()) {
      const auto by_status = categoryForStatus(status);
      return canonical::Error{statusForCategory(by_status), by_status, message, {}, type};
    }
  }
  const auto category = categoryForStatus(status);
  std::string message = "the Anthropic upstream answered HTTP " + std::to_string(status);
  if (!body.empty()) message += ": " + canonical::validUtf8Prefix(body, kMaxQuotedBody);
  return canonical::Error{statusForCategory(category), category, arena.copy(message), {}, {}};
}

}  // namespace switchyard::providers::anthropic
