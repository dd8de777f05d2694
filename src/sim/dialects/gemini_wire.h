#pragma once
// Pieces of the simulator's Gemini dialect: Google's JSON text layout, request validation and
// answer rendering. Shapes follow the v1beta REST reference and @google/genai's types.
#include <boost/json/fwd.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/dialect.h"

namespace switchyard::sim::gemini {

// JSON text as Google's front end writes it: `pretty` is the indented layout of unary answers and
// error bodies ("key": value, two-space indent, final newline); otherwise one line with ": " after keys, as
// in alt=sse events.
std::string googleJson(const boost::json::value& value, bool pretty);

// Validates a GenerateContentRequest as the API does (unknown fields, contents, roles, parts,
// function names) and reads what the simulator acts on. `path` is
// /v1beta/models/{model}:generateContent or :streamGenerateContent.
boost::system::result<SimChat, SimError> parseRequest(const boost::json::value& body, std::string_view path);

SimError invalidArgument(std::string message);
SimError statusError(unsigned status, std::string_view model);

// The GenerateContentResponse objects: the unary answer and the stream events.
std::string completionJson(const SimReply& reply);
std::unique_ptr<SimStream> makeStream(const SimReply& reply, const SimChat& chat);
std::string errorJson(const SimError& error);

}  // namespace switchyard::sim::gemini
