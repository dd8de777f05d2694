#include "sim/fault.h"

#include <boost/json.hpp>

#include <charconv>
#include <cstdint>
#include <limits>

namespace switchyard::sim {
namespace {

namespace json = boost::json;

constexpr unsigned kMinStatus = 100;
constexpr unsigned kMaxStatus = 599;
constexpr unsigned kOkStatus = 200;
constexpr uint64_t kMaxOversizedBytes = uint64_t{1} << 32;
constexpr unsigned kMaxDripBytes = 16U << 20;

std::optional<uint64_t> nonNegativeInteger(const json::value& value) {
  if (value.is_uint64()) return value.get_uint64();
  if (value.is_int64() && value.get_int64() >= 0) return static_cast<uint64_t>(value.get_int64());
  return std::nullopt;
}

std::optional<unsigned> smallCount(const json::value& value) {
  auto number = nonNegativeInteger(value);
  if (!number || *number > std::numeric_limits<unsigned>::max()) return std::nullopt;
  return static_cast<unsigned>(*number);
}

std::optional<unsigned> parseUnsigned(std::string_view text) {
  unsigned number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return number;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// RFC 9110 token characters: what a header name may hold.
bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (!isTokenChar(c)) return false;
  }
  return true;
}

// One line of visible text: no CR, LF or NUL (they would split or end the header).
bool isHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string fieldError(std::string_view field, std::string_view expected) {
  return "fault field \"" + std::string(field) + "\" must be " + std::string(expected);
}

// Applies one FAULT field; returns an error message, or empty on success.
std::string applyField(Fault& fault, std::string_view key, const json::value& value) {
  if (key == "status") {
    auto status = smallCount(value);
    if (!status || *status < kMinStatus || *status > kMaxStatus) {
      return fieldError(key, "an HTTP status between 100 and 599");
    }
    fault.status = *status;
  } else if (key == "retry_after") {
    if (value.is_string()) {
      fault.retry_after = std::string(value.get_string());
    } else if (auto seconds = nonNegativeInteger(value)) {
      fault.retry_after = std::to_string(*seconds);
    } else {
      return fieldError(key, "a string or a non-negative integer");
    }
  } else if (key == "body") {
    // A JSON value other than a string is taken as the body itself, serialized.
    fault.body = value.is_string() ? std::string(value.get_string()) : json::serialize(value);
  } else if (key == "headers") {
    // {"Name": "value" or a number, ...}: numbers are sent as their decimal text.
    if (!value.is_object()) return fieldError(key, "an object of header names to values");
    fault.headers.clear();
    for (const auto& [name, header_value] : value.get_object()) {
      std::string text;
      if (header_value.is_string()) {
        text = std::string(header_value.get_string());
      } else if (auto number = nonNegativeInteger(header_value)) {
        text = std::to_string(*number);
      } else {
        return fieldError(key, "an object whose values are strings or non-negative integers");
      }
      if (!isHeaderName(name) || !isHeaderValue(text)) {
        return fieldError(key, "an object of header names (HTTP tokens) to one-line values");
      }
      fault.headers.emplace_back(std::string(name), std::move(text));
    }
  } else if (key == "reset" || key == "hang" || key == "malformed" || key == "ok") {
    if (!value.is_bool()) return fieldError(key, "true or false");
    if (key == "reset") fault.reset = value.get_bool();
    if (key == "hang") fault.hang = value.get_bool();
    if (key == "malformed") fault.malformed = value.get_bool();
  } else if (key == "delay_ms" || key == "token_delay_ms") {
    auto ms = nonNegativeInteger(value);
    if (!ms || *ms > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
      return fieldError(key, "a non-negative number of milliseconds");
    }
    (key == "delay_ms" ? fault.delay : fault.token_delay) = std::chrono::milliseconds(*ms);
  } else if (key == "stall_after" || key == "truncate_after" || key == "error_after" || key == "malformed_after") {
    auto count = smallCount(value);
    if (!count) return fieldError(key, "a non-negative number of chunks");
    (key == "stall_after"      ? fault.stall_after
     : key == "truncate_after" ? fault.truncate_after
     : key == "error_after"    ? fault.error_after
                               : fault.malformed_after) = *count;
  } else if (key == "endless_event_after" || key == "keepalive_after" || key == "invalid_utf8_after") {
    auto count = smallCount(value);
    if (!count) return fieldError(key, "a non-negative number of chunks");
    (key == "endless_event_after" ? fault.endless_event_after
     : key == "keepalive_after"   ? fault.keepalive_after
                                  : fault.invalid_utf8_after) = *count;
  } else if (key == "oversized_bytes") {
    auto bytes = nonNegativeInteger(value);
    if (!bytes || *bytes > kMaxOversizedBytes) return fieldError(key, "a number of bytes up to 4 GiB");
    fault.oversized_bytes = *bytes;
  } else if (key == "content_length_delta") {
    if (!value.is_int64() && !value.is_uint64()) return fieldError(key, "an integer (negative: shorter than the body)");
    if (value.is_uint64() && value.get_uint64() > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
      return fieldError(key, "an integer of reasonable size");
    }
    fault.content_length_delta = value.is_int64() ? value.get_int64() : static_cast<int64_t>(value.get_uint64());
  } else if (key == "extra_bytes") {
    if (!value.is_string()) return fieldError(key, "a string (sent as is)");
    fault.extra_bytes = std::string(value.get_string());
  } else if (key == "extra_bytes_after_ms") {
    auto ms = smallCount(value);
    if (!ms) return fieldError(key, "a non-negative number of milliseconds");
    fault.extra_bytes_after_ms = *ms;
  } else if (key == "drip_ms" || key == "drip_bytes") {
    auto number = smallCount(value);
    if (!number || *number == 0 || (key == "drip_bytes" && *number > kMaxDripBytes)) {
      return fieldError(key, key == "drip_ms" ? "a positive number of milliseconds" : "a number of bytes from 1 to 16 MiB");
    }
    (key == "drip_ms" ? fault.drip_ms : fault.drip_bytes) = *number;
  } else {
    return "unknown fault field \"" + std::string(key) +
           "\" (known: status, retry_after, headers, body, reset, hang, delay_ms, token_delay_ms, "
           "stall_after, truncate_after, error_after, malformed_after, malformed, oversized_bytes, "
           "endless_event_after, keepalive_after, content_length_delta, extra_bytes, extra_bytes_after_ms, "
           "invalid_utf8_after, drip_ms, drip_bytes, ok)";
  }
  return {};
}

}  // namespace

bool Fault::isNormal() const { return *this == Fault{}; }

bool Fault::answersWithError() const {
  return body.has_value() || (status.has_value() && *status != kOkStatus);
}

FaultResult parseFault(const json::value& value) {
  if (!value.is_object()) return FaultResult(boost::system::in_place_error, "a fault must be a JSON object");
  Fault fault;
  for (const auto& field : value.get_object()) {
    std::string error = applyField(fault, field.key(), field.value());
    if (!error.empty()) return FaultResult(boost::system::in_place_error, std::move(error));
  }
  return fault;
}

FaultResult parseFaultText(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return FaultResult(boost::system::in_place_error, "fault is not valid JSON: " + ec.message());
  return parseFault(value);
}

FaultResult parseScheduleToken(std::string_view token) {
  token = trim(token);
  Fault fault;
  if (token == "ok") return fault;
  if (token == "reset") {
    fault.reset = true;
    return fault;
  }
  if (token == "hang") {
    fault.hang = true;
    return fault;
  }
  if (token == "malformed") {
    fault.malformed = true;
    return fault;
  }
  if (auto status = parseUnsigned(token)) {
    if (token.size() == 3 && *status >= kMinStatus && *status <= kMaxStatus) {
      fault.status = *status;
      return fault;
    }
  }
  const size_t colon = token.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view kind = token.substr(0, colon);
    const auto count = parseUnsigned(token.substr(colon + 1));
    if (count && kind == "delay") {
      fault.delay = std::chrono::milliseconds(*count);
      return fault;
    }
    if (count && kind == "truncate") {
      fault.truncate_after = *count;
      return fault;
    }
    if (count && kind == "stall") {
      fault.stall_after = *count;
      return fault;
    }
    if (count && kind == "oversized") {
      fault.oversized_bytes = *count;
      return fault;
    }
    if (count && kind == "endless") {
      fault.endless_event_after = *count;
      return fault;
    }
    if (count && kind == "keepalive") {
      fault.keepalive_after = *count;
      return fault;
    }
    if (count && kind == "utf8") {
      fault.invalid_utf8_after = *count;
      return fault;
    }
  }
  return FaultResult(boost::system::in_place_error,
                     "bad schedule token \"" + std::string(token) +
                         "\" (expected ok, NNN, reset, hang, malformed, delay:MS, truncate:K, "
                         "stall:K, oversized:BYTES, endless:K, keepalive:K or utf8:K)");
}

ScheduleResult parseSchedule(std::string_view spec) {
  std::vector<Fault> faults;
  while (true) {
    const size_t comma = spec.find(',');
    auto fault = parseScheduleToken(spec.substr(0, comma));
    if (!fault) return ScheduleResult(boost::system::in_place_error, fault.error());
    faults.push_back(*fault);
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  return faults;
}

json::object faultToJson(const Fault& fault) {
  json::object out;
  if (fault.status) out["status"] = *fault.status;
  if (fault.retry_after) out["retry_after"] = *fault.retry_after;
  if (!fault.headers.empty()) {
    json::object headers;
    for (const auto& [name, value] : fault.headers) headers[name] = value;
    out["headers"] = std::move(headers);
  }
  if (fault.body) out["body"] = *fault.body;
  if (fault.reset) out["reset"] = true;
  if (fault.hang) out["hang"] = true;
  if (fault.malformed) out["malformed"] = true;
  if (fault.delay.count() != 0) out["delay_ms"] = fault.delay.count();
  if (fault.token_delay.count() != 0) out["token_delay_ms"] = fault.token_delay.count();
  if (fault.stall_after) out["stall_after"] = *fault.stall_after;
  if (fault.truncate_after) out["truncate_after"] = *fault.truncate_after;
  if (fault.error_after) out["error_after"] = *fault.error_after;
  if (fault.malformed_after) out["malformed_after"] = *fault.malformed_after;
  if (fault.oversized_bytes) out["oversized_bytes"] = *fault.oversized_bytes;
  if (fault.endless_event_after) out["endless_event_after"] = *fault.endless_event_after;
  if (fault.keepalive_after) out["keepalive_after"] = *fault.keepalive_after;
  if (fault.content_length_delta) out["content_length_delta"] = *fault.content_length_delta;
  if (fault.extra_bytes) out["extra_bytes"] = *fault.extra_bytes;
  if (fault.extra_bytes_after_ms) out["extra_bytes_after_ms"] = *fault.extra_bytes_after_ms;
  if (fault.invalid_utf8_after) out["invalid_utf8_after"] = *fault.invalid_utf8_after;
  if (fault.drip_ms) out["drip_ms"] = *fault.drip_ms;
  if (fault.drip_bytes) out["drip_bytes"] = *fault.drip_bytes;
  return out;
}

}  // namespace switchyard::sim
