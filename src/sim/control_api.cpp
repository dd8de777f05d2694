#include "sim/control_api.h"

#include "sim/openai_responses.h"

#include <boost/json.hpp>

namespace switchyard::sim {
namespace {

namespace json = boost::json;

ControlResponse ok(const json::object& body) { return {200, json::serialize(body)}; }

ControlResponse failure(unsigned status, std::string message) {
  return {status, errorJson(ErrorInfo{std::move(message), "invalid_request_error", std::nullopt,
                                      std::nullopt})};
}

ControlResponse methodNotAllowed(std::string_view method, std::string_view path) {
  return failure(405, "method " + std::string(method) + " not allowed on " + std::string(path));
}

// Body: {"faults":[FAULT,...], "loop": false}. Replaces whatever was queued.
ControlResponse queueFaults(std::string_view text, SimState& state) {
  boost::system::error_code ec;
  json::value body = json::parse(text, ec);
  if (ec) return failure(400, "body is not valid JSON: " + ec.message());
  const auto* object = body.if_object();
  const auto* faults = object != nullptr ? object->if_contains("faults") : nullptr;
  if (faults == nullptr || !faults->is_array()) {
    return failure(400, R"(expected {"faults":[FAULT,...],"loop":false})");
  }
  bool loop = false;
  if (const auto* loop_value = object->if_contains("loop"); loop_value != nullptr) {
    if (!loop_value->is_bool()) return failure(400, "\"loop\" must be true or false");
    loop = loop_value->get_bool();
  }
  std::vector<Fault> parsed;
  for (const auto& fault : faults->get_array()) {
    auto result = parseFault(fault);
    if (!result) {
      return failure(400, "faults[" + std::to_string(parsed.size()) + "]: " + result.error());
    }
    parsed.push_back(*result);
  }
  const size_t count = parsed.size();
  state.faults.set(std::move(parsed), loop);
  return ok({{"queued", count}, {"loop", loop}});
}

ControlResponse listFaults(const SimState& state) {
  json::array faults;
  for (const auto& fault : state.faults.pending()) faults.push_back(faultToJson(fault));
  return ok({{"faults", std::move(faults)}, {"loop", state.faults.loop()}});
}

ControlResponse showHealth(const SimState& state) {
  if (!state.health) return ok({{"health", nullptr}});
  json::object health;
  if (state.health->status != 0) health["status"] = state.health->status;
  if (state.health->reset) health["reset"] = true;
  return ok({{"health", std::move(health)}});
}

ControlResponse stats(const SimState& state) {
  return ok({{"chat_requests", state.stats.chat_requests},
             {"faults_served", state.stats.faults_served}});
}

// Body: {"status": NNN} or {"reset": true}. Replaces whatever was set.
ControlResponse setHealth(std::string_view text, SimState& state) {
  boost::system::error_code ec;
  json::value body = json::parse(text, ec);
  if (ec) return failure(400, "body is not valid JSON: " + ec.message());
  const auto* object = body.if_object();
  constexpr std::string_view kShape = R"(expected {"status":NNN} or {"reset":true})";
  if (object == nullptr || object->empty()) return failure(400, std::string(kShape));
  HealthOverride health;
  for (const auto& [key, value] : *object) {
    if (key == "status") {
      const auto* status = value.if_int64();
      if (status == nullptr || *status < 100 || *status > 599) {
        return failure(400, "\"status\" must be an HTTP status (100-599)");
      }
      health.status = static_cast<unsigned>(*status);
    } else if (key == "reset") {
      if (!value.is_bool()) return failure(400, "\"reset\" must be true or false");
      health.reset = value.get_bool();
    } else {
      return failure(400, "unknown field \"" + std::string(key) + "\": " + std::string(kShape));
    }
  }
  if (health.status == 0 && !health.reset) return failure(400, std::string(kShape));
  state.health = health;
  return showHealth(state);
}

ControlResponse showUsage(const SimState& state) {
  return ok({{"cached_input_tokens", state.usage_details.cached_input_tokens},
             {"reasoning_tokens", state.usage_details.reasoning_tokens}});
}

// Body: {"cached_input_tokens": N, "reasoning_tokens": M} (either may be left out: 0). Replaces
// whatever was set.
ControlResponse setUsage(std::string_view text, SimState& state) {
  boost::system::error_code ec;
  json::value body = json::parse(text, ec);
  if (ec) return failure(400, "body is not valid JSON: " + ec.message());
  const auto* object = body.if_object();
  constexpr std::string_view kShape = R"(expected {"cached_input_tokens":N,"reasoning_tokens":M})";
  if (object == nullptr) return failure(400, std::string(kShape));
  UsageDetails details;
  for (const auto& [key, value] : *object) {
    const auto* count = value.if_int64();
    if (key != "cached_input_tokens" && key != "reasoning_tokens") {
      return failure(400, "unknown field \"" + std::string(key) + "\": " + std::string(kShape));
    }
    if (count == nullptr || *count < 0 || *count > 1'000'000'000) {
      return failure(400, "\"" + std::string(key) + "\" must be a number of tokens");
    }
    (key == "cached_input_tokens" ? details.cached_input_tokens : details.reasoning_tokens) =
        static_cast<uint64_t>(*count);
  }
  state.usage_details = details;
  return showUsage(state);
}

}  // namespace

bool isControlTarget(std::string_view path) { return path.starts_with(kControlPrefix); }

ControlResponse handleControl(std::string_view method, std::string_view path, std::string_view body,
                              SimState& state) {
  if (path == "/_sim/faults") {
    if (method == "POST") return queueFaults(body, state);
    if (method == "GET") return listFaults(state);
    if (method == "DELETE") {
      state.faults.clear();
      return ok({{"cleared", true}});
    }
    return methodNotAllowed(method, path);
  }
  if (path == "/_sim/requests") {
    if (method == "GET") return {200, state.requests.toJson()};
    if (method == "DELETE") {
      state.requests.clear();
      return ok({{"cleared", true}});
    }
    return methodNotAllowed(method, path);
  }
  if (path == "/_sim/stats") {
    if (method == "GET") return stats(state);
    if (method == "DELETE") {
      state.stats = SimStats{};
      return ok({{"cleared", true}});
    }
    return methodNotAllowed(method, path);
  }
  if (path == "/_sim/health") {
    if (method == "POST") return setHealth(body, state);
    if (method == "GET") return showHealth(state);
    if (method == "DELETE") {
      state.health.reset();
      return ok({{"cleared", true}});
    }
    return methodNotAllowed(method, path);
  }
  if (path == "/_sim/usage") {
    if (method == "POST") return setUsage(body, state);
    if (method == "GET") return showUsage(state);
    if (method == "DELETE") {
      state.usage_details = UsageDetails{};
      return ok({{"cleared", true}});
    }
    return methodNotAllowed(method, path);
  }
  return failure(404, "unknown control endpoint " + std::string(path) +
                          " (known: /_sim/faults, /_sim/requests, /_sim/stats, /_sim/health, /_sim/usage)");
}

}  // namespace switchyard::sim
