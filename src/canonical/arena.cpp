#include "canonical/arena.h"

#include <cstring>
#include <new>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace switchyard::canonical {

Arena::Arena(std::size_t first_block) : memory_(first_block) {}

Arena::~Arena() = default;

const boost::json::value* Arena::parseJson(std::string_view text, boost::system::error_code& ec) {
  boost::json::value parsed = boost::json::parse(boost::json::string_view(text.data(), text.size()), ec, json_);
  if (ec) return nullptr;
  void* place = memory_.allocate(sizeof(boost::json::value), alignof(boost::json::value));
  return new (place) boost::json::value(std::move(parsed));
}

std::string_view Arena::copy(std::string_view text) {
  if (text.empty()) return {};
  auto* bytes = static_cast<char*>(memory_.allocate(text.size(), 1));
  std::memcpy(bytes, text.data(), text.size());
  return {bytes, text.size()};
}

}  // namespace switchyard::canonical
