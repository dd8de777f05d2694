#include "surfaces/anthropic/wire.h"

#include <algorithm>
#include <random>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

namespace switchyard::surfaces::anthropic {

using canonical::ErrorCategory;
using canonical::FinishReason;

namespace {
constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::size_t kIdLength = 24;  // after the prefix, as in "msg_013Zva2CMHLNnXjNJJKqJ2EF"
}  // namespace

std::string_view stopReasonName(FinishReason finish) {
  switch (finish) {
    case FinishReason::EndTurn: return "end_turn";
    case FinishReason::StopSequence: return "stop_sequence";
    case FinishReason::MaxTokens: return "max_tokens";
    case FinishReason::ToolUse: return "tool_use";
    case FinishReason::ContentFilter: return "refusal";
  }
  return "end_turn";
}

std::string_view errorTypeName(const canonical::Error& error) {
  if (error.code == "billing_error") return "billing_error";
  switch (error.category) {
    case ErrorCategory::InvalidRequest:
    case ErrorCategory::ContextLengthExceeded: return "invalid_request_error";
    case ErrorCategory::Authentication: return "authentication_error";
    case ErrorCategory::PermissionDenied: return "permission_error";
    case ErrorCategory::NotFound: return "not_found_error";
    case ErrorCategory::RequestTooLarge: return "request_too_large";
    case ErrorCategory::RateLimited: return "rate_limit_error";
    case ErrorCategory::Server: return "api_error";
    case ErrorCategory::Overloaded: return "overloaded_error";
    case ErrorCategory::Timeout: return "timeout_error";
  }
  return "api_error";
}

std::string newId(std::string_view prefix) {
  // Ids are made only when the upstream gave none; one random_device read per id keeps the
  // surface free of shared generator state.
  std::random_device device;
  std::mt19937_64 random((static_cast<std::uint64_t>(device()) << 32) | device());
  std::uniform_int_distribution<std::size_t> pick(0, kBase62.size() - 1);
  std::string id(prefix);
  id.append("01");
  for (std::size_t i = 2; i < kIdLength; ++i) id.push_back(kBase62[pick(random)]);
  return id;
}

void appendInputObject(std::string& out, std::string_view arguments) {
  const auto first = arguments.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && arguments[first] == '{') {
    unsigned char buffer[4096];
    boost::json::monotonic_resource memory(buffer, sizeof buffer);
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(boost::json::string_view(arguments.data(), arguments.size()),
                                           ec, &memory);
    if (!ec && parsed.is_object()) {
      out.append(arguments);
      return;
    }
  }
  out.append("{}");
}

std::int64_t uncachedInputTokens(const canonical::Usage& usage) {
  return std::max<std::int64_t>(0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens);
}

}  // namespace switchyard::surfaces::anthropic
