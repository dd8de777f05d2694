#pragma once
// The CLI's subcommands; each returns the process exit code.
#include <string>

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

int runServe(const std::string& config_path, const CommonOptions& options);
int runCheck(const std::string& config_path);
int runSim(const SimCommandOptions& sim, const CommonOptions& options);

}  // namespace switchyard::app
