#pragma once
// The CLI's subcommands; each returns the process exit code.
#include <string>
#include <vector>

namespace switchyard::app {

inline constexpr const char* kVersion = "0.1.0";

struct CommonOptions {
  std::string log_format = "json";
  std::string log_level = "info";
};

struct SimCommandOptions {
  std::string listen = "127.0.0.1:9001";
  std::string name = "sim";
  std::string schedule;
  std::string voice;                // empty: the name
  std::string prefill = "continue";  // continue, reject or restart
};

// `check --explain BODY`: which rule of its route an example chat request takes and the order its
// targets would be tried in (a fresh gateway: nothing open, nothing measured).
struct CheckOptions {
  std::string explain;               // a chat request body (either dialect); empty: no explanation
  std::vector<std::string> headers;  // "name: value", for rules on headers
  std::string key;                   // a client key's name, for rules on keys and key tags
};

int runServe(const std::string& config_path, const CommonOptions& options);
int runCheck(const std::string& config_path, const CheckOptions& options = {});
int runSim(const SimCommandOptions& sim, const CommonOptions& options);

}  // namespace switchyard::app
