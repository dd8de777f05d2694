#pragma once
// Reads one header line by name with a linear pass. A message has a handful of lines, and the
// fields container's own lookup (an ordered tree compared case-insensitively, character by
// character) costs several times more for each of the few names a request is asked for.
#include <string_view>

#include <boost/beast/core/string.hpp>

namespace switchyard::http {

// The value of the first line named `name` (any case), or "" when there is none.
template <class Fields>
std::string_view fieldValue(const Fields& fields, std::string_view name) {
  for (const auto& field : fields) {
    const auto line_name = field.name_string();
    if (line_name.size() == name.size() && boost::beast::iequals(line_name, name)) {
      const auto value = field.value();
      return {value.data(), value.size()};
    }
  }
  return {};
}

}  // namespace switchyard::http
