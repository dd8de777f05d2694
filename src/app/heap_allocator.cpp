#include "app/heap_allocator.h"

#include <malloc.h>

#if defined(SY_HAVE_TCMALLOC)
#include <gperftools/malloc_extension_c.h>
#endif

namespace switchyard::app {

std::string_view heapAllocatorName() {
#if defined(SY_HAVE_TCMALLOC)
  return "tcmalloc";
#else
  return "glibc";
#endif
}

void boundHeapGrowth() {
#if defined(SY_HAVE_TCMALLOC)
  // tcmalloc keeps freed spans mapped and returns them to the system slowly; decommitting a span
  // as soon as it is free keeps a megabyte-sized body from staying with the process. The small,
  // hot allocations live in the per-thread caches, which this does not touch.
  MallocExtension_SetNumericProperty("tcmalloc.aggressive_memory_decommit", 1);
#else
  // glibc raises its mmap threshold after such a block is freed, and later ones come from the heap,
  // which is rarely returned to the system: a fixed threshold keeps them mmapped (returned on free)
  // and the heap for the small, hot allocations.
  constexpr int kMmapThreshold = 256 * 1024;
  ::mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  ::mallopt(M_TRIM_THRESHOLD, 2 * kMmapThreshold);
#endif
}

}  // namespace switchyard::app
