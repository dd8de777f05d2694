#pragma once
// Validates JSON and reads a few top-level members without building a document: a gateway needs
// `model` and `stream` from a body it otherwise forwards untouched, whatever the body's size.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace switchyard::canonical {

enum class JsonKind { Absent, Null, Bool, Number, String, Array, Object };

struct ProbedMember {
  JsonKind kind = JsonKind::Absent;
  std::string string_value;  // when kind == String (unescaped)
  bool bool_value = false;   // when kind == Bool
  std::int64_t int_value = 0;  // when kind == Number and the number is an integer that fits
  // Where a scalar value's text is in the JSON ([value_begin, value_end), a string's quotes
  // included), when `located`: the one-pass probe knows it; Boost's reference does not say.
  bool located = false;
  std::size_t value_begin = 0;
  std::size_t value_end = 0;
};

struct JsonProbe {
  bool valid = false;      // the whole text is one well-formed JSON value
  bool is_object = false;  // ... and it is an object
  std::string error;       // why not valid
};

inline constexpr std::size_t kMaxJsonDepth = 64;

// Fills out[i] with the top-level member named keys[i] (the last one when a key repeats). One
// pass of the validator (json_validate.h); Boost.JSON only for an error's message, a string value
// written with escapes, and the rare text the validator leaves to it.
JsonProbe probeJson(std::string_view json, std::span<const std::string_view> keys,
                    std::span<ProbedMember> out);

// The same, all by Boost.JSON's parser (a SAX handler): the reference the probe is held to.
JsonProbe probeJsonWithBoost(std::string_view json, std::span<const std::string_view> keys,
                             std::span<ProbedMember> out);

}  // namespace switchyard::canonical
