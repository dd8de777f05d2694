#pragma once
// Hybrid routing: a route's rules pick a target list by what the request looks like. Pure: the
// proxy describes the request (proxy/request_shape.h reads a chat body of either dialect) and asks.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/config.h"
#include "routing/route_table.h"

namespace switchyard::routing {

struct RequestShape {
  std::int64_t prompt_tokens = 0;  // estimated (proxy/request_shape.h)
  bool stream = false;
  bool tools = false;      // the request declares tools
  bool images = false;     // a message holds an image
  bool json_mode = false;  // response_format json_object or json_schema
  // A request header's value by lowercase name; nullopt when absent. Unset: the request has none.
  std::function<std::optional<std::string_view>(std::string_view name)> header;
  std::string_view key_name;              // the client key's name; empty without a key
  std::span<const std::string> key_tags;  // the client key's tags
};

// Whether every condition of `when` holds for the request (a rule with no condition always does):
// prompt_tokens within [min_prompt_tokens, max_prompt_tokens]; stream, tools, images and json_mode
// equal to the request's when stated; each header present with exactly that value (the header's
// name matched as written in lowercase, which is how the caller's lookup should treat it); the key
// named in `keys` (any of them; no key matches none); one of the key's tags in `key_tags` (any).
bool ruleMatches(const config::RuleCondition& when, const RequestShape& shape);

// The spec one request takes: the first of route.rules that matches, else the route itself. The
// result's targets, slots and health indexes are its own; its name, index, retry, timeouts and hedge
// are the route's. A rule's spec has no rules, so selecting again returns it unchanged.
const RouteSpec& selectSpec(const RouteSpec& route, const RequestShape& shape);

}  // namespace switchyard::routing
