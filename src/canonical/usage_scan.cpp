#include "canonical/usage_scan.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

namespace switchyard::canonical {

namespace {

constexpr std::size_t kNone = std::string_view::npos;

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skipSpace(std::string_view s, std::size_t i) {
  while (i < s.size() && isSpace(s[i])) ++i;
  return i;
}

// One past the last byte of `s[0, end)` that is not a space (0 when there is none).
std::size_t trimEnd(std::string_view s, std::size_t end) {
  while (end > 0 && isSpace(s[end - 1])) --end;
  return end;
}

// A quote at `at` is escaped (part of a string's text) when an odd number of backslashes precede it.
bool escaped(std::string_view s, std::size_t at) {
  std::size_t backslashes = 0;
  while (at > backslashes && s[at - 1 - backslashes] == '\\') ++backslashes;
  return backslashes % 2 == 1;
}

// The opening quote of the string whose closing quote is at `close`; kNone when there is none.
std::size_t openingQuote(std::string_view s, std::size_t close) {
  for (std::size_t end = close; end > 0;) {
    const void* found = memrchr(s.data(), '"', end);
    if (found == nullptr) return kNone;
    const auto at = static_cast<std::size_t>(static_cast<const char*>(found) - s.data());
    if (!escaped(s, at)) return at;
    end = at;
  }
  return kNone;
}

// The closing quote of the string whose opening quote is at `open`; kNone when there is none.
std::size_t closingQuote(std::string_view s, std::size_t open) {
  for (std::size_t from = open + 1; from < s.size();) {
    const void* found = std::memchr(s.data() + from, '"', s.size() - from);
    if (found == nullptr) return kNone;
    const auto at = static_cast<std::size_t>(static_cast<const char*>(found) - s.data());
    if (!escaped(s, at)) return at;
    from = at + 1;
  }
  return kNone;
}

// Whether the `n` bytes at `p` are `literal` (a string literal: the compare is a few word loads, not a
// call to memcmp).
template <std::size_t N>
bool isLiteral(const char* p, std::size_t n, const char (&literal)[N]) {
  constexpr std::size_t kSize = N - 1;
  if (n != kSize) return false;
  if constexpr (kSize < 8) {
    for (std::size_t i = 0; i < kSize; ++i) {
      if (p[i] != literal[i]) return false;
    }
    return true;
  } else {
    const auto word = [](const char* at) {
      std::uint64_t value;
      std::memcpy(&value, at, sizeof(value));
      return value;
    };
    for (std::size_t i = 0; i + 8 <= kSize; i += 8) {
      if (word(p + i) != word(literal + i)) return false;
    }
    return word(p + kSize - 8) == word(literal + kSize - 8);
  }
}

// Bytes that matter to a walk over JSON outside strings.
constexpr auto kStructural = [] {
  std::array<bool, 256> table{};
  for (const unsigned char c : std::string_view("\"{}[]:,")) table[c] = true;
  return table;
}();

// One past the end of the value starting at `i` (forwards; strings skipped whole).
std::size_t skipValue(std::string_view s, std::size_t i) {
  if (i >= s.size()) return s.size();
  if (s[i] == '"') {
    const std::size_t close = closingQuote(s, i);
    return close == kNone ? s.size() : close + 1;
  }
  if (s[i] == '{' || s[i] == '[') {
    std::size_t depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        const std::size_t close = closingQuote(s, i);
        if (close == kNone) return s.size();
        i = close + 1;
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return i + 1;
      }
      ++i;
    }
    return s.size();
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !isSpace(s[i])) ++i;
  return i;
}

// Calls `visit(key, value)` for each member of the object `object`, in order. False when the text is
// not an object.
template <class Visit>
bool forEachMember(std::string_view object, Visit&& visit) {
  std::size_t i = skipSpace(object, 0);
  if (i >= object.size() || object[i] != '{') return false;
  i = skipSpace(object, i + 1);
  while (i < object.size() && object[i] == '"') {
    const std::size_t close = closingQuote(object, i);
    if (close == kNone) return false;
    const std::string_view key = object.substr(i + 1, close - i - 1);
    i = skipSpace(object, close + 1);
    if (i >= object.size() || object[i] != ':') return false;
    i = skipSpace(object, i + 1);
    const std::size_t end = skipValue(object, i);
    visit(key, object.substr(i, end - i));
    i = skipSpace(object, end);
    if (i >= object.size() || object[i] != ',') break;
    i = skipSpace(object, i + 1);
  }
  return true;
}

bool isObject(std::string_view value) { return !value.empty() && value.front() == '{'; }

// Whether `s[0, end)` ends with `key` (a literal).
template <std::size_t N>
bool endsWith(std::string_view s, std::size_t end, const char (&key)[N]) {
  constexpr std::size_t kSize = N - 1;
  return end >= kSize && isLiteral(s.data() + end - kSize, kSize, key);
}

}  // namespace

std::optional<ByteSpan> findMemberFromEnd(std::string_view object, std::string_view key) {
  const std::size_t first = skipSpace(object, 0);
  const std::size_t last = trimEnd(object, object.size());
  if (first >= last || object[first] != '{' || object[last - 1] != '}') return std::nullopt;
  std::size_t depth = 1;
  std::size_t value_end = last - 1;  // where the value of the member being walked ends (its ',' or the '}')
  std::size_t colon = kNone;         // the colon of that member, once walked past
  for (std::size_t pos = last - 1; pos > first;) {
    --pos;
    const char c = object[pos];
    if (c == '"') {
      const std::size_t open = openingQuote(object, pos);
      if (open == kNone || open <= first) return std::nullopt;
      if (depth == 1 && colon != kNone) {
        // The member's key: the string just before its colon.
        if (pos - open - 1 == key.size() && std::memcmp(object.data() + open + 1, key.data(), key.size()) == 0) {
          const std::size_t begin = skipSpace(object, colon + 1);
          return ByteSpan{begin, std::max(begin, trimEnd(object, value_end))};
        }
        colon = kNone;
      }
      pos = open;
    } else if (c == '}' || c == ']') {
      ++depth;
    } else if (c == '{' || c == '[') {
      if (--depth == 0) return std::nullopt;
    } else if (depth == 1) {
      if (c == ':') {
        colon = pos;
      } else if (c == ',') {
        value_end = pos;
      }
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> readTokenCount(std::string_view value) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
  if (value.empty()) return std::nullopt;
  const bool negative = value.front() == '-';
  std::size_t i = negative ? 1 : 0;
  if (i >= value.size() || !isDigit(value[i])) return std::nullopt;
  std::int64_t count = 0;
  for (; i < value.size() && isDigit(value[i]); ++i) {
    const int digit = value[i] - '0';
    count = count > (kMax - digit) / 10 ? kMax : count * 10 + digit;
  }
  if (i < value.size() && value[i] == '.') {
    for (++i; i < value.size() && isDigit(value[i]);) ++i;  // a fraction is truncated
  }
  if (i < value.size() && (value[i] == 'e' || value[i] == 'E')) {
    double number = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec == std::errc::result_out_of_range) return negative ? 0 : kMax;
    if (ec != std::errc() || end == value.data()) return std::nullopt;
    if (!(number > 0)) return 0;
    return number >= 9.2e18 ? kMax : static_cast<std::int64_t>(number);
  }
  return negative ? 0 : count;
}

bool readOpenAiUsage(std::string_view usage, Usage& out) {
  if (!isObject(usage)) return false;
  Usage read;
  const auto count = [](std::string_view value, std::int64_t& field) {
    if (const auto n = readTokenCount(value)) field = *n;
  };
  forEachMember(usage, [&](std::string_view key, std::string_view value) {
    if (key == "prompt_tokens") {
      count(value, read.input_tokens);
    } else if (key == "completion_tokens") {
      count(value, read.output_tokens);
    } else if (key == "prompt_tokens_details") {
      forEachMember(value, [&](std::string_view detail, std::string_view n) {
        if (detail == "cached_tokens") count(n, read.cache_read_tokens);
      });
    } else if (key == "completion_tokens_details") {
      forEachMember(value, [&](std::string_view detail, std::string_view n) {
        if (detail == "reasoning_tokens") count(n, read.reasoning_tokens);
      });
    }
  });
  out = read;
  return true;
}

bool readAnthropicUsage(std::string_view usage, Usage& out, bool keep_absent) {
  if (!isObject(usage)) return false;
  Usage read = keep_absent ? out : Usage{};
  const auto count = [](std::string_view value, std::int64_t& field) {
    if (const auto n = readTokenCount(value)) field = *n;
  };
  forEachMember(usage, [&](std::string_view key, std::string_view value) {
    if (key == "input_tokens") {
      count(value, read.input_tokens);
    } else if (key == "output_tokens") {
      count(value, read.output_tokens);
    } else if (key == "cache_read_input_tokens") {
      count(value, read.cache_read_tokens);
    } else if (key == "cache_creation_input_tokens") {
      count(value, read.cache_write_tokens);
    }
  });
  out = read;
  return true;
}

namespace {

// The count a key names, for the backward walk: the field it fills in a Usage, at the depth it sits at
// in the answer (2: a member of `usage`; 3: of one of usage's detail objects); its index for "seen".
struct Count {
  std::int64_t Usage::*field = nullptr;
  unsigned index = 0;
};

Count openAiCount(const char* key, std::size_t size, std::size_t depth) {
  if (depth == 2) {
    if (isLiteral(key, size, "prompt_tokens")) return {&Usage::input_tokens, 0};
    if (isLiteral(key, size, "completion_tokens")) return {&Usage::output_tokens, 1};
  } else {
    if (isLiteral(key, size, "cached_tokens")) return {&Usage::cache_read_tokens, 2};       // prompt_tokens_details
    if (isLiteral(key, size, "reasoning_tokens")) return {&Usage::reasoning_tokens, 3};     // completion_tokens_details
  }
  return {};
}

Count anthropicCount(const char* key, std::size_t size, std::size_t depth) {
  if (depth != 2) return {};
  if (isLiteral(key, size, "input_tokens")) return {&Usage::input_tokens, 0};
  if (isLiteral(key, size, "output_tokens")) return {&Usage::output_tokens, 1};
  if (isLiteral(key, size, "cache_read_input_tokens")) return {&Usage::cache_read_tokens, 2};
  if (isLiteral(key, size, "cache_creation_input_tokens")) return {&Usage::cache_write_tokens, 3};
  return {};
}

// The top-level `usage` object of `body`, read in the same backward walk that finds it: the counts of
// each top-level member are collected on the way (depths 2 and 3) and kept when the member's key
// turns out to be "usage", dropped otherwise. No second pass over the usage object.
template <class CountOf>
bool scanUsageFromEnd(std::string_view body, CountOf countOf, Usage& out) {
  constexpr std::size_t kTracked = 3;  // depths whose members are told apart
  const char* data = body.data();
  const std::size_t first = skipSpace(body, 0);
  const std::size_t last = trimEnd(body, body.size());
  if (first >= last || data[first] != '{' || data[last - 1] != '}') return false;
  std::size_t value_end[kTracked + 1] = {};
  std::size_t colon[kTracked + 1] = {kNone, kNone, kNone, kNone};
  std::size_t depth = 1;
  value_end[1] = last - 1;
  Usage found;
  unsigned seen = 0;  // counts already read in this member: the last of a repeated key wins
  for (std::size_t pos = last - 1; pos > first;) {
    --pos;
    const char c = data[pos];
    if (!kStructural[static_cast<unsigned char>(c)]) continue;
    if (c == '"') {
      const std::size_t open = openingQuote(body, pos);
      if (open == kNone || open <= first) return false;
      if (depth <= kTracked && colon[depth] != kNone) {
        const char* key = data + open + 1;
        const std::size_t key_size = pos - open - 1;
        if (depth == 1) {
          if (isLiteral(key, key_size, "usage")) {
            const std::size_t begin = skipSpace(body, colon[1] + 1);
            if (begin >= body.size() || data[begin] != '{') return false;
            out = found;
            return true;
          }
          found = Usage{};
          seen = 0;
        } else if (const Count count = countOf(key, key_size, depth);
                   count.field != nullptr && (seen & (1u << count.index)) == 0) {
          seen |= 1u << count.index;
          const std::size_t begin = skipSpace(body, colon[depth] + 1);
          const std::size_t end = trimEnd(body, value_end[depth]);
          if (const auto n = readTokenCount(body.substr(begin, end > begin ? end - begin : 0))) found.*count.field = *n;
        }
        colon[depth] = kNone;
      }
      pos = open;
    } else if (c == '}' || c == ']') {
      if (++depth <= kTracked) {
        value_end[depth] = pos;
        colon[depth] = kNone;
      }
    } else if (c == '{' || c == '[') {
      if (--depth == 0) return false;
    } else if (depth <= kTracked) {
      if (c == ':') {
        colon[depth] = pos;
      } else {
        value_end[depth] = pos;  // ','
      }
    }
  }
  return false;
}

}  // namespace

bool scanAnswerUsage(Dialect dialect, std::string_view body, Usage& out) {
  if (dialect == Dialect::OpenAi) return scanUsageFromEnd(body, openAiCount, out);
  if (dialect != Dialect::Anthropic) return false;
  Usage anthropic;
  if (!scanUsageFromEnd(body, anthropicCount, anthropic)) return false;
  out = anthropicToCanonical(anthropic);
  return true;
}

ChunkUsage scanOpenAiChunkUsage(std::string_view chunk) {
  ChunkUsage result;
  const auto span = findMemberFromEnd(chunk, "usage");
  if (!span || !readOpenAiUsage(chunk.substr(span->begin, span->end - span->begin), result.usage)) return result;
  result.found = true;
  const auto choices = findMemberFromEnd(chunk, "choices");
  if (!choices) {
    result.usage_only = true;
  } else {
    const std::string_view value = chunk.substr(choices->begin, choices->end - choices->begin);
    result.usage_only = value.size() >= 2 && value.front() == '[' && skipSpace(value, 1) == value.size() - 1;
  }
  return result;
}

IncludeUsageEdit includeUsageEdit(std::string_view body) {
  static constexpr std::string_view kKey = "\"stream_options\"";
  static constexpr std::string_view kWholeMember = R"("stream_options":{"include_usage":true},)";
  static constexpr std::string_view kWholeObject = R"({"include_usage":true})";
  static constexpr std::string_view kInnerMember = R"("include_usage":true,)";
  static constexpr std::string_view kTrue = "true";
  IncludeUsageEdit edit;
  // Most bodies do not mention stream_options at all: the key is looked for by its underscore, a
  // rare byte in a chat body that memchr skips to; only a body that has it is walked.
  std::optional<ByteSpan> options;
  constexpr std::size_t kUnderscore = 7;
  static_assert(kKey[kUnderscore] == '_');
  for (std::size_t at = kUnderscore; at < body.size();) {
    const void* found = std::memchr(body.data() + at, '_', body.size() - at);
    if (found == nullptr) break;
    const auto underscore = static_cast<std::size_t>(static_cast<const char*>(found) - body.data());
    if (body.compare(underscore - kUnderscore, kKey.size(), kKey) == 0) {
      options = findTopLevelValue(body, "stream_options");
      break;
    }
    at = underscore + 1;
  }
  if (!options) {
    const std::size_t open = skipSpace(body, 0);
    if (open >= body.size() || body[open] != '{') return edit;
    const bool empty = skipSpace(body, open + 1) < body.size() && body[skipSpace(body, open + 1)] == '}';
    edit.splice = true;
    edit.at = {open + 1, open + 1};
    edit.text = empty ? kWholeMember.substr(0, kWholeMember.size() - 1) : kWholeMember;
    return edit;
  }
  const std::string_view value = body.substr(options->begin, options->end - options->begin);
  if (value == "null") {
    edit.splice = true;
    edit.at = *options;
    edit.text = kWholeObject;
    return edit;
  }
  if (!isObject(value)) return edit;
  const auto inner = findMemberFromEnd(value, "include_usage");
  if (!inner) {
    const std::size_t after_brace = options->begin + 1;
    const std::size_t next = skipSpace(body, after_brace);
    edit.splice = true;
    edit.at = {after_brace, after_brace};
    edit.text = next < body.size() && body[next] == '}' ? kInnerMember.substr(0, kInnerMember.size() - 1)
                                                        : kInnerMember;
    return edit;
  }
  const std::string_view asked = value.substr(inner->begin, inner->end - inner->begin);
  if (asked == "true") {
    edit.client_asked = true;
  } else if (asked == "false" || asked == "null") {
    edit.splice = true;
    edit.at = {options->begin + inner->begin, options->begin + inner->end};
    edit.text = kTrue;
  }
  return edit;
}

bool StreamUsageMeter::onOpenAiUsageChunk(const ChunkUsage& chunk) {
  if (!chunk.found) return false;
  onUsage(chunk.usage, true);
  return chunk.usage_only;
}

void StreamUsageMeter::onAnthropicMessageStart(std::string_view data) {
  const auto message = findMemberFromEnd(data, "message");
  if (!message) return;
  const std::string_view object = data.substr(message->begin, message->end - message->begin);
  const auto usage = findMemberFromEnd(object, "usage");
  if (usage && readAnthropicUsage(object.substr(usage->begin, usage->end - usage->begin), usage_, false)) {
    anthropic_ = true;
    reported_any_ = true;
  }
}

void StreamUsageMeter::onAnthropicMessageDelta(std::string_view data) {
  const auto usage = findMemberFromEnd(data, "usage");
  if (!anthropic_) usage_ = Usage{};
  if (usage && readAnthropicUsage(data.substr(usage->begin, usage->end - usage->begin), usage_, true)) {
    anthropic_ = true;
    reported_any_ = true;
    reported_final_ = true;
  }
}

void StreamUsageMeter::onUsage(const Usage& usage, bool final) {
  usage_ = usage;
  anthropic_ = false;
  reported_any_ = true;
  reported_final_ = reported_final_ || final;
}

StreamUsageMeter::Result StreamUsageMeter::result() const {
  Result result;
  result.usage = anthropic_ ? anthropicToCanonical(usage_) : usage_;
  if (reported_final_) {
    result.known = true;
    return result;
  }
  if (!reported_any_ && text_bytes_ == 0 && chunks_ == 0) return result;
  const auto estimate = static_cast<std::int64_t>((text_bytes_ + 3) / 4 + chunks_);
  result.usage.output_tokens = std::max(result.usage.output_tokens, estimate);
  result.known = true;
  result.estimated = true;
  return result;
}

std::string formatUsd(double usd) {
  if (!(usd > 0)) return "0";
  char text[400];
  std::size_t size = 0;
  constexpr double kNanoMax = 9e18;  // nano-USD that fit an int64
  if (usd * 1e9 < kNanoMax) {
    // Whole nano-USD (rounded to nearest), written as integer and 9-digit fraction: no float formatting.
    const auto nano = static_cast<std::uint64_t>(std::llround(usd * 1e9));
    const auto [end, ec] = std::to_chars(text, text + sizeof(text), nano / 1'000'000'000);
    size = static_cast<std::size_t>(end - text);
    text[size++] = '.';
    std::uint64_t fraction = nano % 1'000'000'000;
    for (int digit = 8; digit >= 0; --digit, fraction /= 10) text[size + digit] = static_cast<char>('0' + fraction % 10);
    size += 9;
  } else {
    const auto [end, ec] = std::to_chars(text, text + sizeof(text), usd, std::chars_format::fixed, 9);
    if (ec != std::errc()) return "0";
    size = static_cast<std::size_t>(end - text);
  }
  std::string_view out(text, size);
  while (out.ends_with('0')) out.remove_suffix(1);
  if (out.ends_with('.')) out.remove_suffix(1);
  return out == "0" || out.empty() ? std::string("0") : std::string(out);
}

std::size_t anthropicDeltaTextBytes(std::string_view data) {
  std::size_t end = trimEnd(data, data.size());
  while (end > 0 && (data[end - 1] == '}' || isSpace(data[end - 1]))) --end;
  if (end == 0 || data[end - 1] != '"') return 0;
  const std::size_t close = end - 1;
  const std::size_t open = openingQuote(data, close);
  if (open == kNone) return 0;
  const std::size_t colon = trimEnd(data, open);
  if (colon == 0 || data[colon - 1] != ':') return 0;
  const std::size_t key_end = trimEnd(data, colon - 1);
  if (endsWith(data, key_end, "\"text\"") || endsWith(data, key_end, "\"partial_json\"") ||
      endsWith(data, key_end, "\"thinking\"")) {
    return close - open - 1;
  }
  return 0;
}

}  // namespace switchyard::canonical
