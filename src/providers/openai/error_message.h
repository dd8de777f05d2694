#pragma once
// What an OpenAI-compatible provider said when it failed, for the gateway's own error messages.
#include <cstddef>
#include <string>
#include <string_view>

namespace switchyard::providers::openai {

// error.message (or a string error) of an OpenAI-shaped error body; otherwise the start of the
// body. At most `max_length` bytes.
std::string errorMessageOf(std::string_view body, std::size_t max_length);

}  // namespace switchyard::providers::openai
