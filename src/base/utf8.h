#pragma once
// UTF-8 validation for bytes the gateway relays without decoding them (forwarded stream events):
// an SDK that meets invalid UTF-8 fails to read the answer, so it is a malformed answer, caught
// before the client sees it. ASCII (nearly all of a JSON chunk) is checked eight bytes at a time.
#include <cstddef>
#include <string_view>

namespace switchyard::base {

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
bool isValidUtf8(std::string_view text);

// The length (1 to 4) of the well-formed UTF-8 sequence that starts at text[at], or 0 when none does.
std::size_t utf8SequenceAt(std::string_view text, std::size_t at);

}  // namespace switchyard::base
