// The resolved routing table that `switchyard check` prints. Secrets are shown only as set/none.
#include <sstream>

#include "base/duration.h"
#include "config/address.h"
#include "config/config.h"

namespace switchyard::config {
namespace {

using base::formatDuration;

std::string hostPort(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

void describeProvider(std::ostringstream& out, const Provider& provider) {
  out << "  " << provider.name << "\n";
  out << "    kind        " << provider.kind;
  if (!provider.preset.empty()) out << " (preset " << provider.preset << ")";
  out << "\n";
  out << "    base_url    " << provider.base_url << "\n";
  if (provider.kind == "bedrock") {
    out << "    region      " << provider.region << "\n";
    out << "    aws keys    " << (provider.aws_access_key_id.empty() ? "none" : "set")
        << (provider.aws_session_token.empty() ? "" : " (with session token)") << "\n";
  } else {
    out << "    api_key     " << (provider.api_key.empty() ? "none" : "set") << "\n";
  }
  if (!provider.api_version.empty()) out << "    api_version " << provider.api_version << "\n";
  if (!provider.labels.empty()) {
    out << "    labels     ";
    for (const auto& [name, value] : provider.labels) out << " " << name << "=" << value;
    out << "\n";
  }
  if (!provider.compliance.empty()) {
    out << "    compliance ";
    for (const std::string& item : provider.compliance) out << " " << item;
    out << "\n";
  }
  if (!provider.ca_file.empty()) out << "    ca_file     " << provider.ca_file << "\n";
  if (provider.prefill != "auto") out << "    prefill     " << provider.prefill << "\n";
}

void describeRoute(std::ostringstream& out, const Config& config, const Route& route) {
  out << "  " << route.name << " (" << route.strategy << ")\n";
  int position = 1;
  for (const Target& target : route.targets) {
    out << "    " << position++ << ". " << target.id();
    if (const Provider* provider = config.findProvider(target.provider)) {
      out << " -> " << chatUrl(*provider, target.model);
    }
    out << "\n";
  }
  const RetryPolicy& retry = route.retry;
  out << "    retry       max_attempts=" << retry.max_attempts
      << " backoff_base=" << formatDuration(retry.backoff_base)
      << " backoff_max=" << formatDuration(retry.backoff_max)
      << " retry_after_max=" << formatDuration(retry.retry_after_max);
  if (retry.same_target > 0) {
    out << " same_target=" << retry.same_target
        << " same_target_wait_max=" << formatDuration(retry.same_target_wait_max);
  }
  out << "\n";
  if (!route.mid_stream_failover || route.best_effort_continuation) {
    out << "    mid_stream  " << (route.best_effort_continuation ? "best_effort" : "off") << "\n";
  }
  const Timeouts& timeouts = route.timeouts;
  out << "    timeouts    attempt=" << formatDuration(timeouts.attempt)
      << " first_token=" << formatDuration(timeouts.first_token)
      << " inter_token=" << formatDuration(timeouts.inter_token)
      << " total=" << formatDuration(timeouts.total) << "\n";
}

}  // namespace

std::string describe(const Config& config) {
  std::ostringstream out;
  out << "listen   " << hostPort(config.listen_host, config.listen_port)
      << (config.listen_port == 0 ? " (any free port)" : "") << "\n";
  out << "workers  ";
  if (config.workers == 0) {
    out << "one per core\n";
  } else {
    out << config.workers << "\n";
  }
  out << "limits   max_body_bytes=" << config.limits.max_body_bytes
      << " max_header_bytes=" << config.limits.max_header_bytes
      << " idle_timeout=" << formatDuration(config.limits.idle_timeout)
      << " max_connections=" << config.limits.max_connections
      << " client_write_timeout=" << formatDuration(config.limits.client_write_timeout) << "\n"
      << "         max_response_bytes=" << config.limits.max_response_bytes
      << " max_event_bytes=" << config.limits.max_event_bytes
      << " max_resume_bytes=" << config.limits.max_resume_bytes
      << " shutdown_grace=" << formatDuration(config.shutdown_grace) << "\n";

  out << "\nproviders (" << config.providers.size() << ")\n";
  for (const Provider& provider : config.providers) describeProvider(out, provider);

  out << "\nroutes (" << config.routes.size() << ")\n";
  for (const Route& route : config.routes) describeRoute(out, config, route);
  return out.str();
}

}  // namespace switchyard::config
