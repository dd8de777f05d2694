#pragma once

#include <string_view>

namespace switchyard::app {

// The heap allocator this binary was linked with: "tcmalloc" (gperftools' tcmalloc_minimal, the
// default where it is installed) or "glibc".
std::string_view heapAllocatorName();

// A large request or answer (megabytes: an 8 MiB body, its translation) must give its memory back
// when it ends, whichever allocator serves the heap. Call once, before serving.
void boundHeapGrowth();

}  // namespace switchyard::app
