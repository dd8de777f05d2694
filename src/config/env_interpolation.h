#pragma once
// ${NAME} substitution in config values, so secrets and per-host settings stay out of the file.
#include <string>
#include <string_view>

#include "config/config.h"

namespace switchyard::config {

struct Interpolation {
  std::string value;  // the text with every ${NAME} replaced; meaningless when error is set
  std::string error;  // empty on success; otherwise what went wrong, naming the variable
};

// Replaces each ${NAME} (NAME: letters, digits, '_', not starting with a digit) with env(NAME).
// "$${" stands for a literal "${". Substituted values are not scanned again, so a secret containing
// "${" stays as it is. An unset variable, an unterminated "${" or an invalid name is an error.
Interpolation interpolate(std::string_view text, const EnvLookup& env);

}  // namespace switchyard::config
