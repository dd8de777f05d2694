#include "surfaces/openai/chat_request.h"

#include <boost/json/parse.hpp>

namespace switchyard::surfaces::openai {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxJsonDepth = 64;

ClientError invalid(std::string message, std::string param = {}) {
  return ClientError{400, std::move(message), "invalid_request_error", std::move(param), {}};
}

}  // namespace

std::variant<ChatRequest, ClientError> parseChatRequest(std::string_view body,
                                                        json::monotonic_resource& arena) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  json::error_code ec;
  json::value root = json::parse(json::string_view(body.data(), body.size()), ec,
                                 json::storage_ptr(&arena), options);
  if (ec) {
    return invalid("We could not parse the JSON body of your request: " + ec.message() +
                   ". (HINT: send a JSON object with 'model' and 'messages'.)");
  }
  const json::object* object = root.if_object();
  if (object == nullptr) return invalid("The request body must be a JSON object.");
  const json::value* model = object->if_contains("model");
  if (model == nullptr) return invalid("you must provide a model parameter", "model");
  if (!model->is_string()) {
    return invalid("Invalid type for 'model': expected a string naming a route.", "model");
  }
  ChatRequest request;
  const json::string& model_name = model->get_string();
  request.model = std::string_view(model_name.data(), model_name.size());
  if (const json::value* stream = object->if_contains("stream")) {
    if (stream->is_bool()) request.stream = stream->get_bool();
    else if (!stream->is_null()) return invalid("Invalid type for 'stream': expected a boolean.", "stream");
  }
  const auto span = canonical::findTopLevelValue(body, "model");
  if (!span) return invalid("The 'model' key must be written without escape sequences.", "model");
  request.model_span = *span;
  return request;
}

}  // namespace switchyard::surfaces::openai
