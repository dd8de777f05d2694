#pragma once
// Token usage read straight out of provider answers on the forwarded path, without building a
// document: the answer's bytes go to the client untouched, and only the `usage` object is read.
//
// Providers put `usage` last (OpenAI chat.completion and its chunks before service_tier and
// system_fingerprint, Anthropic messages at the end), so the object is found by walking its JSON
// backwards from the closing brace: strings are skipped whole (memrchr to their opening quote), and
// usually only the usage object itself is walked. Any key order still works: the walk goes on to the
// opening brace if it must, never more than one pass. A whole answer's counts are read in that same
// walk (scanAnswerUsage, about 0.6K instructions for OpenAI's answer); the few stream events that
// carry usage have their usage object read forwards once found.
//
// The texts must be valid JSON (callers have validated a whole answer; a stream chunk's ends have
// been checked); on anything else the scanners report nothing rather than fail.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "canonical/chat.h"
#include "canonical/json_scan.h"

namespace switchyard::canonical {

// The value of member `key` of the JSON object `object` (leading and trailing spaces allowed),
// found from the object's end; keys written with escapes are not matched. When the key repeats,
// the last occurrence wins (as in findTopLevelValue).
std::optional<ByteSpan> findMemberFromEnd(std::string_view object, std::string_view key);

// A token count: a JSON number, read with saturation (negative: 0; past int64: its maximum;
// fractions truncated). nullopt for null and anything that is not a number.
std::optional<std::int64_t> readTokenCount(std::string_view value);

// OpenAI `usage` object: prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens,
// completion_tokens_details.reasoning_tokens. False when `usage` is not an object (null).
bool readOpenAiUsage(std::string_view usage, Usage& out);

// Anthropic `usage` object in Anthropic's meaning (input_tokens excludes cache reads and writes):
// input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens. With
// `keep_absent` (message_delta, whose counts are cumulative and may omit some), fields absent or
// null keep their value; otherwise they become 0. False when `usage` is not an object.
bool readAnthropicUsage(std::string_view usage, Usage& out, bool keep_absent);

// Anthropic's meaning to the canonical one: input_tokens counts the whole prompt.
inline Usage anthropicToCanonical(Usage usage) {
  usage.input_tokens += usage.cache_read_tokens + usage.cache_write_tokens;
  return usage;
}

// A whole answer's usage (OpenAI chat.completion, Anthropic message), canonical. False when the
// answer has no usage object.
bool scanAnswerUsage(Dialect dialect, std::string_view body, Usage& out);

// The usage of an OpenAI chunk (the JSON of one `data:` line) when it carries a usage object.
struct ChunkUsage {
  bool found = false;       // a non-null `usage` object
  bool usage_only = false;  // ... and `choices` is empty or absent: the chunk says nothing else
  Usage usage;
};
ChunkUsage scanOpenAiChunkUsage(std::string_view chunk);

// Asking an OpenAI upstream for the usage of a stream: the client's chat body with
// `"stream_options":{"include_usage":true}`, as one splice (bytes [at.begin, at.end) replaced by
// `text`) so that the body is still forwarded without being re-serialised.
struct IncludeUsageEdit {
  // Whether the body needs the splice; false when the client asked already (include_usage true),
  // or stream_options is not an object or null (the upstream will say what it thinks of it).
  bool splice = false;
  bool client_asked = false;  // include_usage: true was there: the usage chunk is the client's
  ByteSpan at;                // bytes replaced (begin == end: an insertion)
  std::string_view text;      // static text
};
IncludeUsageEdit includeUsageEdit(std::string_view body);

// Follows the usage of a stream, event by event, and says at the end what the answer cost: what the
// provider reported, or, when the stream ended without its final usage (cut, or a server that
// ignores include_usage), an estimate of the output tokens from what was relayed: its text at about
// four bytes a token, rounded up (as PartialAnswer::outputTokensEstimate), plus one token per
// OpenAI-format chunk (addChunk).
class StreamUsageMeter {
 public:
  // OpenAI chunk JSON holding a usage object (see scanOpenAiChunkUsage); returns usage_only.
  bool onOpenAiUsageChunk(const ChunkUsage& chunk);
  // Anthropic message_start data (message.usage: the prompt's tokens).
  void onAnthropicMessageStart(std::string_view data);
  // Anthropic message_delta data (usage: cumulative counts, output_tokens the final one).
  void onAnthropicMessageDelta(std::string_view data);
  // Usage already in canonical form (a decoder's Usage event: `final`; or what its Start knew).
  void onUsage(const Usage& usage, bool final);
  // Bytes of answer text (or tool-call arguments) relayed to the client.
  void addText(std::size_t bytes) { text_bytes_ += bytes; }
  // OpenAI-format streams: a chunk of the answer relayed. Their servers (OpenAI, vLLM, llama.cpp,
  // Ollama...) send about one token per chunk, which counts better than the text's bytes and costs
  // nothing to read (a chunk's size says nothing: OpenAI pads chunks with random "obfuscation").
  void addChunk() { ++chunks_; }

  struct Result {
    Usage usage;
    bool known = false;      // usage holds something: reported, or estimated
    bool estimated = false;  // output_tokens estimated from the text (input_tokens: what was reported, else 0)
  };
  Result result() const;

 private:
  Usage usage_;  // canonical; in Anthropic's meaning (cache tokens apart) while anthropic_
  std::uint64_t text_bytes_ = 0;
  std::uint32_t chunks_ = 0;
  bool anthropic_ = false;
  bool reported_any_ = false;
  bool reported_final_ = false;  // OpenAI: a usage chunk; Anthropic: message_delta's usage; a Usage event
};

// USD as a plain decimal with at most 9 decimals (nano-USD, rounded to nearest), trailing zeros
// dropped, never an exponent: "0.00012345", "1.5", "0". What x-switchyard-cost-usd says.
std::string formatUsd(double usd);

// Bytes of text in an Anthropic content_block_delta's data ({"type":"content_block_delta",
// "index":0,"delta":{"type":"text_delta","text":"..."}}): the last string when it is the value of
// "text", "partial_json" or "thinking"; 0 otherwise. Escapes count as written.
std::size_t anthropicDeltaTextBytes(std::string_view data);

}  // namespace switchyard::canonical
