/* The bump-pointer allocator (MMTk's BumpAllocator, design.alloc.bump).  The inline fast
 * path of <mmtk/inline.h> does the same bump on the head's buffer; this is its slow path:
 * try the buffer (the request may have skipped the inline path), then take a new buffer
 * of BUMP_BUFFER_BYTES from the space. */
#include "mmtk_internal.h"

static uintptr_t alloc_inner(struct bump_allocator *a, size_t bytes, size_t align, size_t offset,
                             uint32_t opts, enum alloc_status *status) {
  *status = ALLOC_OK;
  uintptr_t r = bump_try(a->bp, bytes, align, offset);
  if (r) return r;
  if (a->space->ops->alloc) return a->space->ops->alloc(a->space, bytes, align, offset, opts, status);
  if (a->space->ops->buffer) {
    /* Any word-aligned start: room for the worst padding too. */
    uintptr_t limit, start = a->space->ops->buffer(a->space, bytes + align, opts, status, &limit);
    if (!start) return 0;
    a->bp->cursor = start;
    a->bp->limit = limit;
    r = bump_try(a->bp, bytes, align, offset);
    MMTK_ASSERT(r);
    return r;
  }

  /* Buffers start page aligned and align <= a page: the object starts `pad` bytes in. */
  size_t pad = offset ? align - offset : 0;
  size_t need = align_up(bytes + pad, BYTES_IN_PAGE);
  if (need > BUMP_BUFFER_BYTES) {
    /* Bigger than a buffer: a region of its own; the current buffer stays. */
    uintptr_t start = space_acquire(a->space, need >> LOG_BYTES_IN_PAGE, opts, status);
    if (!start) return 0;
    mmtk_bump_pointer_t one = {start, start + need};
    r = bump_try(&one, bytes, align, offset);
    MMTK_ASSERT(r);
    return r;
  }
  uintptr_t start = space_acquire(a->space, BUMP_BUFFER_BYTES >> LOG_BYTES_IN_PAGE, opts, status);
  if (!start) return 0;
  a->bp->cursor = start;
  a->bp->limit = start + BUMP_BUFFER_BYTES;
  r = bump_try(a->bp, bytes, align, offset);
  MMTK_ASSERT(r);
  return r;
}

/* With precise_stress the limit the inline path sees is 0, so that every allocation
 * comes here and is counted; the real limit is kept aside. */
uintptr_t bump_alloc(struct bump_allocator *a, size_t bytes, size_t align, size_t offset,
                     uint32_t opts, enum alloc_status *status) {
  if (!a->hide_limit) return alloc_inner(a, bytes, align, offset, opts, status);
  a->bp->limit = a->real_limit;
  uintptr_t r = alloc_inner(a, bytes, align, offset, opts, status);
  a->real_limit = a->bp->limit;
  a->bp->limit = 0;
  return r;
}

void bump_reset(struct bump_allocator *a) {
  a->bp->cursor = 0;
  a->bp->limit = 0;
  a->real_limit = 0;
}
