#include "sim/count_tokens.h"

#include <boost/json.hpp>

#include "sim/chat_request.h"

namespace switchyard::sim {
namespace {

namespace json = boost::json;

// Words in a string, or in the "text" of each block of an array (nested tool_result content too).
std::uint64_t wordsIn(const json::value& content) {
  if (content.is_string()) return countWords(content.get_string());
  std::uint64_t words = 0;
  if (!content.is_array()) return words;
  for (const auto& block : content.get_array()) {
    if (!block.is_object()) continue;
    if (const auto* text = block.get_object().if_contains("text")) words += wordsIn(*text);
    if (const auto* inner = block.get_object().if_contains("content")) words += wordsIn(*inner);
  }
  return words;
}

}  // namespace

std::string countTokensAnswer(std::string_view body) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return {};
  const auto& object = parsed.get_object();
  std::uint64_t words = 0;
  if (const auto* system = object.if_contains("system")) words += wordsIn(*system);
  if (const auto* messages = object.if_contains("messages"); messages != nullptr && messages->is_array()) {
    for (const auto& message : messages->get_array()) {
      if (!message.is_object()) continue;
      if (const auto* content = message.get_object().if_contains("content")) words += wordsIn(*content);
    }
  }
  return json::serialize(json::object{{"input_tokens", words}});
}

}  // namespace switchyard::sim
