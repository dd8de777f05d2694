#pragma once
// The pieces of the Bedrock codec, one file each: the Converse request body, the Converse answer,
// the ConverseStream decoder and the error classification. Internal to providers/bedrock.
#include <boost/json/fwd.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "canonical/arena.h"
#include "canonical/chat.h"
#include "canonical/stream_codec.h"

namespace switchyard::providers::bedrock {

// Writes the Converse (and ConverseStream: same body) JSON for `request` into `body`.
// `upstream_model` decides model-specific fields (top_k only reaches Anthropic models).
std::optional<canonical::Error> writeConverseBody(const canonical::ChatRequest& request,
                                                  std::string_view upstream_model, canonical::Arena& arena,
                                                  std::string& body);

// Reads a ConverseResponse; `model` becomes the answer's model (Bedrock does not echo it).
bool readConverseResponse(std::string_view body, std::string_view model, canonical::Arena& arena,
                          canonical::ChatResponse& out, std::string& why);

canonical::FinishReason finishOfStopReason(std::string_view stop_reason);
// Bedrock's TokenUsage in canonical terms (cache tokens counted into input_tokens).
canonical::Usage usageOf(const boost::json::object& usage);

std::unique_ptr<canonical::StreamDecoder> makeConverseStreamDecoder(std::string model);

// An error answer by HTTP status (Bedrock names the exception only in the x-amzn-ErrorType
// header; the body is {"message": ...}).
canonical::Error errorOfStatus(int status, std::string_view body, canonical::Arena& arena);
// An exception inside a stream (":exception-type"); `message` is copied by the caller.
canonical::Error errorOfException(std::string_view exception_type, std::string_view message);

}  // namespace switchyard::providers::bedrock
