/* The MarkCompact allocator (MMTk's MarkCompactAllocator, design.markcompact.alloc): a
 * bump-pointer allocator that reserves one word just before every object, where the GC
 * writes the object's new address.  Its buffers are private (the head's inline path
 * cannot reserve the word), so every default allocation comes here. */
#include "mmtk_internal.h"

#include "policy/markcompactspace.h"

uintptr_t mc_alloc(struct bump_allocator *a, size_t bytes, size_t align, size_t offset,
                   uint32_t opts, enum alloc_status *status) {
  /* (r + MC_HEADER_BYTES) + offset must be a multiple of align. */
  size_t header_offset = (offset + MC_HEADER_BYTES) & (align - 1);
  uintptr_t r = bump_alloc(a, bytes + MC_HEADER_BYTES, align, header_offset, opts, status);
  if (!r) return 0;
  /* Fresh pages read as zero, but say it: the word must be clear until the next GC. */
  *(uintptr_t *)r = 0;
  return r + MC_HEADER_BYTES;
}
