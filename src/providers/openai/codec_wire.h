#pragma once
// The pieces of the OpenAI codec (codec_*.cpp), internal to providers/openai.
#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "canonical/chat.h"
#include "canonical/stream_codec.h"

namespace switchyard::providers::openai::wire {

struct BodyOptions {
  std::string_view model;
  // api.openai.com and Azure want max_completion_tokens (o-series models refuse max_tokens);
  // vLLM, llama.cpp and Ollama only understand max_tokens (which OpenAI still accepts for older
  // models but which is deprecated there).
  bool max_completion_tokens = false;
};

// The chat-completions JSON body for `request`, or an Error naming what cannot be said in it.
std::optional<canonical::Error> appendRequestBody(const canonical::ChatRequest& request, const BodyOptions& options,
                                                  std::string& out);

canonical::FinishReason finishReasonOf(std::string_view name);
canonical::Usage usageOf(const boost::json::object& usage);
// Category, message, param and code of an OpenAI-shaped error object ({message,type,param,code}),
// with `status` the upstream HTTP status (0 inside a stream, where there is none).
canonical::Error errorOf(int status, const boost::json::object& error);
using canonical::categoryForStatus;

// TargetCodec::decodeResponse and decodeError for OpenAI-shaped answers.
bool decodeResponse(std::string_view body, canonical::Arena& arena, canonical::ChatResponse& out, std::string& why);
canonical::Error decodeError(int status, std::string_view body, canonical::Arena& arena);

std::unique_ptr<canonical::StreamDecoder> makeChunkDecoder();

}  // namespace switchyard::providers::openai::wire
