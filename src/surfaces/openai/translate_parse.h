#pragma once
// Shared by the chat-completions request reader's two files (translate_parse.cpp reads the
// parameters, translate_parse_messages.cpp the conversation). Internal to the OpenAI surface.
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "canonical/chat.h"

namespace switchyard::surfaces::openai::parse {

// Errors worded as api.openai.com words them; message and param are copied onto the arena.
canonical::Error invalidType(canonical::Arena& arena, std::string_view param, std::string_view expected,
                             const boost::json::value& got);
canonical::Error invalidValue(canonical::Arena& arena, std::string_view param, std::string_view value,
                              std::string_view supported);
canonical::Error missing(canonical::Arena& arena, std::string_view param);
// A field the client may send but that no other provider can carry: failing beats silently
// answering something else than what was asked.
canonical::Error unsupported(canonical::Arena& arena, std::string_view param, std::string_view why);
canonical::Error invalid(canonical::Arena& arena, std::string_view param, std::string message, std::string_view code);

inline std::string_view view(const boost::json::string& text) { return {text.data(), text.size()}; }

// Reads `messages` into out.system, out.messages and out.parts.
std::optional<canonical::Error> readMessages(const boost::json::array& messages, canonical::Arena& arena,
                                             canonical::ChatRequest& out);

}  // namespace switchyard::surfaces::openai::parse
