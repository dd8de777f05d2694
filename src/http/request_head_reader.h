#pragma once
// Reads a request head with the raw-byte checks of http/request_framing.h before Beast parses it.
#include <cstddef>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "http/asio_fwd.h"
#include "http/client_stream.h"
#include "http/read_buffer.h"

namespace switchyard::http {

// Reads from `stream` into `buffer` until a whole request head is there (checked by the scanner), the
// buffer holds `limit` bytes (Beast then reports header_limit), or the read fails: eof before any
// byte is http::error::end_of_stream, eof within a head is http::error::partial_message. Sets
// `target` to the request line's target as soon as it is known (for the error's dialect).
Task<boost::system::error_code> readRequestHead(ClientStream& stream,
                                                                  ReadBuffer& buffer,
                                                                  std::size_t limit, std::string& target);

// The most a connection's read buffer holds: a head of `max_header_bytes` plus one read. A body is
// parsed as it arrives, so only an endless line (a chunk size or chunk extension without an end)
// could need more, and gets a 400 (buffer_overflow) instead of the memory.
constexpr std::size_t requestBufferLimit(std::size_t max_header_bytes) { return max_header_bytes + 64 * 1024; }

}  // namespace switchyard::http
