/* The allocator behind the malloc family (MMTk's util::malloc::library,
 * design.memory_manager.malloc.library): the C library's, or with --with-malloc jemalloc's
 * or mimalloc's.  The five calls have the C library's contract, whichever allocator is
 * behind them: size 0 gives a unique pointer, realloc(NULL) allocates, realloc(p, 0)
 * frees p and gives NULL (as glibc does), free(NULL) does nothing, and a failure sets
 * errno to ENOMEM. */
#ifndef MMTK_UTIL_MALLOC_LIBRARY_H
#define MMTK_UTIL_MALLOC_LIBRARY_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "mmtk/config.h"

#if MMTK_HAVE_MALLOC_JEMALLOC
/* Debian's jemalloc has no name prefix: its malloc() loses to the C library's in the
 * symbol search (the program links libc before libmmtk brings jemalloc in), so plain
 * malloc() here would not reach jemalloc.  Its mallocx family has names of its own.  A
 * zero size is undefined for mallocx and rallocx: ask for one byte. */
#include <jemalloc/jemalloc.h>

static inline void *mlib_nomem(void *p) {
  if (!p) errno = ENOMEM;
  return p;
}
static inline void *mlib_malloc(size_t size) { return mlib_nomem(mallocx(size ? size : 1, 0)); }
static inline void *mlib_calloc(size_t count, size_t size) {
  size_t bytes;
  if (__builtin_mul_overflow(count, size, &bytes)) return mlib_nomem(NULL);
  return mlib_nomem(mallocx(bytes ? bytes : 1, MALLOCX_ZERO));
}
static inline void mlib_free(void *p) {
  if (p) dallocx(p, 0);
}
static inline void *mlib_realloc(void *p, size_t size) {
  if (!p) return mlib_malloc(size);
  if (!size) return mlib_free(p), NULL;
  return mlib_nomem(rallocx(p, size, 0));
}

#elif MMTK_HAVE_MALLOC_MIMALLOC
/* mimalloc puts its memory at 2 TiB to 30 TiB (its address hints), inside MMTk's default
 * heap range: configure moves the default range above it. */
#include <mimalloc.h>

static inline void *mlib_malloc(size_t size) { return mi_malloc(size); }
static inline void *mlib_calloc(size_t count, size_t size) {
  size_t bytes;
  /* mimalloc reports an overflow on its own output, without errno. */
  if (__builtin_mul_overflow(count, size, &bytes)) return errno = ENOMEM, NULL;
  return mi_calloc(count, size);
}
static inline void mlib_free(void *p) { mi_free(p); }
static inline void *mlib_realloc(void *p, size_t size) {
  /* mi_realloc(p, 0) keeps a minimal block; the C library's contract frees it. */
  if (p && !size) return mi_free(p), NULL;
  return mi_realloc(p, size);
}

#else
static inline void *mlib_malloc(size_t size) { return malloc(size); }
static inline void *mlib_calloc(size_t count, size_t size) { return calloc(count, size); }
static inline void mlib_free(void *p) { free(p); }
static inline void *mlib_realloc(void *p, size_t size) { return realloc(p, size); }
#endif

#endif /* MMTK_UTIL_MALLOC_LIBRARY_H */
