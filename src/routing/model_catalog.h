#pragma once
// Well-known models bundled with the gateway: context window, list prices and output limit, so a
// config need not repeat them. A target's own context_window in the config wins over the catalog.
#include <cstdint>
#include <optional>
#include <string_view>

namespace switchyard::routing {

struct ModelInfo {
  std::string_view name;            // the catalog's key, e.g. "gpt-4o"
  std::int64_t context_window = 0;  // tokens
  double input_per_mtok = 0;        // USD per million input tokens (list price)
  double output_per_mtok = 0;       // USD per million output tokens
  std::int64_t max_output_tokens = 0;  // the most one answer may hold; 0 when not published
};

// Looks an upstream model name up: exact match first, then the longest catalog name the model starts
// with or contains as a whole segment, so dated and provider-prefixed ids match their family
// ("gpt-4o-2024-08-06", "anthropic.claude-3-5-sonnet-20240620-v1:0", "models/gemini-2.5-pro").
std::optional<ModelInfo> lookupModel(std::string_view upstream_model);

}  // namespace switchyard::routing
