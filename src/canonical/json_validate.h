#pragma once
// Checks that text is one well-formed JSON value without parsing numbers or building anything: a
// forwarded answer is relayed as bytes, so the check is all the gateway does with most of them,
// and the request probe (json_probe.h) reads its few top-level members in the same pass. It
// accepts exactly what Boost.JSON's parser accepts at the same depth limit (RFC 8259; UTF-8 well
// formed; \u escapes with paired surrogates): the rare text where the two could differ (an
// exponent of more than six digits, which Boost may refuse as an overflow) is handed to Boost.
// fuzz/json_probe.cpp holds it to that.
#include <cstddef>
#include <span>
#include <string_view>

#include "canonical/json_probe.h"

namespace switchyard::canonical {

// True when `json` is one well-formed JSON value, nested at most kMaxJsonDepth deep.
bool isValidJson(std::string_view json);

// Where a wanted top-level member's value is (the last one when a name repeats): [begin, end) for
// a scalar; a container's kind and begin only.
struct ScannedMember {
  JsonKind kind = JsonKind::Absent;
  std::size_t begin = 0;
  std::size_t end = 0;
};

struct JsonScan {
  bool valid = false;
  bool is_object = false;
  // The verdict or the members need Boost.JSON: an exponent of more than six digits, or a wanted
  // member's name could be written with escapes.
  bool needs_reference = false;
};

// One pass: validity, and out[i] for the top-level member named keys[i].
JsonScan scanJson(std::string_view json, std::span<const std::string_view> keys, std::span<ScannedMember> out);

}  // namespace switchyard::canonical
