#pragma once
// The buffer a connection reads into, on both sides. Its blocks are recycled per thread
// (base::RecyclingAllocator): a connection lets its buffer go while a stream waits for its next
// event, and takes one again when bytes come, so a stream costs a buffer allocation per request
// that malloc would serve from its slow path (it caches only blocks up to 1 KiB per thread).
#include <boost/beast/core/flat_buffer.hpp>

#include "base/recycling_allocator.h"

namespace switchyard::http {

using ReadBuffer = boost::beast::basic_flat_buffer<base::RecyclingAllocator<char>>;

}  // namespace switchyard::http
