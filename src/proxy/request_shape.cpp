#include "proxy/request_shape.h"

#include <array>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace switchyard::proxy {

namespace json = boost::json;

namespace {

constexpr std::size_t kImageCharacters = 6000;  // ~1,500 tokens, as count_tokens estimates
constexpr std::size_t kTokensPerMessage = 4;

bool isImagePart(const json::object& part) {
  const json::value* type = part.if_contains("type");
  if (type == nullptr || !type->is_string()) return false;
  const json::string& name = type->get_string();
  return name == "image_url" || name == "image" || name == "input_image";
}

// Characters of every string under `value`; images count kImageCharacters and set `images`.
std::size_t charactersOf(const json::value& value, bool& images, int depth = 0) {
  if (depth > 64) return 0;  // the parser's own depth limit holds this already
  switch (value.kind()) {
    case json::kind::string:
      return value.get_string().size();
    case json::kind::array: {
      std::size_t total = 0;
      for (const json::value& item : value.get_array()) total += charactersOf(item, images, depth + 1);
      return total;
    }
    case json::kind::object: {
      const json::object& object = value.get_object();
      if (isImagePart(object)) {
        images = true;
        return kImageCharacters;
      }
      std::size_t total = 0;
      for (const auto& member : object) {
        // Names of things, not text the model reads as such ("role": "user", "type": "text").
        if (member.key() == "role" || member.key() == "type") continue;
        total += charactersOf(member.value(), images, depth + 1);
      }
      return total;
    }
    default:
      return 0;
  }
}

bool nonEmptyArray(const json::object& body, std::string_view key) {
  const json::value* value = body.if_contains(key);
  return value != nullptr && value->is_array() && !value->get_array().empty();
}

bool jsonFormat(const json::object& body, std::string_view key) {
  const json::value* format = body.if_contains(key);
  if (format == nullptr || !format->is_object()) return false;
  const json::value* type = format->get_object().if_contains("type");
  if (type == nullptr || !type->is_string()) return false;
  return type->get_string() == "json_object" || type->get_string() == "json_schema";
}

}  // namespace

routing::RequestShape shapeOfChatBody(std::string_view body) {
  routing::RequestShape shape;
  std::array<unsigned char, 4096> buffer;
  json::monotonic_resource arena(buffer.data(), buffer.size());
  boost::system::error_code error;
  const json::value document = json::parse(body, error, &arena);
  if (error || !document.is_object()) return shape;
  const json::object& request = document.get_object();

  if (const json::value* stream = request.if_contains("stream"); stream != nullptr && stream->is_bool()) {
    shape.stream = stream->get_bool();
  }
  shape.tools = nonEmptyArray(request, "tools") || nonEmptyArray(request, "functions");
  shape.json_mode = jsonFormat(request, "response_format") || jsonFormat(request, "output_format");

  std::size_t characters = 0;
  std::size_t messages = 0;
  if (const json::value* list = request.if_contains("messages"); list != nullptr && list->is_array()) {
    messages = list->get_array().size();
    characters += charactersOf(*list, shape.images);
  }
  bool ignored = false;  // an image in a system prompt or a tool schema is no image of the request
  if (const json::value* system = request.if_contains("system")) characters += charactersOf(*system, ignored);
  if (const json::value* tools = request.if_contains("tools")) characters += charactersOf(*tools, ignored);
  if (const json::value* functions = request.if_contains("functions")) characters += charactersOf(*functions, ignored);
  shape.prompt_tokens = static_cast<std::int64_t>((characters + 3) / 4 + kTokensPerMessage * messages);
  return shape;
}

}  // namespace switchyard::proxy
