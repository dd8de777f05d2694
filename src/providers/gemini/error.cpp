#include "providers/gemini/error.h"

#include <boost/json/value.hpp>
#include <string>

#include "canonical/context_limit.h"
#include "canonical/json_writer.h"

namespace switchyard::providers::gemini {
namespace {

namespace json = boost::json;
using canonical::ErrorCategory;

constexpr std::size_t kMaxQuotedBody = 512;

// A server error keeps the provider's own 5xx; every other category gets its usual status.
int clientStatus(ErrorCategory category, int upstream_status) {
  if (category == ErrorCategory::Server && upstream_status >= 500 && upstream_status <= 599) return upstream_status;
  return canonical::statusForCategory(category);
}

bool contains(std::string_view text, std::string_view word) {
  return text.find(word) != std::string_view::npos;
}

// Google says "The input token count (N) exceeds the maximum number of tokens allowed (M)";
// Vertex AI's partner models (Claude, Llama, Mistral) say it in their own words.
bool isContextLength(std::string_view message) {
  return contains(message, "exceeds the maximum number of tokens") || contains(message, "input token count") ||
         contains(message, "context window") || canonical::saysContextLengthExceeded(message);
}

ErrorCategory categoryForToken(std::string_view token, std::string_view message, int status) {
  if (token == "INVALID_ARGUMENT" || token == "FAILED_PRECONDITION" || token == "OUT_OF_RANGE") {
    if (contains(message, "API key not valid") || contains(message, "API key expired")) {
      return ErrorCategory::Authentication;
    }
    return isContextLength(message) ? ErrorCategory::ContextLengthExceeded : ErrorCategory::InvalidRequest;
  }
  if (token == "UNAUTHENTICATED") return ErrorCategory::Authentication;
  if (token == "PERMISSION_DENIED") return ErrorCategory::PermissionDenied;
  if (token == "NOT_FOUND") return ErrorCategory::NotFound;
  if (token == "RESOURCE_EXHAUSTED") return ErrorCategory::RateLimited;
  if (token == "INTERNAL" || token == "UNKNOWN" || token == "DATA_LOSS") return ErrorCategory::Server;
  if (token == "UNAVAILABLE") return ErrorCategory::Overloaded;
  if (token == "DEADLINE_EXCEEDED") return ErrorCategory::Timeout;
  // No status token (a proxy's or a partner model's body): the wording still tells an overflow.
  const auto by_status = canonical::categoryForStatus(status);
  if (by_status == ErrorCategory::InvalidRequest && isContextLength(message)) return ErrorCategory::ContextLengthExceeded;
  return by_status;
}

// The google.rpc.Status object of a body: {"error":{...}}, or the first element of the array that
// streamGenerateContent without alt=sse answers with.
const json::object* statusObject(const json::value* parsed) {
  if (parsed == nullptr) return nullptr;
  const json::value* root = parsed;
  if (const auto* array = root->if_array(); array != nullptr && !array->empty()) root = &array->front();
  const auto* object = root->if_object();
  if (object == nullptr) return nullptr;
  const auto* error = object->if_contains("error");
  return error != nullptr ? error->if_object() : nullptr;
}

std::string_view stringAt(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return {value->get_string().data(), value->get_string().size()};
}

}  // namespace

canonical::Error decodeGeminiError(int status, std::string_view body, canonical::Arena& arena) {
  canonical::Error error;
  boost::system::error_code ec;
  const auto* parsed = body.empty() ? nullptr : arena.parseJson(body, ec);
  if (const auto* rpc = statusObject(parsed)) {
    error.message = stringAt(*rpc, "message");
    const auto token = stringAt(*rpc, "status");
    int code = status;
    if (const auto* value = rpc->if_contains("code"); value != nullptr && value->is_int64()) {
      code = static_cast<int>(value->get_int64());
    }
    error.category = categoryForToken(token, error.message, code >= 400 ? code : status);
  } else {
    error.category = canonical::categoryForStatus(status);
    error.message = arena.copy(canonical::validUtf8Prefix(body, kMaxQuotedBody));
  }
  if (error.message.empty()) error.message = arena.copy("Gemini answered HTTP " + std::to_string(status));
  if (error.category == ErrorCategory::ContextLengthExceeded) error.code = "context_length_exceeded";
  if (error.category == ErrorCategory::Authentication) error.code = "invalid_api_key";
  error.status = clientStatus(error.category, status);
  return error;
}

}  // namespace switchyard::providers::gemini
