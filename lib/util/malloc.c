/* The malloc family (design.memory_manager.malloc): the allocator --with-malloc chose
 * (util/malloc_library.h; the C library's by default), plus a counted variant whose bytes
 * the instance tracks and, with --enable-malloc-counted-size, charges to the heap. */
#include "mmtk_internal.h"
#include "util/malloc_library.h"

void *mmtk_malloc(size_t size) { return mlib_malloc(size); }
void *mmtk_calloc(size_t count, size_t size) { return mlib_calloc(count, size); }
void *mmtk_realloc(void *pointer, size_t size) { return mlib_realloc(pointer, size); }
void mmtk_free(void *pointer) { mlib_free(pointer); }

static void count(mmtk_t *mmtk, size_t add, size_t sub) {
  if (add) atomic_fetch_add_explicit(&mmtk->malloc_bytes, add, memory_order_relaxed);
  if (sub) atomic_fetch_sub_explicit(&mmtk->malloc_bytes, sub, memory_order_relaxed);
}

void *mmtk_counted_malloc(mmtk_t *mmtk, size_t size) {
  if (!instance_check(mmtk, "mmtk_counted_malloc")) return NULL;
  void *p = mlib_malloc(size);
  if (p) count(mmtk, size, 0);
  return p;
}

void *mmtk_counted_calloc(mmtk_t *mmtk, size_t count_, size_t size) {
  if (!instance_check(mmtk, "mmtk_counted_calloc")) return NULL;
  size_t bytes;
  if (__builtin_mul_overflow(count_, size, &bytes)) {
    mmtk_error(mmtk, "mmtk_counted_calloc: %zu elements of %zu bytes overflow size_t", count_, size);
    return NULL;
  }
  void *p = mlib_calloc(count_, size);
  if (p) count(mmtk, bytes, 0);
  return p;
}

void *mmtk_realloc_with_old_size(mmtk_t *mmtk, void *pointer, size_t size, size_t old_size) {
  if (!instance_check(mmtk, "mmtk_realloc_with_old_size")) return NULL;
  void *p = mlib_realloc(pointer, size);
  if (p || size == 0) count(mmtk, size, pointer ? old_size : 0);
  return p;
}

void mmtk_free_with_size(mmtk_t *mmtk, void *pointer, size_t old_size) {
  if (!instance_check(mmtk, "mmtk_free_with_size")) return;
  mlib_free(pointer);
  if (pointer) count(mmtk, 0, old_size);
}

size_t mmtk_get_malloc_bytes(const mmtk_t *mmtk) {
  if (!instance_check(mmtk, "mmtk_get_malloc_bytes")) return 0;
  return atomic_load_explicit(&mmtk->malloc_bytes, memory_order_relaxed);
}
