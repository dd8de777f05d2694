#include "routing/rules.h"

#include <algorithm>

namespace switchyard::routing {

bool ruleMatches(const config::RuleCondition& when, const RequestShape& shape) {
  if (when.max_prompt_tokens && shape.prompt_tokens > *when.max_prompt_tokens) return false;
  if (when.min_prompt_tokens && shape.prompt_tokens < *when.min_prompt_tokens) return false;
  if (when.stream && *when.stream != shape.stream) return false;
  if (when.tools && *when.tools != shape.tools) return false;
  if (when.images && *when.images != shape.images) return false;
  if (when.json_mode && *when.json_mode != shape.json_mode) return false;
  for (const auto& [name, value] : when.headers) {
    if (!shape.header) return false;
    const std::optional<std::string_view> actual = shape.header(name);
    if (!actual || *actual != value) return false;
  }
  if (!when.keys.empty()) {
    if (shape.key_name.empty()) return false;
    if (std::find(when.keys.begin(), when.keys.end(), shape.key_name) == when.keys.end()) return false;
  }
  if (!when.key_tags.empty()) {
    const bool any = std::any_of(shape.key_tags.begin(), shape.key_tags.end(), [&](const std::string& tag) {
      return std::find(when.key_tags.begin(), when.key_tags.end(), tag) != when.key_tags.end();
    });
    if (!any) return false;
  }
  return true;
}

const RouteSpec& selectSpec(const RouteSpec& route, const RequestShape& shape) {
  for (const RuleSpec& rule : route.rules) {
    if (ruleMatches(rule.when, shape)) return rule.spec;
  }
  return route;
}

}  // namespace switchyard::routing
