#pragma once
// The CLI's subcommands; each returns the process exit code.
#include <cstddef>
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

// `requests`: the store's audit records, newest first (a table, or JSON lines).
struct RequestsOptions {
  std::string since;  // a duration back from now (1h), unix seconds or a date; empty: any time
  std::string route, outcome, key;
  std::size_t limit = 100;
  bool json = false;
};

// `drill`: an outage drill on a running gateway, through its admin API (POST /admin/drills), at the
// config's listen address with the admin key from SWITCHYARD_ADMIN_KEY.
struct DrillOptions {
  std::string target;            // provider/model
  std::string duration = "60s";
  bool end = false;              // end the target's drill now instead (DELETE /admin/drills/TARGET)
  bool wait = false;             // wait for it to end, then print its post-mortem
};

int runServe(const std::string& config_path, const CommonOptions& options);
int runDrill(const std::string& config_path, const DrillOptions& options);
int runCheck(const std::string& config_path, const CheckOptions& options = {});
int runSim(const SimCommandOptions& sim, const CommonOptions& options);
int runRequests(const std::string& config_path, const RequestsOptions& options);

}  // namespace switchyard::app
