#include "providers/openai/error_message.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include "canonical/json_writer.h"

namespace switchyard::providers::openai {

std::string errorMessageOf(std::string_view body, std::size_t max_length) {
  boost::json::error_code ec;
  unsigned char scratch[2048];
  boost::json::monotonic_resource arena(scratch, sizeof scratch);
  const auto parsed = boost::json::parse(boost::json::string_view(body.data(), body.size()), ec,
                                         boost::json::storage_ptr(&arena));
  std::string_view message;
  if (ec) {
    message = body;
  } else if (const auto* object = parsed.if_object()) {
    if (const auto* error = object->if_contains("error")) {
      if (const auto* inner = error->if_object()) {
        if (const auto* text = inner->if_contains("message"); text && text->is_string()) {
          message = text->get_string();
        }
      } else if (error->is_string()) {
        message = error->get_string();
      }
    }
  }
  return canonical::validUtf8Prefix(message, max_length);
}

}  // namespace switchyard::providers::openai
