#include "surfaces/openai/chat_request.h"

#include <array>

#include "canonical/json_probe.h"

namespace switchyard::surfaces::openai {

using canonical::JsonKind;

namespace {

ClientError invalid(std::string message, std::string param = {}) {
  return ClientError{400, std::move(message), "invalid_request_error", std::move(param), {}};
}

}  // namespace

std::variant<ChatRequest, ClientError> parseChatRequest(std::string_view body) {
  static constexpr std::array<std::string_view, 4> kKeys{"model", "stream", "max_tokens", "max_completion_tokens"};
  std::array<canonical::ProbedMember, 4> members;
  const auto probe = canonical::probeJson(body, kKeys, members);
  if (!probe.valid) {
    return invalid("We could not parse the JSON body of your request: " + probe.error +
                   ". (HINT: send a JSON object with 'model' and 'messages'.)");
  }
  if (!probe.is_object) return invalid("The request body must be a JSON object.");
  auto& [model, stream, max_tokens, max_completion_tokens] = members;
  if (model.kind == JsonKind::Absent) return invalid("you must provide a model parameter", "model");
  if (model.kind != JsonKind::String) {
    return invalid("Invalid type for 'model': expected a string naming a route.", "model");
  }
  ChatRequest request;
  request.model = std::move(model.string_value);
  if (stream.kind == JsonKind::Bool) request.stream = stream.bool_value;
  else if (stream.kind != JsonKind::Absent && stream.kind != JsonKind::Null) {
    return invalid("Invalid type for 'stream': expected a boolean.", "stream");
  }
  for (const auto* bound : {&max_completion_tokens, &max_tokens}) {
    if (bound->kind == JsonKind::Number && bound->int_value > 0) {
      request.max_tokens = bound->int_value;
      break;
    }
  }
  // Where the model's string is, for the splice: the probe's pass found it, unless Boost's reference
  // read the body (an escaped member name), when a second scan looks for the plain key.
  if (model.located) {
    request.model_span = {model.value_begin, model.value_end};
  } else {
    const auto span = canonical::findTopLevelValue(body, "model");
    if (!span) return invalid("The 'model' key must be written without escape sequences.", "model");
    request.model_span = *span;
  }
  return request;
}

}  // namespace switchyard::surfaces::openai
