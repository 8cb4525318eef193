/* Handle memory (design.memory_manager.handles): the memory of instances, mutators and
 * builders is never given back to malloc.
 *
 * Each public handle carries a signature, set last when it is made and wiped first when
 * it is destroyed, and every entry point checks it.  That check is only sound if a stale
 * handle still points at memory of that kind: a freed block may be unmapped, reused by
 * anyone, or (under ASan) poisoned, and reading its signature is itself a use after free.
 * So a destroyed handle is retired to its pool instead, with its signature wiped, and its
 * memory is reused only for a handle of the same kind, and only after HANDLE_QUARANTINE
 * others were retired after it: until then a stale handle is certainly refused; after
 * that it may alias a new live handle, which no check can tell apart (the MPS has the
 * same limit).  The pools hold at most the peak number of handles alive at once plus the
 * quarantine, per kind. */
#ifndef MMTK_UTIL_HANDLE_H
#define MMTK_UTIL_HANDLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define HANDLE_QUARANTINE 16

struct handle_pool {
  pthread_mutex_t lock; /* every field below */
  size_t size;          /* bytes of one handle */
  void *oldest, *newest; /* retired handles' blocks, oldest first, linked (handle.c) */
  size_t retired;
};

#define HANDLE_POOL_INIT(type) {PTHREAD_MUTEX_INITIALIZER, sizeof(type), NULL, NULL, 0}

/* A zeroed handle of the pool's kind; NULL when out of memory. */
void *handle_alloc(struct handle_pool *pool);
/* Give `h` back to its pool.  Its signature must already be wiped (handle_set_sig(sig, 0)); the
 * rest of its memory stays as it was until the handle is reused. */
void handle_retire(struct handle_pool *pool, void *h);

/* Read a signature.  Relaxed atomic: a GC thread may check an instance while another
 * thread shuts it down (mmtk_start_worker), and that must not be a data race. */
static inline uint32_t handle_sig(const uint32_t *sig) {
  return __atomic_load_n(sig, __ATOMIC_RELAXED);
}

/* Set or wipe (0) a signature with a store that survives optimisation: just before a
 * handle is retired, a plain store would look dead to the compiler, as it did before
 * free(). */
static inline void handle_set_sig(uint32_t *sig, uint32_t value) {
  __atomic_store_n((volatile uint32_t *)sig, value, __ATOMIC_RELAXED);
}

#endif /* MMTK_UTIL_HANDLE_H */
