#pragma once
// ${NAME} substitution in config values, so secrets and per-host settings stay out of the file.
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace switchyard::config {

struct Interpolation {
  std::string value;  // the text with every ${...} replaced; meaningless when error is set
  std::string error;  // empty on success; otherwise what went wrong, naming the variable
  std::vector<std::string> variables;  // the names substituted, in order (for messages)
};

// Replaces, as POSIX shells do (NAME: letters, digits, '_', not starting with a digit):
//   ${NAME}          env(NAME); an error when NAME is unset or empty (an empty key is a mistake,
//                    not "no key": write ${NAME:-} to allow it)
//   ${NAME:-TEXT}    env(NAME), or TEXT when NAME is unset or empty (TEXT is literal, up to '}')
//   ${NAME:?TEXT}    env(NAME), or an error saying TEXT when NAME is unset or empty
// "$${" stands for a literal "${". Substituted values are not scanned again, so a secret containing
// "${" stays as it is. An unterminated "${" or an invalid name is an error.
Interpolation interpolate(std::string_view text, const EnvLookup& env);

}  // namespace switchyard::config
