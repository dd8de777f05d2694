// Allocation counter for bench/isolated.sh: an LD_PRELOAD shim that counts every heap allocation of the
// process it is loaded into (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign, and C++'s
// operator new in all its forms) and the bytes asked for, then forwards to glibc. It replaces free and
// operator delete too, so every block goes back to the allocator it came from: a binary linked with
// another allocator (the gateway links tcmalloc) runs on glibc's for the count, with the same calls.
//
// If ALLOC_COUNT_FILE is set, a thread writes "ALLOCATIONS BYTES\n" to that file every 20 ms (written to
// FILE.tmp and renamed, so a reader never sees half a line). The benchmark reads the file before and after a
// wrk run and divides the difference by the requests completed.
//
// Build: gcc -O2 -shared -fPIC -o alloc_count.so bench/alloc_count.c -pthread
// Use:   ALLOC_COUNT_FILE=/tmp/counts LD_PRELOAD=$PWD/alloc_count.so switchyard serve ...
// glibc only (it calls glibc's __libc_* entry points, which need no dlsym bootstrap).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void* __libc_memalign(size_t, size_t);
extern void* __libc_valloc(size_t);
extern void* __libc_pvalloc(size_t);
extern void __libc_free(void*);

static atomic_ulong n_allocs;
static atomic_ulong n_bytes;

static inline void count(size_t bytes) {
  atomic_fetch_add_explicit(&n_allocs, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&n_bytes, bytes, memory_order_relaxed);
}

void* malloc(size_t n) {
  count(n);
  return __libc_malloc(n);
}

void* calloc(size_t count_, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(count_, size, &total)) total = SIZE_MAX;
  count(total);
  return __libc_calloc(count_, size);
}

void* realloc(void* p, size_t n) {
  if (n != 0) count(n);  // realloc(p, 0) frees; realloc(NULL, n) is a malloc
  return __libc_realloc(p, n);
}

void* memalign(size_t alignment, size_t n) {
  count(n);
  return __libc_memalign(alignment, n);
}

void* aligned_alloc(size_t alignment, size_t n) {
  count(n);
  return __libc_memalign(alignment, n);
}

int posix_memalign(void** out, size_t alignment, size_t n) {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  count(n);
  void* p = __libc_memalign(alignment, n);
  if (p == NULL) return ENOMEM;
  *out = p;
  return 0;
}

void* valloc(size_t n) {
  count(n);
  return __libc_valloc(n);
}

void* pvalloc(size_t n) {
  count(n);
  return __libc_pvalloc(n);
}

void free(void* p) { __libc_free(p); }
void cfree(void* p) { __libc_free(p); }

// C++'s operator new and delete, by their mangled names (this file is C). A failed new aborts: a
// benchmark that runs out of memory has nothing to measure.
static void* new_block(size_t n, size_t alignment, int nothrow) {
  if (n == 0) n = 1;
  count(n);
  void* p = alignment > 16 ? __libc_memalign(alignment, n) : __libc_malloc(n);
  if (p == NULL && !nothrow) abort();
  return p;
}
#define NEW_FORMS(SUFFIX, ALIGN_PARAM, ALIGN)                                                     \
  void* _Znwm##SUFFIX(size_t n ALIGN_PARAM) { return new_block(n, ALIGN, 0); }                    \
  void* _Znam##SUFFIX(size_t n ALIGN_PARAM) { return new_block(n, ALIGN, 0); }                    \
  void* _Znwm##SUFFIX##RKSt9nothrow_t(size_t n ALIGN_PARAM, const void* tag) {                    \
    (void)tag;                                                                                    \
    return new_block(n, ALIGN, 1);                                                                \
  }                                                                                               \
  void* _Znam##SUFFIX##RKSt9nothrow_t(size_t n ALIGN_PARAM, const void* tag) {                    \
    (void)tag;                                                                                    \
    return new_block(n, ALIGN, 1);                                                                \
  }
#define COMMA ,
NEW_FORMS(, , 0)
NEW_FORMS(St11align_val_t, COMMA size_t alignment, alignment)
void _ZdlPv(void* p) { __libc_free(p); }
void _ZdaPv(void* p) { __libc_free(p); }
void _ZdlPvm(void* p, size_t n) { (void)n; __libc_free(p); }
void _ZdaPvm(void* p, size_t n) { (void)n; __libc_free(p); }
void _ZdlPvRKSt9nothrow_t(void* p, const void* tag) { (void)tag; __libc_free(p); }
void _ZdaPvRKSt9nothrow_t(void* p, const void* tag) { (void)tag; __libc_free(p); }
void _ZdlPvSt11align_val_t(void* p, size_t a) { (void)a; __libc_free(p); }
void _ZdaPvSt11align_val_t(void* p, size_t a) { (void)a; __libc_free(p); }
void _ZdlPvmSt11align_val_t(void* p, size_t n, size_t a) { (void)n; (void)a; __libc_free(p); }
void _ZdaPvmSt11align_val_t(void* p, size_t n, size_t a) { (void)n; (void)a; __libc_free(p); }
void _ZdlPvSt11align_val_tRKSt9nothrow_t(void* p, size_t a, const void* tag) { (void)a; (void)tag; __libc_free(p); }
void _ZdaPvSt11align_val_tRKSt9nothrow_t(void* p, size_t a, const void* tag) { (void)a; (void)tag; __libc_free(p); }

static void* dumper(void* arg) {
  const char* path = arg;
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return NULL;
  for (;;) {
    char line[64];
    int len = snprintf(line, sizeof line, "%lu %lu\n",
                       atomic_load_explicit(&n_allocs, memory_order_relaxed),
                       atomic_load_explicit(&n_bytes, memory_order_relaxed));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ssize_t w = write(fd, line, (size_t)len);
      close(fd);
      if (w == len) rename(tmp, path);
    }
    usleep(20000);
  }
  return NULL;
}

__attribute__((constructor)) static void alloc_count_init(void) {
  const char* path = getenv("ALLOC_COUNT_FILE");
  if (path == NULL || *path == '\0') return;
  pthread_t thread;
  if (pthread_create(&thread, NULL, dumper, (void*)path) == 0) pthread_detach(thread);
}
