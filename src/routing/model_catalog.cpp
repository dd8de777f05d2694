#include "routing/model_catalog.h"

#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace switchyard::routing {
namespace {

// List prices in USD per million tokens (standard tier, no caching or batch discount; for tiered
// prices the tier for prompts up to 128k/200k tokens). Context windows in tokens as the provider
// documents them ("128k" is taken as 128,000 where no exact figure is published, so a fallback
// never counts on tokens a host may not accept). Checked against the providers' pricing and model
// pages and widely used price tables (LiteLLM, Roo Code, provider docs) in the docs corpus;
// figures as of late 2025. A config's own context_window wins over these. The last column is the most
// output tokens one answer may hold (the documented maximum, 0 where none is published: Llama's and
// Mistral's depend on the host).
constexpr std::array kCatalog{
    // OpenAI (platform.openai.com/docs/pricing, /docs/models).
    ModelInfo{"gpt-4o", 128000, 2.50, 10.00, 16384},
    ModelInfo{"gpt-4o-mini", 128000, 0.15, 0.60, 16384},
    ModelInfo{"gpt-4.1", 1047576, 2.00, 8.00, 32768},
    ModelInfo{"gpt-4.1-mini", 1047576, 0.40, 1.60, 32768},
    ModelInfo{"gpt-4.1-nano", 1047576, 0.10, 0.40, 32768},
    ModelInfo{"o3", 200000, 2.00, 8.00, 100000},  // after the June 2025 cut (launched at 10 / 40)
    ModelInfo{"o3-mini", 200000, 1.10, 4.40, 100000},  // listed so "o3-mini" does not read as "o3"
    ModelInfo{"o4-mini", 200000, 1.10, 4.40, 100000},
    ModelInfo{"gpt-5", 400000, 1.25, 10.00, 128000},
    ModelInfo{"gpt-5-mini", 400000, 0.25, 2.00, 128000},
    ModelInfo{"gpt-5-nano", 400000, 0.05, 0.40, 128000},  // listed so "gpt-5-nano" does not read as "gpt-5"
    // Anthropic (docs.anthropic.com models overview and pricing). Sonnet 4 / 4.5 take 1M tokens only
    // behind a beta header (and at a higher price), so 200k is the window a request can count on.
    ModelInfo{"claude-3-5-haiku", 200000, 0.80, 4.00, 8192},
    ModelInfo{"claude-3-5-sonnet", 200000, 3.00, 15.00, 8192},
    ModelInfo{"claude-3-7-sonnet", 200000, 3.00, 15.00, 64000},
    ModelInfo{"claude-sonnet-4", 200000, 3.00, 15.00, 64000},
    ModelInfo{"claude-sonnet-4-5", 200000, 3.00, 15.00, 64000},
    ModelInfo{"claude-opus-4", 200000, 15.00, 75.00, 32000},
    ModelInfo{"claude-opus-4-1", 200000, 15.00, 75.00, 32000},
    ModelInfo{"claude-haiku-4-5", 200000, 1.00, 5.00, 64000},
    // Google Gemini API (ai.google.dev/gemini-api/docs/pricing, /docs/models); text input price.
    ModelInfo{"gemini-1.5-pro", 2097152, 1.25, 5.00, 8192},    // prompts <= 128k
    ModelInfo{"gemini-1.5-flash", 1048576, 0.075, 0.30, 8192},  // prompts <= 128k
    ModelInfo{"gemini-2.0-flash", 1048576, 0.10, 0.40, 8192},
    ModelInfo{"gemini-2.0-flash-lite", 1048576, 0.075, 0.30, 8192},  // so it does not read as 2.0-flash
    ModelInfo{"gemini-2.5-pro", 1048576, 1.25, 10.00, 65536},  // prompts <= 200k
    ModelInfo{"gemini-2.5-flash", 1048576, 0.30, 2.50, 65536},
    ModelInfo{"gemini-2.5-flash-lite", 1048576, 0.10, 0.40, 65536},
    // Meta Llama: open weights, no list price of its own; the figures are Amazon Bedrock's
    // on-demand prices (us-east-1), a typical hosted price.
    ModelInfo{"llama-3.1-8b", 128000, 0.22, 0.22, 0},
    ModelInfo{"llama-3.1-70b", 128000, 0.72, 0.72, 0},
    ModelInfo{"llama-3.3-70b", 128000, 0.72, 0.72, 0},
    // Mistral La Plateforme (mistral.ai/pricing): Large 2 (2407/2411), Small 3.1/3.2.
    ModelInfo{"mistral-large", 128000, 2.00, 6.00, 0},
    ModelInfo{"mistral-small", 128000, 0.10, 0.30, 0},
    // DeepSeek API (api-docs.deepseek.com pricing; V3.2 since Sept 2025, cache-miss input price).
    ModelInfo{"deepseek-chat", 128000, 0.28, 0.42, 8192},
    ModelInfo{"deepseek-reasoner", 128000, 0.28, 0.42, 65536},
};

using Segments = std::vector<std::string>;

bool isSeparator(char c) {
  return c == '-' || c == '.' || c == ':' || c == '/' || c == '_' || c == '@' || c == ' ';
}

bool isDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

bool allDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isDigit(c)) return false;
  }
  return true;
}

// A model id as lower-case segments, so that "Llama-3.1-8B", "llama3-1-8b" (Bedrock) and
// "llama3.1:8b" (Ollama) all read "llama 3 1 8b", and "claude-3.5-sonnet" reads as "claude-3-5-sonnet".
Segments segmentsOf(std::string_view id) {
  Segments segments;
  std::string current;
  auto flush = [&] {
    if (current.empty()) return;
    // Meta writes "llama3" where everyone else writes "llama-3".
    if (current.size() > 5 && current.compare(0, 5, "llama") == 0 && isDigit(current[5])) {
      segments.emplace_back("llama");
      current.erase(0, 5);
    }
    segments.push_back(std::move(current));
    current.clear();
  };
  for (char c : id) {
    if (isSeparator(c)) {
      flush();
    } else {
      current.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  flush();
  return segments;
}

// Snapshot dates say which build of a family this is, not which family: "20240620" (Anthropic),
// "2024-08-06" (OpenAI). Dropped wherever they stand, since Bedrock puts "-v1:0" after them.
void dropDates(Segments& segments) {
  Segments kept;
  kept.reserve(segments.size());
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& s = segments[i];
    if (s.size() == 8 && allDigits(s) && s.compare(0, 2, "20") == 0) continue;
    if (s.size() == 4 && allDigits(s) && s.compare(0, 2, "20") == 0 && i + 2 < segments.size() &&
        segments[i + 1].size() == 2 && allDigits(segments[i + 1]) && segments[i + 2].size() == 2 &&
        allDigits(segments[i + 2])) {
      i += 2;
      continue;
    }
    kept.push_back(s);
  }
  segments = std::move(kept);
}

// Where `name` occurs in `id` as whole segments. A name ending in a version number must not be
// followed by another number: "claude-opus-4" is not "claude-opus-4-5", "gpt-5" is not "gpt-5.1".
bool containsFamily(const Segments& id, const Segments& name) {
  if (name.empty() || name.size() > id.size()) return false;
  const bool ends_in_number = isDigit(name.back().back());
  for (std::size_t start = 0; start + name.size() <= id.size(); ++start) {
    bool equal = true;
    for (std::size_t k = 0; k < name.size() && equal; ++k) equal = id[start + k] == name[k];
    if (!equal) continue;
    const std::size_t after = start + name.size();
    if (ends_in_number && after < id.size() && isDigit(id[after].front())) continue;
    return true;
  }
  return false;
}

}  // namespace

std::optional<ModelInfo> lookupModel(std::string_view upstream_model) {
  for (const ModelInfo& info : kCatalog) {
    if (info.name == upstream_model) return info;
  }
  Segments id = segmentsOf(upstream_model);
  dropDates(id);
  const ModelInfo* best = nullptr;
  std::size_t best_length = 0;
  for (const ModelInfo& info : kCatalog) {
    const Segments name = segmentsOf(info.name);
    std::size_t length = 0;
    for (const std::string& segment : name) length += segment.size();
    if (length > best_length && containsFamily(id, name)) {
      best = &info;
      best_length = length;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

}  // namespace switchyard::routing
