/* The large object allocator (MMTk's LargeObjectAllocator, design.alloc.los): whole
 * pages per object, straight from the space; no thread-local state. */
#include "mmtk_internal.h"

uintptr_t large_object_alloc(struct large_object_allocator *a, size_t bytes, size_t align,
                             size_t offset, uint32_t opts, enum alloc_status *status) {
  /* Runs start page aligned and align <= a page, so only a non-zero offset needs room:
   * the object then starts at start + align - offset. */
  size_t pad = offset ? align - offset : 0;
  size_t pages = bytes_to_pages_up(bytes + pad);
  uintptr_t start = space_acquire(a->space, pages, opts, status);
  if (!start) return 0;
  if (a->space->ops == &large_object_space_gc_ops) {
    a->last = los_record(a->space, start, pages, start + pad);
    if (!a->last) {
      space_release(a->space, start, pages);
      *status = ALLOC_MMAP_FAILED;
      return 0;
    }
  }
  return start + pad;
}
