#pragma once
// What a request may cost at most, before it is sent: the amounts a budget reservation holds.
#include <cstddef>
#include <cstdint>

#include "canonical/price.h"

namespace switchyard::accounting {

// An upper bound of the prompt's tokens: the request body's size in bytes. Every tokenizer the
// gateway meets either is byte-level BPE (GPT, Llama 3, Claude), where each token stands for at
// least one byte of text, or falls back to single bytes for what its vocabulary lacks
// (SentencePiece), so a text never has more tokens than UTF-8 bytes, and JSON escaping only adds
// bytes. The per-message tokens of the chat template (role markers, separators) are fewer than
// the JSON framing of each message ({"role":"user","content":""} is 28 bytes).
// Not a bound for what the body only points at: an image given by URL (a few hundred to a few
// thousand tokens for a short link), a provider's file reference, or a large tool-use preamble
// the provider adds for a tiny tool list. Such a request can cost more than it reserved; settle()
// charges the actual cost and BudgetLedger::overshoot() counts it.
inline std::int64_t promptTokensUpperBound(std::size_t body_bytes) {
  return static_cast<std::int64_t>(body_bytes);
}

// The most an answer can cost: every prompt token at the dearer of the input and cache-read
// prices, and max_output_tokens at the output price, in nano-USD rounded up (plus one, for
// floating-point rounding), so that canonical::costNanoUsd of any usage within these token counts
// is never above it. 0 for an unpriced target.
std::int64_t reservationNanoUsd(std::int64_t prompt_tokens_upper, std::int64_t max_output_tokens,
                                const canonical::TokenPrice& price);

}  // namespace switchyard::accounting
