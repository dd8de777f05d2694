#pragma once
// "%2F" -> "/": ids in URL paths (model ids, target ids) arrive percent-encoded from SDKs and
// browsers. A '%' not followed by two hex digits is kept as is.
#include <string>
#include <string_view>

namespace switchyard::base {

std::string percentDecode(std::string_view text);

}  // namespace switchyard::base
