#pragma once
// Errors in the dialect of the API the client called: an Anthropic client never sees an OpenAI
// error body, and the other way round.
#include <string>
#include <string_view>

#include "canonical/chat.h"
#include "http/server.h"

namespace switchyard::proxy {

// An error the gateway itself decided (bad input, unknown route, every target failed...), with the
// status it chose. The error type follows from the status in each dialect.
http::Response clientError(canonical::Dialect surface, http::Status status, std::string_view message,
                           std::string_view code = {}, std::string_view param = {});
// The same with the request's id in the body: OpenAI's error object gets a "request_id" beside
// message, type, param and code; Anthropic's top-level "request_id" (where api.anthropic.com puts
// its own) is this id.
http::Response clientError(canonical::Dialect surface, std::string_view request_id, http::Status status,
                           std::string_view message, std::string_view code = {}, std::string_view param = {});

// An error a provider answered with, decoded into canonical terms: the client gets the status and
// error type its own API uses for that category (Anthropic's overloaded is 529, OpenAI's 503).
http::Response providerError(canonical::Dialect surface, const canonical::Error& error);
http::Response providerError(canonical::Dialect surface, std::string_view request_id, canonical::Error error);

// A JSON answer the gateway made itself (admin endpoints, models, errors).
http::Response jsonResponse(http::Status status, std::string body);

// The dialect of a request path: /v1/messages... is Anthropic's, everything else OpenAI's.
canonical::Dialect dialectOfPath(std::string_view path);

}  // namespace switchyard::proxy
