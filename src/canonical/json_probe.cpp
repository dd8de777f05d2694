#include "canonical/json_probe.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cstdint>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>

#include "canonical/json_validate.h"

namespace switchyard::canonical {

namespace {

using boost::json::error_code;
using JsonView = boost::json::string_view;

// A SAX handler that tracks depth and records the wanted top-level members; everything else is
// validated and dropped.
class ProbeHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  ProbeHandler(std::span<const std::string_view> keys, std::span<ProbedMember> out)
      : keys_(keys), out_(out) {}

  bool topIsObject() const { return top_is_object_; }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    if (depth_ == 0) top_is_object_ = true;
    valueAt(JsonKind::Object);
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, error_code&) { --depth_; return true; }
  bool on_array_begin(error_code&) {
    valueAt(JsonKind::Array);
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t, error_code&) { --depth_; return true; }
  bool on_key_part(JsonView part, std::size_t, error_code&) {
    if (depth_ == 1) key_.append(part.data(), part.size());
    return true;
  }
  bool on_key(JsonView part, std::size_t, error_code&) {
    if (depth_ != 1) return true;
    key_.append(part.data(), part.size());
    current_ = nullptr;
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] == key_) current_ = &out_[i];
    }
    key_.clear();
    return true;
  }
  bool on_string_part(JsonView part, std::size_t, error_code&) {
    if (depth_ == 1 && current_ != nullptr) string_.append(part.data(), part.size());
    return true;
  }
  bool on_string(JsonView part, std::size_t, error_code&) {
    if (depth_ == 1 && current_ != nullptr) {
      string_.append(part.data(), part.size());
      current_->string_value = std::move(string_);
      string_.clear();
    }
    valueAt(JsonKind::String);
    return true;
  }
  bool on_number_part(JsonView, error_code&) { return true; }
  bool on_int64(std::int64_t value, JsonView, error_code&) {
    if (depth_ == 1 && current_ != nullptr) current_->int_value = value;
    valueAt(JsonKind::Number);
    return true;
  }
  bool on_uint64(std::uint64_t value, JsonView, error_code&) {
    if (depth_ == 1 && current_ != nullptr) {
      current_->int_value = static_cast<std::int64_t>(std::min<std::uint64_t>(value, INT64_MAX));
    }
    valueAt(JsonKind::Number);
    return true;
  }
  bool on_double(double, JsonView, error_code&) { valueAt(JsonKind::Number); return true; }
  bool on_bool(bool value, error_code&) {
    if (depth_ == 1 && current_ != nullptr) current_->bool_value = value;
    valueAt(JsonKind::Bool);
    return true;
  }
  bool on_null(error_code&) { valueAt(JsonKind::Null); return true; }
  bool on_comment_part(JsonView, error_code&) { return true; }
  bool on_comment(JsonView, error_code&) { return true; }

 private:
  // A value begins at the current depth: when it is a wanted top-level member, note its kind.
  void valueAt(JsonKind kind) {
    if (depth_ == 1 && current_ != nullptr) {
      current_->kind = kind;
      current_ = nullptr;
    }
  }

  std::span<const std::string_view> keys_;
  std::span<ProbedMember> out_;
  ProbedMember* current_ = nullptr;
  std::size_t depth_ = 0;
  bool top_is_object_ = false;
  std::string key_;
  std::string string_;
};

}  // namespace

JsonProbe probeJsonWithBoost(std::string_view json, std::span<const std::string_view> keys,
                             std::span<ProbedMember> out) {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::json::basic_parser<ProbeHandler> parser(options, keys, out);
  error_code ec;
  const std::size_t used = parser.write_some(false, json.data(), json.size(), ec);
  JsonProbe probe;
  if (!ec && used != json.size()) ec = boost::json::error::extra_data;
  if (ec) {
    probe.error = ec.message();
    for (auto& member : out) member = ProbedMember{};
    return probe;
  }
  probe.valid = true;
  probe.is_object = parser.handler().topIsObject();
  return probe;
}

namespace {

// A member's value from the text the scan found it in.
void readMember(std::string_view json, const ScannedMember& scanned, ProbedMember& member) {
  member = ProbedMember{};
  member.kind = scanned.kind;
  if (scanned.kind == JsonKind::Absent) return;
  member.located = true;
  member.value_begin = scanned.begin;
  member.value_end = scanned.end;
  const std::string_view text = json.substr(scanned.begin, scanned.end - scanned.begin);
  switch (scanned.kind) {
    case JsonKind::String:
      if (text.find('\\') == std::string_view::npos) {
        member.string_value.assign(text.substr(1, text.size() - 2));
      } else {
        // Escapes (a client's rare spelling): Boost unescapes the one value, already validated.
        boost::system::error_code ec;
        const boost::json::value value = boost::json::parse(text, ec);
        if (!ec && value.is_string()) member.string_value.assign(value.get_string().data(), value.get_string().size());
      }
      break;
    case JsonKind::Bool: member.bool_value = text.front() == 't'; break;
    case JsonKind::Number: {
      // An integer that fits int64, or uint64 (held at INT64_MAX), as Boost reports them; a
      // fraction, an exponent or a larger integer is a double, whose value the probe leaves out.
      if (text.find_first_of(".eE") != std::string_view::npos) break;
      std::int64_t value = 0;
      const auto signed_result = std::from_chars(text.data(), text.data() + text.size(), value);
      if (signed_result.ec == std::errc{}) {
        member.int_value = value;
        break;
      }
      std::uint64_t unsigned_value = 0;
      if (text.front() != '-' &&
          std::from_chars(text.data(), text.data() + text.size(), unsigned_value).ec == std::errc{}) {
        member.int_value = INT64_MAX;
      }
      break;
    }
    default: break;
  }
}

}  // namespace

JsonProbe probeJson(std::string_view json, std::span<const std::string_view> keys,
                    std::span<ProbedMember> out) {
  constexpr std::size_t kMaxKeys = 8;
  std::array<ScannedMember, kMaxKeys> scanned;
  if (keys.size() > kMaxKeys) return probeJsonWithBoost(json, keys, out);
  const JsonScan scan = scanJson(json, keys, std::span(scanned).first(keys.size()));
  // Invalid text (for Boost's words on what is wrong) and the rare text the scan leaves to Boost.
  if (!scan.valid || scan.needs_reference) return probeJsonWithBoost(json, keys, out);
  for (std::size_t i = 0; i < keys.size(); ++i) readMember(json, scanned[i], out[i]);
  JsonProbe probe;
  probe.valid = true;
  probe.is_object = scan.is_object;
  return probe;
}

}  // namespace switchyard::canonical
