#pragma once
// The x-switchyard-* headers every proxied answer carries, so a client can see what served it.
#include <string_view>

#include <boost/beast/http/fields.hpp>

namespace switchyard::proxy {

inline void setSwitchyardHeaders(boost::beast::http::fields& fields, std::string_view route,
                                 std::string_view target, int attempts) {
  fields.set("x-switchyard-route", route);
  if (!target.empty()) fields.set("x-switchyard-target", target);
  fields.set("x-switchyard-attempts", std::to_string(attempts));
}

}  // namespace switchyard::proxy
