#pragma once
// The buffer a connection reads into, on both sides. Its blocks are recycled per thread
// (base::RecyclingAllocator, up to 8 KiB): a client connection lets its 4 KiB buffer go while it
// relays a stream and takes one again before its next request, an allocation per stream that
// malloc would serve from its slow path (it caches only blocks up to 1 KiB per thread).
#include <boost/beast/core/flat_buffer.hpp>

#include "base/recycling_allocator.h"

namespace switchyard::http {

using ReadBuffer = boost::beast::basic_flat_buffer<base::RecyclingAllocator<char>>;

}  // namespace switchyard::http
