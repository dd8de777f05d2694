#include "canonical/context_limit.h"

#include <array>
#include <string>

namespace switchyard::canonical {
namespace {

// Error bodies are small; a huge one (an HTML page) is not read past this.
constexpr std::size_t kMaxScannedBytes = 64 * 1024;
// More digits than any context window has: anything longer is not a token count.
constexpr std::size_t kMaxDigits = 12;
// "context length", then at most this many joiners ("is", "of only", ": (") before the number.
constexpr int kMaxJoiners = 3;

std::string lowered(std::string_view text) {
  std::string out(text.substr(0, kMaxScannedBytes));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLetter(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }

bool contains(std::string_view text, std::string_view words) { return text.find(words) != std::string_view::npos; }

std::size_t skipSpaces(std::string_view text, std::size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
  return at;
}

struct Number {
  std::int64_t value = 0;
  std::size_t end = 0;  // just past its last digit
};

// The number that starts exactly at `at`: digits, with thousands grouped by commas allowed
// ("131,072"); a comma not followed by three digits ends it (a list's separator).
std::optional<Number> numberAt(std::string_view text, std::size_t at) {
  if (at >= text.size() || !isDigit(text[at])) return std::nullopt;
  Number number;
  std::size_t digits = 0;
  std::size_t i = at;
  while (i < text.size()) {
    if (isDigit(text[i])) {
      if (++digits > kMaxDigits) return std::nullopt;
      number.value = number.value * 10 + (text[i] - '0');
      ++i;
      continue;
    }
    const bool grouped = text[i] == ',' && i + 3 < text.size() && isDigit(text[i + 1]) && isDigit(text[i + 2]) &&
                         isDigit(text[i + 3]) && (i + 4 >= text.size() || !isDigit(text[i + 4]));
    if (!grouped) break;
    ++i;
  }
  number.end = i;
  return number;
}

// Past the words that may join a phrase to the number it states: "is", "of", "only", ":", "=",
// "(". Anything else ("by", "exceeded") means the next number is not the limit.
std::size_t skipJoiners(std::string_view text, std::size_t at) {
  static constexpr std::array<std::string_view, 6> kJoiners{"is", "of", "only", ":", "=", "("};
  for (int joined = 0; joined < kMaxJoiners; ++joined) {
    at = skipSpaces(text, at);
    bool skipped = false;
    for (const auto joiner : kJoiners) {
      if (text.substr(at, joiner.size()) != joiner) continue;
      const std::size_t after = at + joiner.size();
      if (isLetter(joiner.front()) && after < text.size() && isLetter(text[after])) continue;  // "isn't", "offset"
      at = after;
      skipped = true;
      break;
    }
    if (!skipped) return at;
  }
  return at;
}

std::optional<std::int64_t> positive(const std::optional<Number>& number) {
  if (!number || number->value <= 0) return std::nullopt;
  return number->value;
}

// llama.cpp's error body: "n_ctx": 4096.
std::optional<std::int64_t> llamaCppContext(std::string_view text) {
  constexpr std::string_view kKey = "\"n_ctx\"";
  const auto key = text.find(kKey);
  if (key == std::string_view::npos) return std::nullopt;
  std::size_t at = skipSpaces(text, key + kKey.size());
  if (at >= text.size() || text[at] != ':') return std::nullopt;
  return positive(numberAt(text, skipSpaces(text, at + 1)));
}

// Gemini: "... exceeds the maximum number of tokens allowed (1048576)."
std::optional<std::int64_t> geminiAllowed(std::string_view text) {
  constexpr std::string_view kPhrase = "maximum number of tokens allowed";
  const auto phrase = text.find(kPhrase);
  if (phrase == std::string_view::npos) return std::nullopt;
  return positive(numberAt(text, skipJoiners(text, phrase + kPhrase.size())));
}

// Anthropic: "prompt is too long: 208310 tokens > 200000 maximum", and "exceed context limit:
// 197626 + 8192 > 200000": the number after '>' is the limit.
std::optional<std::int64_t> anthropicLimit(std::string_view text) {
  const bool anthropic = contains(text, "prompt is too long") || contains(text, "exceed context limit");
  if (!anthropic) return std::nullopt;
  for (auto at = text.find('>'); at != std::string_view::npos; at = text.find('>', at + 1)) {
    if (auto limit = positive(numberAt(text, skipSpaces(text, at + 1)))) return limit;
  }
  return std::nullopt;
}

// Mistral: "... too large for model with 32768 maximum context length": the number comes first.
std::optional<std::int64_t> numberBefore(std::string_view text, std::string_view phrase) {
  for (auto at = text.find(phrase); at != std::string_view::npos; at = text.find(phrase, at + 1)) {
    std::size_t end = at;
    if (end == 0 || text[end - 1] != ' ') continue;
    --end;
    std::size_t start = end;
    while (start > 0 && (isDigit(text[start - 1]) || text[start - 1] == ',')) --start;
    while (start < end && text[start] == ',') ++start;
    const auto number = numberAt(text, start);
    if (number && number->end == end) return positive(number);
  }
  return std::nullopt;
}

// The first of `phrase`'s occurrences followed (through joiners) by a number that is not the
// start of a sum ("197626 + 8192 > 200000" states a request, not a limit).
std::optional<std::int64_t> numberAfter(std::string_view text, std::string_view phrase) {
  for (auto at = text.find(phrase); at != std::string_view::npos; at = text.find(phrase, at + 1)) {
    const std::size_t after = at + phrase.size();
    if (after < text.size() && isLetter(text[after])) continue;  // "context lengths"
    const auto number = numberAt(text, skipJoiners(text, after));
    if (!number) continue;
    const std::size_t next = skipSpaces(text, number->end);
    if (next < text.size() && text[next] == '+') continue;
    if (auto limit = positive(number)) return limit;
  }
  return std::nullopt;
}

}  // namespace

bool saysContextLengthExceeded(std::string_view text) {
  const std::string lower = lowered(text);
  static constexpr std::array<std::string_view, 9> kPhrases{
      "maximum context length",          // OpenAI, vLLM, DeepSeek, OpenRouter, Mistral
      "context_length_exceeded",         // OpenAI's code, in a body
      "exceed_context_size_error",       // llama.cpp's error type, in a body
      "prompt is too long",              // Anthropic
      "prompt too long",                 // Ollama
      "input is too long",               // Bedrock
      "maximum number of tokens allowed",  // Gemini
      "maximum model length",            // vLLM's engine check
      "model token limit",               // Kimi
  };
  for (const auto phrase : kPhrases) {
    if (contains(lower, phrase)) return true;
  }
  // "exceeds the available context size" (llama.cpp), "exceed context limit" (Anthropic),
  // "exceeds the context length" (Ollama), "greater than the context length" and "when context
  // overflows" (LM Studio), "longer than the model's context length" (Together).
  if (!contains(lower, "context")) return false;
  for (const std::string_view words : {"exceed", "overflow", "too long", "too large", "greater than", "longer than"}) {
    if (contains(lower, words)) return true;
  }
  return false;
}

std::optional<std::int64_t> contextLimitFromError(std::string_view text) {
  const std::string lower = lowered(text);
  if (auto limit = llamaCppContext(lower)) return limit;
  if (auto limit = geminiAllowed(lower)) return limit;
  if (auto limit = anthropicLimit(lower)) return limit;
  if (auto limit = numberBefore(lower, "maximum context length")) return limit;
  for (const std::string_view phrase :
       {"context length", "context window", "context size", "maximum model length", "model token limit"}) {
    if (auto limit = numberAfter(lower, phrase)) return limit;
  }
  return std::nullopt;
}

}  // namespace switchyard::canonical
