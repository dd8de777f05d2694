#include <iostream>

#include "app/commands.h"
#include "sim/sim_server.h"

namespace switchyard::app {

int runSim(const SimCommandOptions& command, const CommonOptions& common) {
  sim::SimOptions options;
  const auto colon = command.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "switchyard sim: --listen wants HOST:PORT, got '" << command.listen << "'\n";
    return 2;
  }
  options.host = command.listen.substr(0, colon);
  if (options.host.size() > 1 && options.host.front() == '[') options.host = options.host.substr(1, options.host.size() - 2);
  try {
    options.port = static_cast<std::uint16_t>(std::stoul(command.listen.substr(colon + 1)));
  } catch (const std::exception&) {
    std::cerr << "switchyard sim: bad port in --listen '" << command.listen << "'\n";
    return 2;
  }
  options.name = command.name;
  options.voice = command.voice;
  const auto prefill = sim::parsePrefillMode(command.prefill);
  if (!prefill) {
    std::cerr << "switchyard sim: --prefill wants continue, reject or restart, got '" << command.prefill << "'\n";
    return 2;
  }
  options.prefill = *prefill;
  options.schedule = command.schedule;
  options.log_format = common.log_format;
  return sim::runSimulator(options);
}

}  // namespace switchyard::app
