/* Mapping memory (design.heap.map).
 *
 * The heap range and the side-metadata range are reserved once, PROT_NONE and
 * MAP_NORESERVE.  Committing is an mprotect, so it is idempotent and never clears data; a
 * decommit is madvise(DONTNEED) + PROT_NONE, so a later commit reads zeros again.
 */
#include "mmtk_internal.h"

#include <errno.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

uintptr_t os_reserve(uintptr_t addr, size_t len, bool fixed) {
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (fixed ? MAP_FIXED_NOREPLACE : 0);
  void *p = mmap((void *)addr, len, PROT_NONE, flags, -1, 0);
  if (p == MAP_FAILED) return 0;
  if (fixed && (uintptr_t)p != addr) {
    /* A kernel without MAP_FIXED_NOREPLACE took it as a hint. */
    munmap(p, len);
    errno = EEXIST;
    return 0;
  }
  return (uintptr_t)p;
}

void os_unreserve(uintptr_t addr, size_t len) { munmap((void *)addr, len); }

int os_commit(uintptr_t addr, size_t len) {
  if (mprotect((void *)addr, len, PROT_READ | PROT_WRITE) != 0) return errno;
  return 0;
}

void os_decommit(uintptr_t addr, size_t len) {
  madvise((void *)addr, len, MADV_DONTNEED);
  mprotect((void *)addr, len, PROT_NONE);
}

void os_discard(uintptr_t addr, size_t len) { madvise((void *)addr, len, MADV_DONTNEED); }

static bool chunks_mapped(const struct heap_layout *l, size_t first, size_t last) {
  for (size_t c = first; c <= last; c++)
    if (atomic_load_explicit(&l->chunk_map[c], memory_order_acquire) == 0) return false;
  return true;
}

int mmapper_ensure_mapped(mmtk_t *mmtk, uintptr_t start, size_t bytes, unsigned space_index) {
  struct heap_layout *l = &mmtk->layout;
  MMTK_ASSERT(bytes > 0 && layout_in_heap(l, start) && layout_in_heap(l, start + bytes - 1));
  size_t first = layout_chunk_index(l, start), last = layout_chunk_index(l, start + bytes - 1);
  if (chunks_mapped(l, first, last)) return 0;

  int err = 0;
  pthread_mutex_lock(&mmtk->map_lock);
  for (size_t c = first; c <= last && !err; c++) {
    if (atomic_load_explicit(&l->chunk_map[c], memory_order_relaxed) != 0) continue;
    uintptr_t chunk = l->start + (c << LOG_BYTES_IN_CHUNK);
    err = os_commit(chunk, BYTES_IN_CHUNK);
    /* Option transparent_hugepages: a hint; a kernel without THP (EINVAL) is no error. */
    if (!err && mmtk->options.transparent_hugepages)
      madvise((void *)chunk, BYTES_IN_CHUNK, MADV_HUGEPAGE);
    if (!err) err = side_metadata_map_chunk(&mmtk->meta, chunk, (int)space_index);
    if (!err)
      atomic_store_explicit(&l->chunk_map[c], (uint8_t)(space_index + 1), memory_order_release);
  }
  pthread_mutex_unlock(&mmtk->map_lock);
  return err;
}

/* Only pages of mapped chunks: an unmapped chunk is PROT_NONE already, and unprotecting
 * it here would bypass the side-metadata commit that mmapper_ensure_mapped() does. */
static void assert_mapped(const mmtk_t *mmtk, uintptr_t start, size_t bytes) {
  const struct heap_layout *l = &mmtk->layout;
  MMTK_ASSERT(bytes > 0 && (start & (BYTES_IN_PAGE - 1)) == 0 && layout_in_heap(l, start) &&
              layout_in_heap(l, start + bytes - 1));
  MMTK_XASSERT(chunks_mapped(l, layout_chunk_index(l, start),
                            layout_chunk_index(l, start + bytes - 1)));
  (void)l;
}

int mmapper_protect(mmtk_t *mmtk, uintptr_t start, size_t bytes) {
  assert_mapped(mmtk, start, bytes);
  /* Discard first: if mprotect fails the pages are still zero for their next user. */
  os_discard(start, bytes);
  if (mprotect((void *)start, bytes, PROT_NONE) != 0) return errno;
  return 0;
}

int mmapper_unprotect(mmtk_t *mmtk, uintptr_t start, size_t bytes) {
  assert_mapped(mmtk, start, bytes);
  return os_commit(start, bytes);
}
