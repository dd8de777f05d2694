#include "http/request_head_reader.h"

#include <algorithm>

#include <boost/asio/error.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>

#include "http/asio_fwd.h"
#include "http/request_framing.h"

namespace switchyard::http {

Task<boost::system::error_code> readRequestHead(ClientStream& stream, ReadBuffer& buffer,
                                                           std::size_t limit, std::string& target) {
  RequestHeadScanner scanner;
  for (;;) {
    const auto data = buffer.data();
    const std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    const auto state = scanner.scan(bytes);
    if (const auto seen = scanner.target(bytes); !seen.empty()) target.assign(seen);
    if (state == RequestHeadScanner::State::bad) co_return scanner.error();
    if (state == RequestHeadScanner::State::complete || buffer.size() >= limit) co_return boost::system::error_code{};
    const std::size_t room = std::min(beast::read_size(buffer, 65536), limit - buffer.size() + 1);
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(room), kAwaitTuple);
    buffer.commit(n);
    if (ec == asio::error::eof) {
      co_return buffer.size() == 0 ? beast::http::error::end_of_stream : beast::http::error::partial_message;
    }
    if (ec) co_return ec;
  }
}

}  // namespace switchyard::http
