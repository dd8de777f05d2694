#pragma once
// A Converse / ConverseStream request as Bedrock validates it, reduced to what the simulator acts
// on. Bedrock names the model and the operation in the path, not the body.
#include <boost/json/fwd.hpp>
#include <boost/system/result.hpp>
#include <string_view>

#include "sim/dialect.h"

namespace switchyard::sim::bedrock {

// `path` is /model/{url-encoded id}/converse or /converse-stream (after any base path).
boost::system::result<SimChat, SimError> parseConverseRequest(const boost::json::value& body,
                                                              std::string_view path);

// Bedrock's ValidationException (400) with `message`.
SimError validationError(std::string message);

}  // namespace switchyard::sim::bedrock
