// switchyard: the resilient LLM gateway. Subcommands: serve, check, requests, sim.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.h"

int main(int argc, char** argv) {
  using namespace switchyard::app;
  CLI::App app{"Switchyard: a resilient LLM gateway (OpenAI-compatible endpoint, failover across providers)"};
  app.set_version_flag("--version", std::string("switchyard ") + kVersion);
  app.require_subcommand(1);

  CommonOptions common;
  const auto add_logging = [&common](CLI::App* command) {
    command->add_option("--log-format", common.log_format, "json (one object per line) or text")
        ->check(CLI::IsMember({"json", "text"}));
    command->add_option("--log-level", common.log_level, "debug, info, warn or error")
        ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  };

  std::string config_path;
  auto* serve = app.add_subcommand("serve", "Run the gateway");
  serve->add_option("--config,-c", config_path, "YAML configuration file")->required();
  add_logging(serve);

  auto* check = app.add_subcommand("check", "Validate a configuration and print the resolved routing table");
  check->add_option("--config,-c", config_path, "YAML configuration file")->required();
  CheckOptions check_options;
  check->add_option("--explain", check_options.explain,
                    "a chat request body, e.g. '{\"model\":\"chat\",\"messages\":[...]}': print the rule it takes "
                    "and the order of its targets under the route's strategy, with prices");
  check->add_option("--header", check_options.headers, "with --explain: a request header 'name: value' (repeatable)");
  check->add_option("--key", check_options.key, "with --explain: the name of the client key making the request");

  auto* requests = app.add_subcommand("requests", "Print the request log (the store's audit records), newest first");
  requests->add_option("--config,-c", config_path, "YAML configuration file (its store is read, never changed)")
      ->required();
  RequestsOptions requests_options;
  requests->add_option("--since", requests_options.since,
                       "only requests started since: a duration back from now (30m, 1h, 2d), unix seconds or a date");
  requests->add_option("--route", requests_options.route, "only this route's requests");
  requests->add_option("--outcome", requests_options.outcome,
                       "only this outcome: ok, failed_over, client_error, failed, incomplete, client_gone, refused "
                       "or interrupted");
  requests->add_option("--key", requests_options.key, "only requests made with this key id");
  requests->add_option("--limit", requests_options.limit, "at most N requests, the newest (default 100)");
  requests->add_flag("--json", requests_options.json, "print each record as one line of JSON");

  DrillOptions drill_options;
  auto* drill = app.add_subcommand("drill", "Run an outage drill on a running gateway: take a target out of rotation "
                                            "for a while (POST /admin/drills; admin key from SWITCHYARD_ADMIN_KEY)");
  drill->add_option("--config,-c", config_path, "the gateway's YAML configuration file (its listen address)")->required();
  drill->add_option("--target", drill_options.target, "the target to take out, provider/model")->required();
  drill->add_option("--duration", drill_options.duration, "how long (default 60s)");
  drill->add_flag("--end", drill_options.end, "end the target's drill now instead");
  drill->add_flag("--wait", drill_options.wait, "wait for the drill to end, then print its post-mortem");

  SimCommandOptions sim;
  auto* sim_command = app.add_subcommand("sim", "Run the upstream simulator (an OpenAI-compatible fake provider with fault injection)");
  sim_command->add_option("--listen", sim.listen, "HOST:PORT to listen on (port 0 picks one)");
  sim_command->add_option("--name", sim.name, "name shown in logs, and in answers unless --voice is set");
  sim_command->add_option("--voice", sim.voice,
                          "name shown in answers (\"Hello from VOICE: ...\"); sims with one voice answer alike");
  sim_command->add_option("--prefill", sim.prefill,
                          "what a request ending with an assistant turn gets: continue (the rest of the answer), "
                          "reject (400) or restart (the whole answer, ignoring continuation turns)")
      ->check(CLI::IsMember({"continue", "reject", "restart"}));
  sim_command->add_option("--schedule", sim.schedule,
                          "faults applied in a loop, e.g. \"503,ok\" (tokens: ok, NNN, reset, hang, malformed, delay:MS, truncate:K, stall:K)");
  add_logging(sim_command);

  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) return runServe(config_path, common);
  if (check->parsed()) return runCheck(config_path, check_options);
  if (requests->parsed()) return runRequests(config_path, requests_options);
  if (sim_command->parsed()) return runSim(sim, common);
  if (drill->parsed()) return runDrill(config_path, drill_options);
  return 2;
}
