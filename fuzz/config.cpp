// The YAML config loader: any text either loads into a Config or is refused with a ConfigError
// (FILE:LINE: key: what); any other exception escaping the loader is a finding. `check` prints
// what loaded, so describe() runs too. Variables resolve from a fixed environment.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "config/config.h"
#include "fuzz_support.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(fuzzing::asView(data, size));
  const config::EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "EMPTY") return std::string();
    if (name == "NEWLINE") return std::string("sk-line\n");
    if (name.starts_with("UNSET")) return std::nullopt;
    return "sk-" + name;
  };
  try {
    const config::Config loaded = config::loadString(yaml, "/nonexistent/fuzz.yaml", env);
    (void)config::describe(loaded);
  } catch (const config::ConfigError&) {
  }
  return 0;
}
